// The collector's one error type and the one error body every route answers with.
import type { ContentfulStatusCode } from 'hono/utils/http-status';

export type ErrorBody = { error: { code: string; message: string; path?: string } };

/** Builds `{ error: { code, message, path? } }`, the only error shape the collector sends. */
export function errorBody(code: string, message: string, path?: string): ErrorBody {
  return { error: path === undefined ? { code, message } : { code, message, path } };
}

/**
 * An error a route throws to answer with `status` and the one error shape (mapped by `app.onError`).
 * @example throw new ApiError(403, 'unknown_site', 'No site with this key.')
 */
export class ApiError extends Error {
  constructor(
    readonly status: ContentfulStatusCode,
    readonly code: string,
    message: string,
    readonly path?: string,
  ) {
    super(message);
    this.name = 'ApiError';
  }

  toBody(): ErrorBody {
    return errorBody(this.code, this.message, this.path);
  }
}
