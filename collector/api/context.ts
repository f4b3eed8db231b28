// What every API service function needs: the database, the configuration and the clock (plus test seams).
import type { Clock } from '../clock';
import type { Config } from '../config';
import type { Database } from '../db/repository';
import type { LookupAll } from '../webhooks/ssrf';

export type ApiContext = {
  db: Database;
  config: Config;
  clock: Clock;
  /** DNS resolution for the webhook SSRF check (tests pass a fake one). */
  lookup?: LookupAll;
};

/** Who is calling: the token's name (or `token:<id>`), `PISTE_API_TOKEN`, or the signed-in user's email. */
export type Principal = { kind: 'token' | 'session'; actor: string; userId?: string };
