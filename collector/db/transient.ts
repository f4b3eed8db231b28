// Which database errors are transient (busy, unreachable, a lost race): answered 503 with Retry-After so clients retry.

/** SQLite result codes (better-sqlite3 `code`, extended codes included): a locked or full database, an I/O hiccup. */
const SQLITE_TRANSIENT = /^SQLITE_(BUSY|LOCKED|FULL|IOERR)/;

/**
 * PostgreSQL SQLSTATE classes and codes: 08 connection exception, 53 insufficient resources (too many connections,
 * disk full), 57P01–57P03 server shutting down or starting, 40001/40P01 a serialization failure or deadlock left
 * after the group's own retries.
 */
const PG_TRANSIENT = /^(08...|53...|57P0[123]|40001|40P01)$/;

/** Socket errors of a server that went away or does not answer (node's `code`). */
const NETWORK = new Set(['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EPIPE', 'EHOSTUNREACH', 'ENETUNREACH', 'EAI_AGAIN']);

/** node-postgres reports a lost connection or a pool wait that timed out with a message only, no code. */
const PG_MESSAGES = [
  'Connection terminated',
  'timeout exceeded when trying to connect',
  'Client has encountered a connection error and is not queryable',
];

/**
 * True when `error` says the database is momentarily unavailable rather than that the request is wrong: both
 * repositories' errors go through here, so every route answers these with 503 `unavailable` and `Retry-After`.
 * @example isTransientDbError(Object.assign(new Error('database is locked'), { code: 'SQLITE_BUSY' })) // true
 */
export function isTransientDbError(error: unknown): boolean {
  if (!(error instanceof Error)) return false;
  const code = String((error as { code?: unknown }).code ?? '');
  if (SQLITE_TRANSIENT.test(code) || PG_TRANSIENT.test(code) || NETWORK.has(code)) return true;
  if (PG_MESSAGES.some((m) => error.message.startsWith(m))) return true;
  // Connecting to every address of a host name fails as one AggregateError (node ≥ 20).
  return error instanceof AggregateError && error.errors.some(isTransientDbError);
}
