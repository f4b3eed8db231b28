// Authentication for every /api route: a bearer token (PISTE_API_TOKEN or a stored one), or a dashboard session with CSRF.
import { createHash, timingSafeEqual } from 'node:crypto';
import type { Context, MiddlewareHandler } from 'hono';
import { csrfProtection } from '../auth/csrf';
import { hashToken } from '../auth/tokens';
import type { Clock } from '../clock';
import type { Config } from '../config';
import type { Database } from '../db/repository';
import { errorBody } from '../errors';
import type { Principal } from './context';

/** The dashboard's cookie session, if the request carries a live one. Must read the `piste_session` cookie. */
export type SessionAuth = (c: Context) => Promise<{ userId: string; email: string; csrfSecret: string } | null>;

export type ApiAuthOptions = {
  db: Database;
  config: Pick<Config, 'apiToken' | 'trustProxy'>;
  clock: Clock;
  sessionAuth?: SessionAuth;
};

export type ApiEnv = { Variables: { principal: Principal; csrfSecret?: string } };

/** last_used_at is written at most once a minute per token: a busy integration must not write on every call. */
const TOUCH_INTERVAL_MS = 60_000;

/** Compares digests, so neither the length nor the content of the configured token leaks through timing. */
function sameSecret(given: string, expected: string): boolean {
  const digest = (s: string) => createHash('sha256').update(s, 'utf8').digest();
  return timingSafeEqual(digest(given), digest(expected));
}

function unauthorized(c: Context, message: string): Response {
  return c.json(errorBody('unauthorized', message), 401, { 'WWW-Authenticate': 'Bearer realm="piste"' });
}

/**
 * Sets `c.var.principal` or answers 401 (`WWW-Authenticate: Bearer`). With an `Authorization` header only the
 * bearer token counts — never the cookie, which is what makes bearer requests exempt from CSRF. Without one,
 * `sessionAuth` may authenticate a dashboard session, whose state-changing requests then pass `csrfProtection`.
 * @example api.use('*', apiAuth({ db, config, clock, sessionAuth }))
 */
export function apiAuth({ db, config, clock, sessionAuth }: ApiAuthOptions): MiddlewareHandler<ApiEnv> {
  const csrf = csrfProtection({ trustProxy: config.trustProxy, sessionCsrfSecret: (c) => c.get('csrfSecret') });
  return async (c, next) => {
    const header = c.req.header('authorization');
    if (header !== undefined) {
      const token = /^Bearer[ \t]+(\S{1,512})[ \t]*$/i.exec(header)?.[1];
      if (!token) return unauthorized(c, 'Expected "Authorization: Bearer <token>".');
      if (config.apiToken && sameSecret(token, config.apiToken)) {
        c.set('principal', { kind: 'token', actor: 'PISTE_API_TOKEN' });
        return next();
      }
      const stored = await db.findApiTokenByHash(hashToken(token));
      if (!stored) return unauthorized(c, 'Unknown or revoked API token.');
      await db.touchApiToken(stored.id, clock.now(), TOUCH_INTERVAL_MS);
      c.set('principal', { kind: 'token', actor: stored.name ?? `token:${stored.id}` });
      return next();
    }
    const session = sessionAuth ? await sessionAuth(c) : null;
    if (!session) return unauthorized(c, 'Sign in or send an API token.');
    c.set('principal', { kind: 'session', actor: session.email, userId: session.userId });
    c.set('csrfSecret', session.csrfSecret);
    return csrf(c, next);
  };
}
