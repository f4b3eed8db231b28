// Both dialects keep the same tables and column names (ARCHITECTURE "Data model"), so one repository contract fits both.
import { getTableConfig as pgConfig, type PgTable } from 'drizzle-orm/pg-core';
import { getTableConfig as sqliteConfig, type SQLiteTable } from 'drizzle-orm/sqlite-core';
import { describe, expect, it } from 'vitest';
import * as pg from './schema.pg';
import * as sqlite from './schema.sqlite';

describe('schemas', () => {
  it('have the same tables, columns, nullability and index names in SQLite and PostgreSQL', () => {
    expect(Object.keys(pg).sort()).toEqual(Object.keys(sqlite).sort());
    for (const name of Object.keys(sqlite) as (keyof typeof sqlite)[]) {
      const s = sqliteConfig(sqlite[name] as SQLiteTable);
      const p = pgConfig(pg[name] as PgTable);
      expect(p.name).toBe(s.name);
      const columns = (cs: { name: string; notNull: boolean }[]) => cs.map((c) => `${c.name}:${c.notNull}`).sort();
      expect(columns(p.columns), s.name).toEqual(columns(s.columns));
      expect(p.indexes.map((i) => i.config.name).sort(), s.name).toEqual(s.indexes.map((i) => i.config.name).sort());
    }
  });
});
