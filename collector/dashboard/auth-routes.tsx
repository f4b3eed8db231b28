// Sign-in and sign-out: rate-limited, same-origin, constant work whether the account exists or not.
import type { Context, Hono } from 'hono';
import { isSameOriginRequest } from '../auth/csrf';
import { hashPassword, verifyPassword } from '../auth/password';
import { clearSessionCookie, readSessionCookie, setSessionCookie } from '../auth/session-cookie';
import { clientIp } from '../ingest/ip';
import { createRateLimiter } from '../ratelimit';
import { errorPage, safeNext, type DashboardEnv, type FullDashboardDeps } from './app';
import { renderPage } from './layout';
import { SignInPage } from './pages/signin';
import { paths } from './paths';
import { SESSION_TTL_MS } from './session';

/**
 * Failed attempts, per minute: five per (client IP, email), enough for typos and useless for guessing; twenty per client
 * IP whatever the email, against trying one password on many accounts. A successful sign-in costs nothing.
 */
export const SIGN_IN_ATTEMPTS = { burst: 5, perMinute: 5 };
export const SIGN_IN_ATTEMPTS_PER_IP = { burst: 20, perMinute: 20 };
const WRONG = 'The email or password is wrong.';

type NodeEnv = { incoming?: { socket?: { remoteAddress?: string } } };

function formString(body: Record<string, unknown>, name: string, max: number): string {
  const value = body[name];
  return typeof value === 'string' ? value.slice(0, max) : '';
}

export function authRoutes(app: Hono<DashboardEnv>, { db, config, clock, sessions }: FullDashboardDeps): void {
  const limiter = createRateLimiter({ ratePerSec: SIGN_IN_ATTEMPTS.perMinute / 60, burst: SIGN_IN_ATTEMPTS.burst, clock });
  const perIp = createRateLimiter({ ratePerSec: SIGN_IN_ATTEMPTS_PER_IP.perMinute / 60, burst: SIGN_IN_ATTEMPTS_PER_IP.burst, clock });
  // Verified against when the email is unknown, so both paths cost one scrypt (no account enumeration by timing).
  let dummyHash: Promise<string> | undefined;

  const page = (c: Context, status: 200 | 400 | 401 | 429, props: { error?: string; email?: string }) => {
    const next = c.req.query('next');
    return c.html(renderPage(<SignInPage {...props} next={next && safeNext(next) === next ? next : undefined} />), status);
  };

  app.get(paths.signIn, async (c) => {
    if (await sessions.load(readSessionCookie(c))) return c.redirect(safeNext(c.req.query('next')), 302);
    return page(c, 200, {});
  });

  app.post(paths.signIn, async (c) => {
    // No session yet, so no token: the origin check alone stops login CSRF.
    if (!isSameOriginRequest(c, { trustProxy: config.trustProxy })) return errorPage(c, 403, 'Sign-in from another site was refused.');
    let body: Record<string, unknown>;
    try {
      body = await c.req.parseBody();
    } catch {
      return page(c, 400, { error: 'Send the sign-in form.' });
    }
    const email = formString(body, 'email', 320).trim().toLowerCase();
    const password = formString(body, 'password', 1024);
    const ip = clientIp((c.env as NodeEnv | undefined)?.incoming?.socket?.remoteAddress, c.req.header('x-forwarded-for'), config.trustProxy) ?? 'unknown';
    // Taken before the password is checked (a refused attempt costs no scrypt), given back once it proves right.
    const key = `${ip}\n${email}`;
    const allowed = limiter.take(key);
    const allowedIp = allowed.ok ? perIp.take(ip) : allowed;
    if (!allowedIp.ok) {
      if (allowed.ok) limiter.refund(key);
      c.header('Retry-After', String(allowedIp.retryAfterSec));
      return page(c, 429, { email, error: `Too many sign-in attempts. Try again in ${allowedIp.retryAfterSec} seconds.` });
    }
    if (!email || !password) return page(c, 400, { email, error: WRONG });
    const user = await db.getUserByEmail(email);
    const ok = await verifyPassword(password, user?.passwordHash ?? (await (dummyHash ??= hashPassword(`not a password ${Math.random()}`))));
    if (!user || !ok) return page(c, 401, { email, error: WRONG });
    limiter.refund(key);
    perIp.refund(ip);
    const sessionId = await sessions.start(user.id);
    setSessionCookie(c, sessionId, { trustProxy: config.trustProxy, maxAgeSec: SESSION_TTL_MS / 1000 });
    return c.redirect(safeNext(c.req.query('next')), 303);
  });

  app.post(paths.signOut, async (c) => {
    await sessions.end(readSessionCookie(c));
    clearSessionCookie(c, { trustProxy: config.trustProxy });
    return c.redirect(paths.signIn, 303);
  });
}
