// The dashboard session cookie: `piste_session`, HttpOnly, SameSite=Lax, Path=/, Secure over https.
import type { Context } from 'hono';
import { deleteCookie, getCookie, setCookie } from 'hono/cookie';
import { isHttps, type OriginOptions } from './request-origin';

export const SESSION_COOKIE = 'piste_session';

export type SessionCookieOptions = OriginOptions & {
  /** Lifetime in seconds; the database row's `expires_at` must match it. Default 7 days. */
  maxAgeSec?: number;
};

const DEFAULT_MAX_AGE_SEC = 7 * 24 * 3600;

/**
 * Sends the session id (the secret, not its hash) to the browser.
 * @example setSessionCookie(c, sessionId, { trustProxy: config.trustProxy });
 */
export function setSessionCookie(c: Context, sessionId: string, options: SessionCookieOptions = {}): void {
  setCookie(c, SESSION_COOKIE, sessionId, {
    httpOnly: true,
    sameSite: 'Lax',
    path: '/',
    secure: isHttps(c, options),
    maxAge: options.maxAgeSec ?? DEFAULT_MAX_AGE_SEC,
  });
}

/** The session id the browser sent, or undefined. */
export function readSessionCookie(c: Context): string | undefined {
  const value = getCookie(c, SESSION_COOKIE);
  return value ? value : undefined;
}

/** Tells the browser to forget the session (sign-out). */
export function clearSessionCookie(c: Context, options: OriginOptions = {}): void {
  deleteCookie(c, SESSION_COOKIE, { path: '/', httpOnly: true, sameSite: 'Lax', secure: isHttps(c, options) });
}
