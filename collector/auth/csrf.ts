// CSRF protection for session-authenticated requests: a synchronizer token plus a same-origin check.
import { createHmac, timingSafeEqual } from 'node:crypto';
import type { Context, MiddlewareHandler } from 'hono';
import { readSessionCookie } from './session-cookie';
import { requestOrigin, type OriginOptions } from './request-origin';

export const CSRF_FIELD = '_csrf';
export const CSRF_HEADER = 'x-csrf-token';

const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

/**
 * The token a page puts in its forms (`<input type="hidden" name="_csrf">`) or sends as `x-csrf-token`.
 * Derived from the session's stored CSRF secret, so the secret itself never appears in a page.
 * @example <CsrfField token={csrfTokenFor(session.csrf)} />
 */
export function csrfTokenFor(sessionCsrfSecret: string): string {
  return createHmac('sha256', sessionCsrfSecret).update('piste.csrf.v1').digest('base64url');
}

function sameToken(given: string, expected: string): boolean {
  const a = Buffer.from(given);
  const b = Buffer.from(expected);
  return a.length === b.length && timingSafeEqual(a, b);
}

function originOf(value: string): string | undefined {
  try {
    return new URL(value).origin;
  } catch {
    return undefined;
  }
}

/**
 * True when the browser says the request comes from one of our own pages: `Origin`, else `Referer`,
 * else `Sec-Fetch-Site: same-origin`. A cross-site `Sec-Fetch-Site` always loses.
 * Also useful alone on the sign-in form, which has no session yet (login CSRF).
 */
export function isSameOriginRequest(c: Context, options: OriginOptions = {}): boolean {
  const fetchSite = c.req.header('sec-fetch-site');
  if (fetchSite && fetchSite !== 'same-origin') return false;
  const expected = requestOrigin(c, options);
  const origin = c.req.header('origin');
  if (origin) return origin === expected;
  const referer = c.req.header('referer');
  if (referer) return originOf(referer) === expected;
  return fetchSite === 'same-origin';
}

async function submittedToken(c: Context): Promise<string | undefined> {
  const header = c.req.header(CSRF_HEADER);
  if (header) return header;
  const type = (c.req.header('content-type') ?? '').toLowerCase();
  if (!type.startsWith('application/x-www-form-urlencoded') && !type.startsWith('multipart/form-data')) return undefined;
  try {
    // Hono caches the parsed body, so the route handler can still read the form afterwards.
    const value = (await c.req.parseBody())[CSRF_FIELD];
    return typeof value === 'string' ? value : undefined;
  } catch {
    return undefined;
  }
}

export type CsrfOptions = OriginOptions & {
  /**
   * The CSRF secret stored with the session that this request's `piste_session` cookie names, or null when
   * the cookie names no live session (then the request is not authenticated and the auth layer answers 401).
   */
  sessionCsrfSecret: (c: Context) => string | null | undefined | Promise<string | null | undefined>;
};

function refuse(c: Context, message: string): Response {
  return c.json({ error: { code: 'csrf', message } }, 403);
}

/**
 * Refuses (403 `csrf`) every state-changing request authenticated by the session cookie unless it carries the
 * session's token and comes from our own origin. Bearer-token requests are exempt: a browser cannot be made
 * to attach them cross-site — so the auth layer must never fall back to the cookie when `Authorization` is set.
 * @example app.use('/api/*', csrfProtection({ sessionCsrfSecret: (c) => sessions.csrfFor(readSessionCookie(c)) }));
 */
export function csrfProtection(options: CsrfOptions): MiddlewareHandler {
  return async (c, next) => {
    if (SAFE_METHODS.has(c.req.method)) return next();
    if (/^bearer\s/i.test(c.req.header('authorization') ?? '')) return next();
    if (!readSessionCookie(c)) return next();
    const secret = await options.sessionCsrfSecret(c);
    if (!secret) return next();
    if (!isSameOriginRequest(c, options)) return refuse(c, 'Cross-origin request refused.');
    const token = await submittedToken(c);
    if (!token || !sameToken(token, csrfTokenFor(secret))) return refuse(c, 'Missing or invalid CSRF token.');
    return next();
  };
}
