// Opens the database a DATABASE_URL names and applies pending migrations.
import { parseDatabaseUrl } from './url';
import type { Database } from './repository';

/**
 * SQLite (`file:…`, `:memory:`) for one machine; PostgreSQL (`postgres://…`, `postgresql://…`) for many collectors.
 * @example const db = await openDatabase(':memory:')
 */
export async function openDatabase(url: string): Promise<Database> {
  const location = parseDatabaseUrl(url);
  // Each driver is loaded when it is used: a SQLite installation never loads pg, and the reverse.
  if (location.dialect === 'pg') return (await import('./pg')).openPg(location.url);
  return (await import('./sqlite')).openSqlite(location.filename);
}
