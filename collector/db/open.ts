// Opens the database a DATABASE_URL names and applies pending migrations.
import { parseDatabaseUrl } from './url';
import type { Database } from './repository';
import { openPg } from './pg';
import { openSqlite } from './sqlite';

/**
 * SQLite (`file:…`, `:memory:`) for one machine; PostgreSQL (`postgres://…`, `postgresql://…`) for many collectors.
 * @example const db = await openDatabase(':memory:')
 */
export async function openDatabase(url: string): Promise<Database> {
  const location = parseDatabaseUrl(url);
  if (location.dialect === 'pg') return openPg(location.url);
  return openSqlite(location.filename);
}
