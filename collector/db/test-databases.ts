// The dialects a test suite runs on: SQLite always, PostgreSQL too when PISTE_TEST_PG_URL is set (each open() in a fresh schema).
import { randomBytes } from 'node:crypto';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { openDatabase } from './open';
import type { Database } from './repository';
import type { PgRepository } from './pg';
import type { SqliteRepository } from './sqlite';

export type TestDatabase = {
  name: 'sqlite' | 'pg';
  open: () => Promise<Database>;
  /** A new, empty database as a DATABASE_URL, for tests that go through the CLI or another process; drop() removes it. */
  location: () => Promise<{ url: string; drop(): Promise<void> }>;
};

/** The PostgreSQL server tests may use, or undefined when PISTE_TEST_PG_URL is not set. */
export const TEST_PG_URL = process.env.PISTE_TEST_PG_URL || undefined;

/**
 * One entry per dialect to run, for `describe.each(testDatabases())('… ($name)', ({ open }) => …)`.
 * Closing a PostgreSQL database drops its schema.
 */
export function testDatabases(): TestDatabase[] {
  const sqlite: TestDatabase = { name: 'sqlite', open: () => openDatabase(':memory:'), location: sqliteFile };
  if (!TEST_PG_URL) return [sqlite];
  const base = TEST_PG_URL;
  return [sqlite, { name: 'pg', open: () => openFreshPg(base), location: () => createPgSchema(base) }];
}

async function sqliteFile() {
  const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'piste-test-'));
  return { url: `file:${path.join(dir, 'piste.db')}`, drop: () => fs.rm(dir, { recursive: true, force: true }) };
}

/** A migrated repository in a new schema of `baseUrl`'s database; its close() drops the schema. */
export async function openFreshPg(baseUrl: string): Promise<Database> {
  const schema = await createPgSchema(baseUrl);
  const db = await openDatabase(schema.url).catch(async (error) => {
    await schema.drop();
    throw error;
  });
  const close = db.close.bind(db);
  db.close = async () => {
    await close();
    await schema.drop();
  };
  return db;
}

/**
 * Creates `piste_test_<random>` and answers a URL whose connections use it (search_path in the startup options),
 * so separate processes (collectors under test, the bench) share it.
 */
export async function createPgSchema(baseUrl: string): Promise<{ name: string; url: string; drop(): Promise<void> }> {
  const name = `piste_test_${randomBytes(6).toString('hex')}`;
  await admin(baseUrl, `CREATE SCHEMA ${name}`);
  const url = new URL(baseUrl);
  url.searchParams.set('options', `-c search_path=${name}`);
  return { name, url: url.toString(), drop: () => admin(baseUrl, `DROP SCHEMA IF EXISTS ${name} CASCADE`) };
}

async function admin(url: string, sql: string) {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    await client.query(sql);
  } finally {
    await client.end();
  }
}

/**
 * Raw SQL for tests that look under the repository (what is stored at rest, what erasure leaves): `?` placeholders on
 * both dialects, rows as plain objects.
 */
export async function sqlRows(db: Database, sql: string, params: unknown[] = []): Promise<Record<string, unknown>[]> {
  if (db.dialect === 'sqlite') {
    const statement = (db as SqliteRepository).raw.prepare(sql);
    if (statement.reader) return statement.all(...params) as Record<string, unknown>[];
    statement.run(...params);
    return [];
  }
  let n = 0;
  return (await (db as PgRepository).pool.query(sql.replace(/\?/g, () => `$${++n}`), params)).rows;
}

/** The tables of the database (of the test's own schema on PostgreSQL). */
export async function tableNames(db: Database): Promise<string[]> {
  const rows =
    db.dialect === 'sqlite'
      ? await sqlRows(db, "SELECT name FROM sqlite_master WHERE type = 'table'")
      : await sqlRows(db, "SELECT table_name AS name FROM information_schema.tables WHERE table_schema = current_schema()");
  return rows.map((r) => r.name as string);
}
