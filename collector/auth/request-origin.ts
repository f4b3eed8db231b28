// The origin (scheme://host[:port]) a browser used to reach us, optionally as told by a trusted reverse proxy.
import type { Context } from 'hono';

export type OriginOptions = {
  /** Believe `X-Forwarded-Proto` / `X-Forwarded-Host` (set only behind a proxy you run: PISTE_TRUST_PROXY). */
  trustProxy?: boolean;
};

function firstForwarded(value: string | undefined): string | undefined {
  const first = value?.split(',')[0]?.trim();
  return first ? first : undefined;
}

/** True when the browser's connection is https (directly, or at a trusted proxy). */
export function isHttps(c: Context, options: OriginOptions = {}): boolean {
  if (options.trustProxy) {
    const proto = firstForwarded(c.req.header('x-forwarded-proto'));
    if (proto) return proto.toLowerCase() === 'https';
  }
  return new URL(c.req.url).protocol === 'https:';
}

/** The origin of this request as the browser sees it, e.g. `https://piste.example.com`. */
export function requestOrigin(c: Context, options: OriginOptions = {}): string {
  const url = new URL(c.req.url);
  if (options.trustProxy) {
    const host = firstForwarded(c.req.header('x-forwarded-host'));
    const scheme = isHttps(c, options) ? 'https:' : 'http:';
    try {
      return new URL(`${scheme}//${host ?? url.host}`).origin;
    } catch {
      return url.origin;
    }
  }
  return url.origin;
}
