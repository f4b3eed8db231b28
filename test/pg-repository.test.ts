// PostgreSQL-only guarantees for many collectors on one database: migrations, races, deadlocks, SKIP LOCKED claims, exact JSON.
import fs from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openPg, type PgRepository } from '../collector/db/pg';
import type { IngestTx, StoredEvent, Visitor } from '../collector/db/repository';
import { createPgSchema, TEST_PG_URL } from '../collector/db/test-databases';
import { newId } from '../collector/ids';

const MIGRATIONS = new URL('../collector/db/migrations/pg/', import.meta.url);

const storedEvent = (over: Partial<StoredEvent> = {}): StoredEvent => ({
  site: 'acme', id: newId(), vid: 'visitor-0001', leadId: null, sessionId: 's1', type: 'pageview', ts: 1_767_225_600_123, receivedAt: 1,
  url: null, ref: null, title: null, cat: null, name: null, props: null, email: null, traits: null, form: null, ip: null, ua: null, ...over,
});

/** Counts one more session for `vid` the way ingest does: read FOR UPDATE, then write the new value. */
async function countSession(tx: IngestTx, vid: string) {
  const v = await tx.getVisitor('acme', vid);
  if (!v) {
    const visitor: Visitor = { site: 'acme', vid, leadId: null, firstSeen: 1, lastSeen: 1, lastSessionId: 's', sessions: 1, scoreKey: 0, scoreState: null };
    await tx.insertVisitor(visitor);
  } else {
    await tx.updateVisitor('acme', vid, { ...v, sessions: v.sessions + 1 });
  }
}

describe.skipIf(!TEST_PG_URL)('PostgreSQL repository shared by two collectors (needs PISTE_TEST_PG_URL)', () => {
  let schema: Awaited<ReturnType<typeof createPgSchema>>;
  let a: PgRepository;
  let b: PgRepository;

  beforeAll(async () => {
    schema = await createPgSchema(TEST_PG_URL!);
    // Both start at once, as collectors do behind a load balancer: the advisory lock lets one migrate, the other wait.
    [a, b] = await Promise.all([openPg(schema.url), openPg(schema.url)]);
    await a.createSite({ key: 'acme', name: 'Acme', origins: [] }, 1);
  });

  afterAll(async () => {
    await a?.close();
    await b?.close();
    await schema?.drop();
  });

  it('creates the tables in the connection schema, never in public', async () => {
    for (const file of fs.readdirSync(MIGRATIONS).filter((f) => f.endsWith('.sql'))) {
      expect(fs.readFileSync(new URL(file, MIGRATIONS), 'utf8'), file).not.toContain('"public".');
    }
    const { rows } = await a.pool.query('SELECT table_schema FROM information_schema.tables WHERE table_name = $1', ['leads']);
    expect(rows.map((r) => r.table_schema)).toContain(schema.name);
    expect(rows.map((r) => r.table_schema)).not.toContain('public');
  });

  it('keeps JSON key order and answers times as numbers, as SQLite does', async () => {
    const e = storedEvent({ props: { zeta: 1, alpha: 'x', mid: true }, form: { kind: 'demo', fields: { b: '1', a: '2' } } });
    await a.writeGroup([e], (tx, item) => tx.insertEvent(item));
    const [back] = await b.listVisitorEvents('acme', 'visitor-0001');
    expect(JSON.stringify(back.props)).toBe('{"zeta":1,"alpha":"x","mid":true}');
    expect(JSON.stringify(back.form)).toBe('{"kind":"demo","fields":{"b":"1","a":"2"}}');
    expect(back.ts).toBe(1_767_225_600_123);
  });

  it('makes one lead of one email written by both collectors at once', async () => {
    const lead = (id: string) => ({
      id, site: 'acme', email: 'race@acme.io', name: null, company: null, title: null, traits: {}, stage: 'lead' as const, stageAt: 1,
      rejectedAt: null, scoreKey: 0, scoreState: null, fitPoints: 0, grade: null, probability: null, firstSeen: 1, lastSeen: 1, visits: 0,
      pageviews: 0, createdAt: 1,
    });
    const results = await Promise.all(
      Array.from({ length: 10 }, (_, i) => (i % 2 ? a : b).writeGroup([newId()], (tx, id) => tx.findOrCreateLead(lead(id)))),
    );
    const outcomes = results.map(([r]) => (r.ok ? r.value : null));
    expect(outcomes.filter((o) => o?.created)).toHaveLength(1);
    expect(new Set(outcomes.map((o) => o?.lead.id)).size).toBe(1);
    expect(await a.countLeads('acme')).toBe(1);
  });

  it('loses no update when two groups lock the same visitors in opposite orders (deadlock → the group runs again)', async () => {
    const slow = (order: string[]) => async (tx: IngestTx, vid: string) => {
      await countSession(tx, vid);
      if (vid === order[0]) await new Promise((r) => setTimeout(r, 100)); // hold the first lock while the other group takes its own
    };
    for (let round = 0; round < 3; round++) {
      await Promise.all([a.writeGroup(['v-left', 'v-right'], slow(['v-left'])), b.writeGroup(['v-right', 'v-left'], slow(['v-right']))]);
    }
    expect((await a.getVisitor('acme', 'v-left'))!.sessions).toBe(6);
    expect((await a.getVisitor('acme', 'v-right'))!.sessions).toBe(6);
  });

  it('counts every session when both collectors see a new browser at the same moment', async () => {
    await Promise.all(Array.from({ length: 8 }, (_, i) => (i % 2 ? a : b).writeGroup(['v-new'], countSession)));
    expect((await b.getVisitor('acme', 'v-new'))!.sessions).toBe(8);
  });

  it('gives each due webhook delivery to exactly one collector (FOR UPDATE SKIP LOCKED)', async () => {
    const webhookId = newId();
    await a.createWebhook({ id: webhookId, site: 'acme', url: 'https://hooks.example/x', events: null, secret: 'whsec_x', createdAt: 1 });
    const ids = Array.from({ length: 40 }, () => newId());
    await a.writeGroup(ids, (tx, id) =>
      tx.insertDelivery({ id, webhookId, leadId: null, type: 'lead.stage_changed', payload: `{"n":"${id}","z":1,"a":2}`, now: 10 }),
    );
    const claims = await Promise.all(Array.from({ length: 8 }, (_, i) => (i % 2 ? a : b).claimDue(100, 10, 60_000)));
    const claimed = claims.flat().map((d) => d.id);
    expect(claimed.sort()).toEqual([...ids].sort());
    expect(claims.flat().find((d) => d.id === ids[0])!.payload).toBe(`{"n":"${ids[0]}","z":1,"a":2}`);
    expect(await b.claimDue(100, 10, 60_000)).toEqual([]); // all claimed until the lock expires
  });
});
