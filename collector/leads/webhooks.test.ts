// Stage-change webhooks end to end: the database delivery queue, signed delivery to a local receiver, restarts, the server's worker.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Webhook } from 'standardwebhooks';
import { afterEach, describe, expect, it } from 'vitest';
import { fixedClock, systemClock } from '../clock';
import { createCollector } from '../app';
import { loadConfig } from '../config';
import { openDatabase } from '../db/open';
import type { Database } from '../db/repository';
import { testDatabases } from '../db/test-databases';
import { NOW, ORIGIN, UA } from '../ingest/testing';
import { startServer } from '../server';
import { newWebhookSecret } from '../webhooks/sign';
import { startReceiver, type Receiver } from '../webhooks/test-receiver';
import { createWebhookWorker } from '../webhooks/worker';
import { beacon, form } from './testing';

const cleanups: Array<() => Promise<unknown> | void> = [];
afterEach(async () => {
  for (const fn of cleanups.splice(0).reverse()) await fn();
});

/** A receiver that answers 200 only to messages that verify with `secret`, and keeps the verified payloads. */
async function verifyingReceiver(secret: string) {
  const verified: Array<{ type: string; from: string; to: string; cause: string; lead: { email: string; stage: string } }> = [];
  const receiver = await startReceiver((req, res) => {
    try {
      verified.push(new Webhook(secret).verify(req.body, req.headers as Record<string, string>) as (typeof verified)[number]);
      res.end('ok');
    } catch {
      res.statusCode = 401;
      res.end('bad signature');
    }
  });
  cleanups.push(() => receiver.close());
  return { receiver, verified };
}

async function appOn(db: Database, clock = fixedClock(NOW)) {
  if (!(await db.getSite('acme'))) await db.createSite({ key: 'acme', name: 'Acme', origins: [ORIGIN] }, NOW);
  const { app } = createCollector({ db, config: loadConfig({ DATABASE_URL: ':memory:' }), clock, script: null });
  return (body: unknown) =>
    app.request('/e', { method: 'POST', headers: { 'content-type': 'text/plain', origin: ORIGIN, 'user-agent': UA }, body: JSON.stringify(body) });
}

async function hookTo(db: Database, receiver: Receiver, secret: string) {
  await db.createWebhook({ id: 'hook-1', site: 'acme', url: receiver.url, events: ['lead.stage_changed'], secret, createdAt: NOW });
}

describe.each(testDatabases())('webhook delivery queue ($name)', ({ open }) => {
  it('claims a due delivery once, and a late mark never reopens a finished one', async () => {
    const db = await open();
    cleanups.push(() => db.close());
    await db.createSite({ key: 'acme', name: 'Acme', origins: [ORIGIN] }, NOW);
    await db.createWebhook({ id: 'hook-1', site: null, url: 'https://hooks.example.com/x', events: null, secret: newWebhookSecret(), createdAt: NOW });
    await db.writeGroup([1], (tx) => tx.insertDelivery({ id: 'delivery-1', webhookId: 'hook-1', leadId: null, type: 'lead.stage_changed', payload: '{"a":1}', now: NOW }));

    const [first, second] = await Promise.all([db.claimDue(NOW, 10, 60_000), db.claimDue(NOW, 10, 60_000)]);
    expect([...first, ...second]).toEqual([
      { id: 'delivery-1', webhookId: 'hook-1', url: 'https://hooks.example.com/x', secret: expect.stringMatching(/^whsec_/), payload: '{"a":1}', attempts: 0, createdAt: NOW },
    ]);
    expect(await db.claimDue(NOW + 59_999, 10, 60_000)).toEqual([]); // still claimed
    await db.markRetry('delivery-1', NOW + 1, NOW + 10_000, 500, 'HTTP 500');
    expect(await db.claimDue(NOW + 9_999, 10, 60_000)).toEqual([]); // not due yet
    expect(await db.claimDue(NOW + 10_000, 10, 60_000)).toMatchObject([{ id: 'delivery-1', attempts: 1 }]);
    await db.markDelivered('delivery-1', NOW + 10_001, 204);
    await db.markFailed('delivery-1', NOW + 10_002, null, 'late answer of an expired claim');
    expect(await db.listDeliveries('hook-1')).toMatchObject([{ status: 'delivered', attempts: 2, lastStatus: 204, lastError: null, deliveredAt: NOW + 10_001 }]);

    expect(await db.deleteWebhook('hook-1')).toBe(true);
    expect(await db.listDeliveries()).toEqual([]);
    expect(await db.deleteWebhook('hook-1')).toBe(false);
  });

  it('delivers a stage change to a receiver that verifies the signature with standardwebhooks', async () => {
    const db = await open();
    cleanups.push(() => db.close());
    const secret = newWebhookSecret();
    const { receiver, verified } = await verifyingReceiver(secret);
    const post = await appOn(db);
    await hookTo(db, receiver, secret);
    await post(beacon(form('demo', 'cto@acme.io', NOW)));

    const worker = createWebhookWorker({ store: db, clock: systemClock, allowPrivate: true }); // loopback receiver: tests only
    expect(await worker.tick()).toBe(2);
    await worker.stop();
    expect(verified.map((m) => [m.type, m.from, m.to, m.cause, m.lead.email, m.lead.stage])).toEqual([
      ['lead.stage_changed', 'visitor', 'lead', 'identified', 'cto@acme.io', 'lead'],
      ['lead.stage_changed', 'lead', 'sql', 'form:demo', 'cto@acme.io', 'sql'],
    ]);
    expect((await db.listDeliveries('hook-1')).map((d) => d.status)).toEqual(['delivered', 'delivered']);
  });
});

