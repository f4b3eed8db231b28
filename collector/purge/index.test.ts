// Retention: events older than the period go, anonymous visitors left without events go, leads stay with consistent counters.
import { describe, expect, it } from 'vitest';
import { fixedClock } from '../clock';
import type { Database } from '../db/repository';
import { testDatabases } from '../db/test-databases';
import { batch, event, NOW, setup } from '../ingest/testing';
import { loadConfig } from '../config';
import { linkSecret, mintLinks } from '../leads/links';
import { rescoreSite } from '../leads/rescore';
import type { ScoreState } from '../scoring';
import { DAY_MS, purge, startPurgeJob } from './index';

const OLD = NOW - 100 * DAY_MS; // ingested while still inside the retention period
// 700 days after NOW, a 760-day retention cuts at NOW − 60 days: OLD events go, NOW events stay.
const LATER = NOW + 700 * DAY_MS;

async function seeded(open: () => Promise<Database>) {
  const s = await setup({}, open);
  // An anonymous visitor seen only long ago, one seen long ago and recently, and a lead with old and recent visits.
  expect((await s.post(batch([event({ vid: 'anon-old-1', ts: OLD }), event({ vid: 'anon-old-1', ts: OLD + 1000 })]))).status).toBe(202);
  expect((await s.post(batch([event({ vid: 'anon-both-1', ts: OLD }), event({ vid: 'anon-both-1', ts: NOW })]))).status).toBe(202);
  expect((await s.post(batch([
    event({ vid: 'ada-laptop', ts: OLD }),
    event({ vid: 'ada-laptop', ts: OLD + 60_000 }),
    event({ vid: 'ada-laptop', type: 'identify', email: 'ada@acme.io', ts: OLD + 120_000 }),
    event({ vid: 'ada-laptop', ts: NOW - 1000 }),
    event({ vid: 'ada-laptop', ts: NOW }),
  ]))).status).toBe(202);
  return s;
}

