// Boundary validation for the API: zod failures and malformed JSON become ApiErrors in the one error shape.
import type { z } from 'zod';
import { ApiError } from '../errors';

/** Parses `input` with `schema`, or throws 400 `bad_request` naming the first offending field in `path`. */
export function parseWith<S extends z.ZodType>(schema: S, input: unknown, code = 'bad_request'): z.output<S> {
  const parsed = schema.safeParse(input);
  if (parsed.success) return parsed.data;
  const issue = parsed.error.issues[0];
  const path = issue.path.map(String).join('.');
  throw new ApiError(400, code, path ? `${path}: ${issue.message}` : issue.message, path || undefined);
}

/** JSON.parse of a request body; an empty body is `{}` (e.g. a transition without a reason). */
export function parseJsonBody(text: string): unknown {
  if (text.trim() === '') return {};
  try {
    return JSON.parse(text);
  } catch {
    throw new ApiError(400, 'invalid_json', 'The request body is not valid JSON.');
  }
}

/** Query strings from HTML forms send empty fields: an empty value means "not given". */
export function withoutEmpty(query: Record<string, string | undefined>): Record<string, string> {
  return Object.fromEntries(Object.entries(query).filter((e): e is [string, string] => e[1] !== undefined && e[1] !== ''));
}

export const notFound = (what: string) => new ApiError(404, 'not_found', `No ${what} with this id.`);
