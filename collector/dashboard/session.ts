// Dashboard sessions: a random id in the cookie, only its sha256 in `auth_sessions`, and a CSRF secret per session.
import type { Context } from 'hono';
import { hashToken, newSecretToken } from '../auth/tokens';
import { readSessionCookie } from '../auth/session-cookie';
import type { Clock } from '../clock';
import type { Database } from '../db/repository';

export const SESSION_TTL_MS = 7 * 24 * 3600 * 1000;
/** However often it is used, a session ends this long after sign-in: a stolen cookie does not live for ever. */
export const SESSION_MAX_AGE_MS = 30 * 24 * 3600 * 1000;
/** A session used after this much of its life is extended back to the full TTL (sliding, at most one write a day). */
const SLIDE_AFTER_MS = 24 * 3600 * 1000;

export type SignedIn = { userId: string; email: string; csrfSecret: string; idHash: string; expiresAt: number };

export type SessionStore = {
  /** Creates a session for the user; returns the id to put in the cookie (never stored). */
  start(userId: string): Promise<string>;
  /** The live session a cookie value names, or null. Extends it when it is old enough (`extended` is then true). */
  load(sessionId: string | undefined): Promise<(SignedIn & { extended: boolean }) | null>;
  end(sessionId: string | undefined): Promise<void>;
};

/**
 * @example const sessions = createSessionStore({ db, clock }); const id = await sessions.start(user.id); setSessionCookie(c, id);
 */
export function createSessionStore({ db, clock }: { db: Database; clock: Clock }): SessionStore {
  let lastSweep = 0;
  return {
    async start(userId) {
      const id = newSecretToken();
      const now = clock.now();
      // Expired rows are useless; sweeping here (at most hourly) keeps the table small without a timer.
      if (now - lastSweep > 3600_000) {
        lastSweep = now;
        await db.deleteExpiredAuthSessions(now);
      }
      await db.createAuthSession({ idHash: hashToken(id), userId, csrf: newSecretToken(), createdAt: now, expiresAt: now + SESSION_TTL_MS });
      return id;
    },
    async load(sessionId) {
      if (!sessionId || sessionId.length > 200) return null;
      const now = clock.now();
      const row = await db.getAuthSession(hashToken(sessionId), now);
      if (!row) return null;
      if (now - row.createdAt >= SESSION_MAX_AGE_MS) {
        await db.deleteAuthSession(row.idHash);
        return null;
      }
      const signedIn = { userId: row.userId, email: row.email, csrfSecret: row.csrf, idHash: row.idHash, expiresAt: row.expiresAt };
      if (row.expiresAt - now < SESSION_TTL_MS - SLIDE_AFTER_MS) {
        signedIn.expiresAt = Math.min(now + SESSION_TTL_MS, row.createdAt + SESSION_MAX_AGE_MS);
        await db.touchAuthSession(row.idHash, signedIn.expiresAt);
        return { ...signedIn, extended: true };
      }
      return { ...signedIn, extended: false };
    },
    async end(sessionId) {
      if (sessionId) await db.deleteAuthSession(hashToken(sessionId));
    },
  };
}

/**
 * The `sessionAuth` callback the JSON API takes: the dashboard's cookie session, so `/api/…` links work signed in.
 * @example apiAuth({ db, config, sessionAuth: dashboardSessionAuth(sessions) })
 */
export function dashboardSessionAuth(sessions: SessionStore) {
  return async (c: Context): Promise<{ userId: string; email: string; csrfSecret: string } | null> => {
    const session = await sessions.load(readSessionCookie(c));
    return session && { userId: session.userId, email: session.email, csrfSecret: session.csrfSecret };
  };
}
