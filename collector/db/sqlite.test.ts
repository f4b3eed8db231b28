// The repository on every dialect (group commit isolation, uniqueness), and SQLite's own file, pragmas and busy answer.
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import BetterSqlite3 from 'better-sqlite3';
import { describe, expect, it, onTestFinished } from 'vitest';
import { newId } from '../ids';
import { openDatabase } from './open';
import { ConflictError, type StoredEvent } from './repository';
import type { SqliteRepository } from './sqlite';
import { testDatabases } from './test-databases';

const storedEvent = (id: string): StoredEvent => ({
  site: 'acme', id, vid: 'visitor-0001', leadId: null, sessionId: 's1', type: 'pageview', ts: 1, receivedAt: 1, url: null, ref: null,
  title: null, cat: null, name: null, props: null, email: null, traits: null, form: null, ip: null, ua: null,
});

describe('SQLite repository', () => {
  it('creates the file and its folder, migrates, and sets WAL, busy_timeout and foreign keys', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'piste-db-'));
    const file = path.join(dir, 'nested', 'piste.db');
    const db = (await openDatabase(`file:${file}`)) as SqliteRepository;
    expect(fs.existsSync(file)).toBe(true);
    expect(db.raw.pragma('journal_mode', { simple: true })).toBe('wal');
    expect(db.raw.pragma('busy_timeout', { simple: true })).toBe(5000);
    expect(db.raw.pragma('foreign_keys', { simple: true })).toBe(1);
    const tables = (db.raw.prepare("SELECT name FROM sqlite_master WHERE type = 'table'").all() as { name: string }[]).map((t) => t.name);
    for (const t of ['sites', 'visitors', 'leads', 'events', 'stage_changes', 'users', 'auth_sessions', 'api_tokens', 'webhooks', 'webhook_deliveries', 'models']) {
      expect(tables).toContain(t);
    }
    await db.migrate(); // idempotent
    await db.close();
    fs.rmSync(dir, { recursive: true });
  });

  it('checkpoints the WAL from a background thread when asked, and stops it on close', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'piste-db-'));
    onTestFinished(() => fs.rmSync(dir, { recursive: true, force: true }));
    const file = path.join(dir, 'piste.db');
    const db = (await openDatabase(`file:${file}`)) as SqliteRepository;
    db.checkpointInBackground();
    // Commits no longer checkpoint before the WAL holds 10,000 pages (40 MB): only the background thread keeps it small.
    expect(db.raw.pragma('wal_autocheckpoint', { simple: true })).toBe(10_000);
    db.raw.exec('CREATE TABLE filler (x BLOB)');
    const insert = db.raw.prepare('INSERT INTO filler VALUES (randomblob(100000))');
    let largestWal = 0;
    for (let i = 0; i < 80; i++) {
      insert.run(); // ≈ 25 pages per commit, 8 MB in all
      largestWal = Math.max(largestWal, fs.statSync(`${file}-wal`).size);
      await new Promise((resolve) => setTimeout(resolve, 15));
    }
    // Checkpointed every 100 ms while written, the WAL is reused from its start: it never reaches the 4 MB at which a
    // commit would checkpoint by itself (SQLite's default, restored if the thread stops), let alone 8 MB.
    expect(largestWal).toBeLessThan(2 * 2 ** 20);
    expect(db.raw.pragma('wal_autocheckpoint', { simple: true })).toBe(10_000); // the thread is still running
    await db.close();
    expect(fs.existsSync(`${file}-wal`)).toBe(false); // the last connection closed: the checkpointer's too
    const again = new BetterSqlite3(file, { readonly: true });
    expect(again.prepare('SELECT count(*) FROM filler').pluck().get()).toBe(80);
    again.close();
  });

  it('closes with a checkpointer still starting up, before the process may end', async () => {
    // The thread is unref'd (it never keeps a collector alive): closing right away, while it still loads, let the process
    // end in the middle of close() (exit code 13, "unsettled top-level await"), until stop() held a reference to it.
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'piste-db-'));
    onTestFinished(() => fs.rmSync(dir, { recursive: true, force: true }));
    const script = path.join(dir, 'close.mts');
    fs.writeFileSync(script, [
      `import { openSqlite } from ${JSON.stringify(fileURLToPath(new URL('./sqlite.ts', import.meta.url)))};`,
      // A race with the thread's start-up (it lost about four times in five): five rounds make a pass by luck unlikely.
      'for (let i = 0; i < 5; i++) {',
      `  const db = openSqlite(${JSON.stringify(dir)} + '/piste-' + i + '.db');`,
      '  db.checkpointInBackground();',
      '  await db.close();',
      '}',
      "console.log('closed');",
    ].join('\n'));
    const { stdout } = await promisify(execFile)('npx', ['tsx', script], { cwd: path.dirname(fileURLToPath(import.meta.url)) });
    expect(stdout.trim()).toBe('closed');
  }, 30_000);
});

