// A database that is busy or stops answering gives 503 `unavailable` with Retry-After (the script keeps its events and
// retries), never a 500, on both dialects; the collector recovers by itself once the database answers again.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import BetterSqlite3 from 'better-sqlite3';
import pg from 'pg';
import { describe, expect, it, onTestFinished } from 'vitest';
import { createCollector } from '../collector/app';
import { fixedClock } from '../collector/clock';
import { loadConfig } from '../collector/config';
import { openPg, PgRepository } from '../collector/db/pg';
import type { Database } from '../collector/db/repository';
import { openSqlite } from '../collector/db/sqlite';
import { createPgSchema, TEST_PG_URL } from '../collector/db/test-databases';
import { batch, event, NOW, ORIGIN, UA } from '../collector/ingest/testing';

const TOKEN = 'transient-api-token-0123456789';

function collector(db: Database) {
  const { app } = createCollector({ db, config: loadConfig({ DATABASE_URL: ':memory:', PISTE_API_TOKEN: TOKEN }), clock: fixedClock(NOW), script: null });
  const post = (body: unknown) =>
    app.request('/e', { method: 'POST', headers: { 'content-type': 'text/plain', origin: ORIGIN, 'user-agent': UA }, body: JSON.stringify(body) });
  const api = (path: string) => app.request(`/api${path}`, { headers: { authorization: `Bearer ${TOKEN}` } });
  return { app, post, api };
}

async function expectUnavailable(res: Response) {
  expect(res.status).toBe(503);
  expect(res.headers.get('retry-after')).toBe('1');
  expect((await res.json()).error).toMatchObject({ code: 'unavailable' });
}

/** A client of the test database outside the collector's pool. */
async function adminClient(url: string) {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  onTestFinished(() => client.end());
  return client;
}

describe('SQLite busy', () => {
  it('answers 503 with Retry-After while another process holds the write lock, then stores the retry', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'piste-busy-'));
    onTestFinished(() => fs.rmSync(dir, { recursive: true, force: true }));
    const file = path.join(dir, 'piste.db');
    const db = openSqlite(file);
    onTestFinished(() => db.close());
    db.raw.pragma('busy_timeout = 50'); // give up quickly instead of after 5 s
    await db.createSite({ key: 'acme', name: 'Acme', origins: [ORIGIN] }, NOW);
    const { post } = collector(db);

    const other = new BetterSqlite3(file);
    onTestFinished(() => {
      other.close();
    });
    other.prepare('BEGIN IMMEDIATE').run();
    const body = batch([event()]);
    await expectUnavailable(await post(body));
    other.prepare('ROLLBACK').run();
    expect(await (await post(body)).json()).toEqual({ accepted: 1, duplicates: 0 });
  });
});

describe.skipIf(!TEST_PG_URL)('PostgreSQL unavailable (needs PISTE_TEST_PG_URL)', () => {
  it('answers 503 with Retry-After when the server refuses connections, on ingest, the API and /healthz', async () => {
    // Port 1 on loopback: nothing listens there, every connection is refused at once.
    const db = new PgRepository(new pg.Pool({ host: '127.0.0.1', port: 1, user: 'postgres', database: 'test' }));
    onTestFinished(() => db.close());
    const { post, api, app } = collector(db);
    await expectUnavailable(await post(batch([event()])));
    await expectUnavailable(await api('/leads'));
    expect((await app.request('/healthz')).status).toBe(503);
  });

  it('answers 503 when its connections are terminated in the middle of a commit, then recovers', async () => {
    const schema = await createPgSchema(TEST_PG_URL!);
    onTestFinished(() => schema.drop());
    const name = `piste_transient_${schema.name.slice(-6)}`;
    const url = new URL(schema.url);
    url.searchParams.set('application_name', name);
    const db = await openPg(url.toString());
    onTestFinished(() => db.close());
    await db.createSite({ key: 'acme', name: 'Acme', origins: [ORIGIN] }, NOW);
    const { post, api } = collector(db);
    expect((await post(batch([event()]))).status).toBe(202);

    // Hold the events table so the next group waits inside its transaction, then cut the collector's connections.
    const admin = await adminClient(schema.url);
    await admin.query('BEGIN');
    await admin.query('LOCK TABLE events IN ACCESS EXCLUSIVE MODE');
    const pending = post(batch([event({ vid: 'visitor-0002' })]));
    await expect
      .poll(async () => (await admin.query("SELECT count(*)::int AS n FROM pg_stat_activity WHERE application_name = $1 AND wait_event_type = 'Lock'", [name])).rows[0].n)
      .toBe(1);
    await admin.query('SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = $1', [name]);
    await expectUnavailable(await pending);
    await admin.query('ROLLBACK');

    // The pool replaced the dead connections: the retry is stored, and nothing of the failed commit was.
    const retried = batch([event({ vid: 'visitor-0002' })]);
    expect((await post(retried)).status).toBe(202);
    expect(await (await post(retried)).json()).toEqual({ accepted: 0, duplicates: 1 });
    expect((await db.listVisitorEvents('acme', 'visitor-0002')).length).toBe(1);
    expect((await api('/leads')).status).toBe(200);
  });
});
