// The first dashboard user: from PISTE_ADMIN_EMAIL/PASSWORD, or (npm start) admin@localhost with a random password.
import { randomBytes } from 'node:crypto';
import { hashPassword } from '../auth/password';
import type { Config } from '../config';
import { ConflictError, type Database } from '../db/repository';
import { newId } from '../ids';

export const GENERATED_ADMIN_EMAIL = 'admin@localhost';

export type EnsureAdminResult =
  | { created: false; reason: 'users_exist' | 'not_configured' }
  | { created: true; email: string; /** Only when generated: shown once, never stored. */ password?: string };

/**
 * Creates the first user when there is none. With `generate`, a missing password is made up and logged once.
 * @example await ensureAdmin(db, config, { generate: true, log: console.log });
 */
export async function ensureAdmin(
  db: Database,
  config: Pick<Config, 'adminEmail' | 'adminPassword'>,
  { generate, log, now = Date.now() }: { generate: boolean; log: (line: string) => void; now?: number },
): Promise<EnsureAdminResult> {
  if ((await db.countUsers()) > 0) return { created: false, reason: 'users_exist' };
  const email = (config.adminEmail ?? GENERATED_ADMIN_EMAIL).trim().toLowerCase();
  let password = config.adminPassword;
  let generated = false;
  if (!password) {
    if (!generate) {
      log('No dashboard user yet: set PISTE_ADMIN_EMAIL and PISTE_ADMIN_PASSWORD, or run `npx piste user add EMAIL`.');
      return { created: false, reason: 'not_configured' };
    }
    password = randomBytes(15).toString('base64url');
    generated = true;
  }
  try {
    await db.createUser({ id: newId(), email, passwordHash: await hashPassword(password), createdAt: now });
  } catch (err) {
    // Another collector starting at the same moment created it first.
    if (err instanceof ConflictError) return { created: false, reason: 'users_exist' };
    throw err;
  }
  log(generated ? `Created dashboard user ${email} with password ${password} (shown once: keep it)` : `Created dashboard user ${email}`);
  return generated ? { created: true, email, password } : { created: true, email };
}
