// Parses DATABASE_URL into the dialect and location the database layer opens.
import path from 'node:path';

export type DatabaseLocation =
  | { dialect: 'sqlite'; filename: string } // an absolute path, or ':memory:'
  | { dialect: 'pg'; url: string };

/**
 * `file:./relative` (against cwd), `file:/absolute`, `:memory:` → SQLite; `postgres://…`, `postgresql://…` → PostgreSQL.
 * Throws an Error with a readable message for anything else.
 * @example parseDatabaseUrl('file:./data/piste.db') // { dialect: 'sqlite', filename: '/cwd/data/piste.db' }
 */
export function parseDatabaseUrl(url: string, cwd = process.cwd()): DatabaseLocation {
  if (url === ':memory:' || url === 'file::memory:') return { dialect: 'sqlite', filename: ':memory:' };
  if (/^postgres(ql)?:\/\//i.test(url)) return { dialect: 'pg', url };
  if (url.startsWith('file:')) {
    const rest = url.slice('file:'.length);
    // file:///abs is the URL form of an absolute path; file:/abs and file:./rel are the documented ones.
    const file = rest.startsWith('///') ? rest.slice(2) : rest;
    if (file === '' || file.startsWith('//')) throw new Error(`expected file:./relative or file:/absolute, got "${url}"`);
    return { dialect: 'sqlite', filename: path.resolve(cwd, file) };
  }
  throw new Error(`expected file:./relative, file:/absolute, :memory: or postgres://…, got "${url}"`);
}