describe('webhooks across restarts', () => {
  const tmp = () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'piste-hooks-'));
    cleanups.push(() => fs.rmSync(dir, { recursive: true, force: true }));
    return dir;
  };

  it('keeps queued deliveries through a restart and sends them afterwards', async () => {
    const file = path.join(tmp(), 'piste.db');
    const secret = newWebhookSecret();
    const { receiver, verified } = await verifyingReceiver(secret);
    const before = await openDatabase(`file:${file}`);
    const post = await appOn(before);
    await hookTo(before, receiver, secret);
    await post(beacon(form('demo', 'cto@acme.io', NOW)));
    await before.close(); // the collector stops before any worker ran

    const after = await openDatabase(`file:${file}`);
    cleanups.push(() => after.close());
    expect((await after.listDeliveries()).map((d) => d.status)).toEqual(['pending', 'pending']);
    const worker = createWebhookWorker({ store: after, clock: systemClock, allowPrivate: true });
    await worker.tick();
    await worker.stop();
    expect(verified.map((m) => m.to).sort()).toEqual(['lead', 'sql']);
  });

  it('runs the delivery worker in the server, honouring PISTE_WEBHOOK_ALLOW_PRIVATE', async () => {
    const dir = tmp();
    const secret = newWebhookSecret();
    const { receiver, verified } = await verifyingReceiver(secret);
    const config = loadConfig({ PORT: '0', DATABASE_URL: `file:${path.join(dir, 'piste.db')}`, PISTE_WEBHOOK_ALLOW_PRIVATE: '1' });
    const server = await startServer({ config, script: null });
    cleanups.push(() => server.close());
    await server.db.createSite({ key: 'acme', name: 'Acme', origins: [ORIGIN] }, Date.now());
    await hookTo(server.db, receiver, secret);

    const res = await fetch(`http://127.0.0.1:${server.port}/e`, {
      method: 'POST',
      headers: { 'content-type': 'text/plain', origin: ORIGIN, 'user-agent': UA },
      body: JSON.stringify({ site: 'acme', sentAt: Date.now(), events: [form('demo', 'cto@acme.io', Date.now())] }),
    });
    expect(res.status).toBe(202);
    for (let i = 0; i < 50 && verified.length < 2; i++) await new Promise((r) => setTimeout(r, 100));
    expect(verified.map((m) => m.to).sort()).toEqual(['lead', 'sql']);
  });
});
