// Random secrets (API tokens, session ids, CSRF secrets) and the one-way hash under which they are stored.
import { createHash, randomBytes } from 'node:crypto';

/**
 * A new unguessable secret: 32 random bytes, base64url (43 characters).
 * @example const sessionId = newSecretToken(); setSessionCookie(c, sessionId); store(hashToken(sessionId));
 */
export function newSecretToken(): string {
  return randomBytes(32).toString('base64url');
}

/**
 * The SHA-256 hex digest stored in the database instead of the secret itself, so a leaked
 * table does not leak working credentials. Secrets are 256-bit random, so no salt or slow hash is needed.
 */
export function hashToken(token: string): string {
  return createHash('sha256').update(token, 'utf8').digest('hex');
}