describe.each(testDatabases())('purge ($name)', ({ open }) => {
  it('deletes events older than the retention period and keeps newer ones', async () => {
    const { db } = await seeded(open);
    const result = await purge(db, { now: LATER, retentionDays: 760 });
    expect(result).toEqual({ before: LATER - 760 * DAY_MS, events: 6, visitors: 1, deliveries: 0, leads: 1 });
    expect(await db.listVisitorEvents('acme', 'anon-old-1')).toEqual([]);
    expect((await db.listVisitorEvents('acme', 'anon-both-1')).map((e) => e.ts)).toEqual([NOW]);
    expect((await db.listVisitorEvents('acme', 'ada-laptop')).map((e) => e.ts)).toEqual([NOW - 1000, NOW]);
  });

  it('deletes anonymous visitors left without events, and keeps the others and identified browsers', async () => {
    const { db } = await seeded(open);
    await purge(db, { now: LATER, retentionDays: 760 });
    expect(await db.getVisitor('acme', 'anon-old-1')).toBeUndefined();
    expect(await db.getVisitor('acme', 'anon-both-1')).toBeDefined();
    expect((await db.getVisitor('acme', 'ada-laptop'))?.leadId).toEqual(expect.any(String));
  });

  it('keeps leads, with pageviews and visits recounted from the events that remain', async () => {
    const { db } = await seeded(open);
    const before = (await db.getLeadByEmail('acme', 'ada@acme.io'))!;
    expect(before).toMatchObject({ pageviews: 4, visits: 2 });
    await purge(db, { now: LATER, retentionDays: 760 });
    const after = (await db.getLeadByEmail('acme', 'ada@acme.io'))!;
    expect(after).toMatchObject({ id: before.id, email: 'ada@acme.io', stage: before.stage, pageviews: 2, visits: 1 });
    expect(await db.listLeadEvents(after.id)).toHaveLength(2);
  });

  it('scores leads and anonymous visitors again from the events that remain, as a rescore would, moving no stage', async () => {
    const { db } = await seeded(open);
    const rule = (state: unknown, id: string) => (state as ScoreState).rules[id]?.count ?? 0;
    const ada = (await db.getLeadByEmail('acme', 'ada@acme.io'))!;
    expect([rule(ada.scoreState, 'pageview'), rule(ada.scoreState, 'returning_visit')]).toEqual([4, 1]);
    expect(rule((await db.getVisitor('acme', 'anon-both-1'))!.scoreState, 'pageview')).toBe(2);

    await purge(db, { now: LATER, retentionDays: 760 });
    // What is left of Ada is one visit: two pageviews, and no earlier visit to return from.
    const after = (await db.getLeadByEmail('acme', 'ada@acme.io'))!;
    expect([rule(after.scoreState, 'pageview'), rule(after.scoreState, 'returning_visit')]).toEqual([2, 0]);
    expect(after.stage).toBe(ada.stage);
    expect(await db.listStageChanges(ada.id)).toHaveLength(1); // visitor → lead, at identification
    const anon = (await db.getVisitor('acme', 'anon-both-1'))!;
    expect(rule(anon.scoreState, 'pageview')).toBe(1);

    await rescoreSite(db, 'acme', { now: LATER });
    expect((await db.getLeadByEmail('acme', 'ada@acme.io'))!.scoreState).toEqual(after.scoreState);
    expect((await db.getVisitor('acme', 'anon-both-1'))!.scoreState).toEqual(anon.scoreState);
  });

  it('does not count an email open as a visit when it recounts', async () => {
    const { app, db } = await seeded(open);
    const lead = (await db.getLeadByEmail('acme', 'ada@acme.io'))!;
    const key = await linkSecret(db, loadConfig({ DATABASE_URL: ':memory:' }));
    expect((await app.request(mintLinks(key, lead, { campaign: 'june' }).openPixel)).status).toBe(200);
    await purge(db, { now: LATER, retentionDays: 760 });
    expect(await db.getLeadByEmail('acme', 'ada@acme.io')).toMatchObject({ pageviews: 2, visits: 1 });
    expect((await db.listLeadEvents(lead.id)).map((e) => e.name ?? e.type).sort()).toEqual(['email_open', 'pageview', 'pageview']);
  });

  it('deletes delivered and failed webhook deliveries older than the period, and keeps pending and newer ones', async () => {
    const { db } = await seeded(open);
    await db.createWebhook({ id: 'hook-1', site: null, url: 'https://hooks.example.com/piste', events: null, secret: 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw', createdAt: OLD });
    const queued = [['old-delivered', OLD], ['old-failed', OLD], ['old-pending', OLD], ['new-delivered', NOW]] as const;
    await db.writeGroup([...queued], (tx, [id, at]) =>
      tx.insertDelivery({ id, webhookId: 'hook-1', leadId: null, type: 'lead.stage_changed', payload: '{"email":"ada@acme.io"}', now: at }),
    );
    await db.markDelivered('old-delivered', OLD + 1000, 200);
    await db.markFailed('old-failed', OLD + 1000, 500, 'HTTP 500');
    await db.markDelivered('new-delivered', NOW + 1000, 200);

    expect(await purge(db, { now: LATER, retentionDays: 760, batchSize: 1 })).toMatchObject({ deliveries: 2 });
    expect((await db.listDeliveries('hook-1')).map((d) => d.id).sort()).toEqual(['new-delivered', 'old-pending']);
  });

  it('uses 760 days (about 25 months) by default', async () => {
    const { db, post } = await setup({}, open);
    expect((await post(batch([event({ vid: 'visitor-1', ts: NOW - 759 * DAY_MS }), event({ vid: 'visitor-2', ts: NOW - 759 * DAY_MS - 1 })]))).status).toBe(202);
    expect(await purge(db, { now: NOW + DAY_MS })).toMatchObject({ events: 1, visitors: 1 });
    expect(await db.getVisitor('acme', 'visitor-1')).toBeDefined();
    expect(await db.getVisitor('acme', 'visitor-2')).toBeUndefined();
  });

  it('deletes in batches until nothing old is left, and ingest keeps writing between batches', async () => {
    const { db, post } = await setup({}, open);
    const old = Array.from({ length: 25 }, (_, i) => event({ vid: `visitor-${i % 5}`, ts: OLD + i }));
    expect((await post(batch(old))).status).toBe(202);
    const purging = purge(db, { now: LATER, retentionDays: 760, batchSize: 4 });
    const fresh = post(batch([event({ vid: 'visitor-fresh', ts: NOW })]));
    expect(await purging).toMatchObject({ events: 25, visitors: 5 });
    expect((await fresh).status).toBe(202);
    expect(await db.listVisitorEvents('acme', 'visitor-fresh')).toHaveLength(1);
    expect(await purge(db, { now: LATER, retentionDays: 760, batchSize: 4 })).toMatchObject({ events: 0, visitors: 0 });
  });

  it('stops between batches when aborted, leaving the rest for the next run', async () => {
    const { db, post } = await setup({}, open);
    await post(batch(Array.from({ length: 10 }, (_, i) => event({ ts: OLD + i }))));
    const abort = new AbortController();
    abort.abort();
    expect(await purge(db, { now: LATER, retentionDays: 760, signal: abort.signal })).toMatchObject({ events: 0 });
    expect(await db.listVisitorEvents('acme', 'visitor-0001')).toHaveLength(10);
  });

  it('refuses a nonsensical retention period', async () => {
    const { db } = await setup({}, open);
    await expect(purge(db, { now: NOW, retentionDays: 0 })).rejects.toThrow(RangeError);
  });
});

describe.each(testDatabases())('startPurgeJob ($name)', ({ open }) => {
  it('runs first after its delay, then on every interval, with the injected clock, until stopped', async () => {
    const { db, post } = await setup({}, open);
    expect((await post(batch([event({ vid: 'visitor-old', ts: OLD })]))).status).toBe(202);
    const clock = fixedClock(LATER);
    const lines: string[] = [];
    const job = startPurgeJob({ db, clock, retentionDays: 760, firstRunMs: 5, everyMs: 20, log: (l) => lines.push(l) });
    await expect.poll(() => lines.length, { timeout: 2000 }).toBe(1);
    expect(lines[0]).toMatch(/^purge: 1 events, 1 visitors, 0 webhook deliveries deleted/);
    // The next run sees what arrived since.
    await post(batch([event({ vid: 'visitor-old-2', ts: OLD })]));
    await expect.poll(() => lines.length, { timeout: 2000 }).toBe(2);
    await job.stop();
    await post(batch([event({ vid: 'visitor-old-3', ts: OLD })]));
    await new Promise((r) => setTimeout(r, 60));
    expect(lines).toHaveLength(2);
    expect(await db.getVisitor('acme', 'visitor-old-3')).toBeDefined();
  });
});
