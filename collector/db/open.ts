// Opens the database a DATABASE_URL names and applies pending migrations.
import { parseDatabaseUrl } from './url';
import type { Database } from './repository';
import { openSqlite } from './sqlite';

/**
 * SQLite (`file:…`, `:memory:`) today; `postgres://…` is recognised and waits for `pg.ts` (issue 8).
 * @example const db = await openDatabase(':memory:')
 */
export async function openDatabase(url: string): Promise<Database> {
  const location = parseDatabaseUrl(url);
  if (location.dialect === 'pg') {
    // Seam for issue 8: `import { openPg } from './pg'` returning a Repository over schema.pg.ts.
    throw new Error('PostgreSQL is not supported yet: use a file: DATABASE_URL');
  }
  return openSqlite(location.filename);
}