describe.each(testDatabases())('repository ($name)', ({ open }) => {
  const fresh = async () => {
    const db = await open();
    onTestFinished(() => db.close());
    return db;
  };

  it('commits a group with each item isolated: a failing item rolls back only its own writes', async () => {
    const db = await fresh();
    await db.createSite({ key: 'acme', name: 'Acme', origins: [] }, 1);
    const results = await db.writeGroup(['a', 'b', 'c'], async (tx, id) => {
      await tx.insertEvent(storedEvent(`event-${id}`));
      if (id === 'b') throw new Error('boom');
      return id;
    });
    expect(results.map((r) => r.ok)).toEqual([true, false, true]);
    expect((await db.listVisitorEvents('acme', 'visitor-0001')).map((e) => e.id)).toEqual(['event-a', 'event-c']);
  });

  it('refuses a second site with the same key and a second user with the same email', async () => {
    const db = await fresh();
    await db.createSite({ key: 'acme', name: 'Acme', origins: ['https://a.io'] }, 1);
    await expect(db.createSite({ key: 'acme', name: 'Other', origins: [] }, 2)).rejects.toBeInstanceOf(ConflictError);
    const user = { id: newId(), email: 'ada@acme.io', passwordHash: 'h', createdAt: 1 };
    await db.createUser(user);
    await expect(db.createUser({ ...user, id: newId() })).rejects.toBeInstanceOf(ConflictError);
    expect((await db.getUserByEmail('ada@acme.io'))!.id).toBe(user.id);
  });

  it("sets a user's password ending only their sessions, and removes a user with theirs", async () => {
    const db = await fresh();
    const [ada, bob] = [{ id: newId(), email: 'ada@acme.io' }, { id: newId(), email: 'bob@acme.io' }];
    for (const u of [ada, bob]) {
      await db.createUser({ ...u, passwordHash: 'old', createdAt: 1 });
      await db.createAuthSession({ idHash: `s-${u.email}`, userId: u.id, csrf: 'c', createdAt: 1, expiresAt: 100 });
    }
    expect(await db.setUserPassword(ada.id, 'new')).toBe(true);
    expect((await db.getUserByEmail('ada@acme.io'))!.passwordHash).toBe('new');
    expect(await db.getAuthSession('s-ada@acme.io', 2)).toBeUndefined();
    expect(await db.getAuthSession('s-bob@acme.io', 2)).toBeDefined();
    expect(await db.deleteUser(bob.id)).toBe(true);
    expect(await db.getAuthSession('s-bob@acme.io', 2)).toBeUndefined();
    expect(await db.deleteUser(bob.id)).toBe(false);
    expect(await db.setUserPassword(bob.id, 'x')).toBe(false);
    expect((await db.listUsers()).map((u) => u.email)).toEqual(['ada@acme.io']);
  });

  it('finds API tokens by hash and updates site origins and rules', async () => {
    const db = await fresh();
    await db.createApiToken({ id: 't1', name: 'ci', tokenHash: 'abc', createdAt: 1, lastUsedAt: null });
    expect(await db.findApiTokenByHash('abc')).toMatchObject({ id: 't1', name: 'ci' });
    expect(await db.findApiTokenByHash('nope')).toBeUndefined();
    await db.createSite({ key: 'acme', name: 'Acme', origins: [] }, 1);
    expect(await db.updateSiteOrigins('acme', ['https://b.io'])).toBe(true);
    expect(await db.updateSiteRules('acme', { categories: { pricing: ['/offres'] } })).toBe(true);
    expect(await db.getSite('acme')).toMatchObject({ origins: ['https://b.io'], rules: { categories: { pricing: ['/offres'] } } });
    expect(await db.updateSiteOrigins('nope', [])).toBe(false);
  });
});

describe('busy database', () => {
  it('answers POST /e 503 with Retry-After while another connection holds the write lock, and stores nothing', async () => {
    const { createApp } = await import('../app');
    const { loadConfig } = await import('../config');
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'piste-busy-'));
    const url = `file:${path.join(dir, 'p.db')}`;
    const db = (await openDatabase(url)) as SqliteRepository;
    await db.createSite({ key: 'acme', name: 'Acme', origins: [] }, 1);
    db.raw.pragma('busy_timeout = 50'); // keep the test fast
    const other = (await openDatabase(url)) as SqliteRepository;
    other.raw.exec('BEGIN IMMEDIATE');
    const app = createApp({ db, config: loadConfig({}), script: null });
    const res = await app.request('/e', {
      method: 'POST',
      headers: { 'content-type': 'text/plain', 'user-agent': 'Mozilla/5.0 Chrome/131.0.0.0 Safari/537.36' },
      body: JSON.stringify({ site: 'acme', sentAt: Date.now(), events: [{ id: 'event-000001', type: 'pageview', ts: Date.now(), vid: 'visitor-0001' }] }),
    });
    expect(res.status).toBe(503);
    expect(res.headers.get('retry-after')).toBe('1');
    other.raw.exec('ROLLBACK');
    expect(await db.listVisitorEvents('acme', 'visitor-0001')).toEqual([]);
    await other.close();
    await db.close();
    fs.rmSync(dir, { recursive: true });
  });
});
