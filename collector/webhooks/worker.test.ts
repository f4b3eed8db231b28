// Tests for the webhook delivery worker with the in-memory store and real local receivers.
import { afterEach, describe, expect, it } from 'vitest';
import { Webhook } from 'standardwebhooks';
import { fixedClock } from '../clock';
import type { SendResult, SendWebhookOptions } from './deliver';
import { MemoryDeliveryStore } from './memory-store';
import { stageChangedPayload } from './payload';
import { newWebhookSecret } from './sign';
import { startReceiver, type Receiver } from './test-receiver';
import { createWebhookWorker, exponentialBackoff, type WebhookWorkerOptions } from './worker';

const receivers: Receiver[] = [];
async function receiver(...args: Parameters<typeof startReceiver>): Promise<Receiver> {
  const r = await startReceiver(...args);
  receivers.push(r);
  return r;
}
afterEach(async () => {
  await Promise.all(receivers.splice(0).map((r) => r.close()));
});

// Real time as the start, so that signatures verify within Standard Webhooks' 5-minute tolerance.
const fakeClock = () => fixedClock(Date.now());

const payload = JSON.stringify(stageChangedPayload({ id: 'lead1', email: 'ada@example.com' }, 'lead', 'mql', 'score'));
const fixedBackoff = exponentialBackoff({ random: () => 0.5 }); // no jitter: 10 s, 30 s, 90 s…

function setup(url: string, opts: Partial<WebhookWorkerOptions> = {}) {
  const store = new MemoryDeliveryStore();
  const clock = fakeClock();
  const secret = newWebhookSecret();
  const id = store.enqueue({ webhookId: 'wh1', url, secret, payload, now: clock.now() });
  const worker = createWebhookWorker({ store, clock, allowPrivate: true, backoff: fixedBackoff, ...opts });
  return { store, clock, secret, id, worker };
}

function deferred<T>() {
  let resolve!: (v: T) => void;
  const promise = new Promise<T>((r) => (resolve = r));
  return { promise, resolve };
}

describe('webhook worker', () => {
  it('delivers a signed message whose webhook-id is the delivery id', async () => {
    let verified: unknown;
    let secret = '';
    const r = await receiver((req, res) => {
      verified = new Webhook(secret).verify(req.body, req.headers as Record<string, string>);
      res.end();
    });
    const s = setup(r.url);
    secret = s.secret;
    expect(await s.worker.tick()).toBe(1);
    expect(verified).toEqual(JSON.parse(payload));
    expect(r.requests[0].headers['webhook-id']).toBe(s.id);
    expect(s.store.get(s.id)).toMatchObject({ status: 'delivered', attempts: 1, lastStatus: 200, deliveredAt: s.clock.now(), lockedUntil: null });
    expect(await s.worker.tick()).toBe(0);
    expect(r.requests).toHaveLength(1);
  });

  it('retries a 500 with growing backoff, then delivers with the same webhook-id', async () => {
    let answer = 500;
    const r = await receiver((_req, res) => {
      res.statusCode = answer;
      res.end('try later');
    });
    const s = setup(r.url);
    const t0 = s.clock.now();
    await s.worker.tick();
    expect(s.store.get(s.id)).toMatchObject({ status: 'pending', attempts: 1, nextAttemptAt: t0 + 10_000, lastStatus: 500, lastError: 'HTTP 500: try later' });

    s.clock.advance(9_999);
    expect(await s.worker.tick()).toBe(0); // not due yet
    s.clock.advance(1);
    await s.worker.tick();
    expect(s.store.get(s.id)).toMatchObject({ attempts: 2, nextAttemptAt: t0 + 10_000 + 30_000 });

    answer = 204;
    s.clock.advance(30_000);
    await s.worker.tick();
    expect(s.store.get(s.id)).toMatchObject({ status: 'delivered', attempts: 3, lastStatus: 204, lastError: null });
    expect(r.requests.map((q) => q.headers['webhook-id'])).toEqual([s.id, s.id, s.id]);
  });

  it('counts a timeout as a failed attempt', async () => {
    const r = await receiver(() => {
      // never answers
    });
    const s = setup(r.url, { timeoutMs: 150 });
    await s.worker.tick();
    expect(s.store.get(s.id)).toMatchObject({ status: 'pending', attempts: 1, lastStatus: null, lastError: 'timed out after 150 ms' });
  });

  it('counts a refused connection as a failed attempt', async () => {
    const closed = await startReceiver();
    await closed.close();
    const s = setup(closed.url);
    await s.worker.tick();
    expect(s.store.get(s.id)).toMatchObject({ status: 'pending', attempts: 1, lastError: expect.stringMatching(/ECONNREFUSED/) });
  });

  it('gives up after maxAttempts and keeps the last error visible', async () => {
    const r = await receiver((_req, res) => {
      res.statusCode = 503;
      res.end();
    });
    const s = setup(r.url, { maxAttempts: 3 });
    for (let i = 0; i < 5; i++) {
      await s.worker.tick();
      s.clock.advance(6 * 3600_000);
    }
    expect(r.requests).toHaveLength(3);
    expect(s.store.get(s.id)).toMatchObject({ status: 'failed', attempts: 3, lastStatus: 503, lastError: 'HTTP 503' });
  });

  it('records an SSRF-refused URL as a failed attempt without any request', async () => {
    const r = await receiver();
    const s = setup(r.url, { allowPrivate: false });
    await s.worker.tick();
    expect(s.store.get(s.id)).toMatchObject({ status: 'pending', attempts: 1, lastError: expect.stringMatching(/127\.0\.0\.1 is private/) });
    expect(r.connections).toBe(0);
  });

  it('stop() waits for the sends in flight and records them', async () => {
    const gate = deferred<SendResult>();
    const s = setup('https://hooks.example.com/', { send: () => gate.promise });
    const ticking = s.worker.tick();
    let stopped = false;
    const stopping = s.worker.stop().then(() => (stopped = true));
    await new Promise((r) => setTimeout(r, 20));
    expect(stopped).toBe(false);
    gate.resolve({ status: 200 });
    await stopping;
    expect(await ticking).toBe(1);
    expect(s.store.get(s.id)).toMatchObject({ status: 'delivered', attempts: 1 });
  });

  it('does not lose a delivery whose worker died mid-send: the claim expires and another worker sends it', async () => {
    const hung = deferred<SendResult>();
    const sentBy: string[] = [];
    const s = setup('https://hooks.example.com/', {
      lockMs: 60_000,
      send: (o: SendWebhookOptions) => {
        sentBy.push(`dead:${o.headers!['webhook-id']}`);
        return hung.promise;
      },
    });
    void s.worker.tick(); // this worker "dies": its send never finishes in time

    const other = createWebhookWorker({
      store: s.store,
      clock: s.clock,
      lockMs: 60_000,
      send: async (o) => {
        sentBy.push(`alive:${o.headers!['webhook-id']}`);
        return { status: 200 };
      },
    });
    await new Promise((r) => setTimeout(r, 10));
    expect(await other.tick()).toBe(0); // still claimed
    s.clock.advance(60_000);
    expect(await other.tick()).toBe(1);
    expect(sentBy).toEqual([`dead:${s.id}`, `alive:${s.id}`]);
    expect(s.store.get(s.id)).toMatchObject({ status: 'delivered', attempts: 1 });

    hung.resolve({ status: null, error: 'socket hang up' }); // the late answer must not reopen it
    await s.worker.stop();
    expect(s.store.get(s.id)).toMatchObject({ status: 'delivered', attempts: 1, lastError: null });
  });

  it('sends with bounded concurrency and drains the queue in one tick', async () => {
    const store = new MemoryDeliveryStore();
    const clock = fakeClock();
    for (let i = 0; i < 10; i++) store.enqueue({ webhookId: 'wh', url: 'https://hooks.example.com/', secret: newWebhookSecret(), payload, now: clock.now(), id: `d${i}` });
    let inFlight = 0;
    let maxInFlight = 0;
    const worker = createWebhookWorker({
      store, clock, concurrency: 3,
      send: async () => {
        maxInFlight = Math.max(maxInFlight, ++inFlight);
        await new Promise((r) => setTimeout(r, 5));
        inFlight--;
        return { status: 200 };
      },
    });
    expect(await worker.tick()).toBe(10);
    expect(maxInFlight).toBe(3);
    expect(store.get('d9')!.status).toBe('delivered');
  });

  it('keeps running when sending throws or the secret is broken, recording a failed attempt', async () => {
    const s = setup('https://hooks.example.com/', {
      send: async () => {
        throw new Error('boom');
      },
    });
    await s.worker.tick();
    expect(s.store.get(s.id)).toMatchObject({ status: 'pending', attempts: 1, lastError: 'boom' });

    const broken = s.store.enqueue({ webhookId: 'wh', url: 'https://hooks.example.com/', secret: 'whsec_!!!', payload, now: s.clock.now() });
    await s.worker.tick();
    expect(s.store.get(broken)).toMatchObject({ status: 'pending', attempts: 1, lastError: expect.any(String) });
  });

  it('reports store errors to onError instead of crashing the loop', async () => {
    const errors: unknown[] = [];
    const store = new MemoryDeliveryStore();
    store.markDelivered = async () => {
      throw new Error('database is locked');
    };
    const clock = fakeClock();
    store.enqueue({ webhookId: 'wh', url: 'https://hooks.example.com/', secret: newWebhookSecret(), payload, now: clock.now() });
    const worker = createWebhookWorker({ store, clock, send: async () => ({ status: 200 }), onError: (e) => errors.push(e) });
    expect(await worker.tick()).toBe(1);
    expect(errors).toEqual([new Error('database is locked')]);
  });

  it('start() ticks on its own until stop()', async () => {
    const r = await receiver();
    const s = setup(r.url);
    s.worker.start(5);
    for (let i = 0; i < 200 && s.store.get(s.id)!.status !== 'delivered'; i++) await new Promise((res) => setTimeout(res, 5));
    await s.worker.stop();
    expect(s.store.get(s.id)!.status).toBe('delivered');
    const later = s.store.enqueue({ webhookId: 'wh1', url: r.url, secret: s.secret, payload, now: s.clock.now() });
    await new Promise((res) => setTimeout(res, 30));
    expect(s.store.get(later)!.status).toBe('pending'); // stopped: nothing sends any more
  });
});

describe('exponentialBackoff', () => {
  it('grows 10 s, 30 s, 90 s… and is capped at 6 hours', () => {
    const b = exponentialBackoff({ random: () => 0.5 });
    expect([1, 2, 3, 4].map(b)).toEqual([10_000, 30_000, 90_000, 270_000]);
    expect(b(20)).toBe(6 * 3600_000);
  });

  it('spreads retries by ±20 % and never beyond the cap', () => {
    expect(exponentialBackoff({ random: () => 0 })(1)).toBe(8_000);
    expect(exponentialBackoff({ random: () => 0.999999 })(1)).toBe(12_000);
    expect(exponentialBackoff({ random: () => 0.999999 })(30)).toBe(6 * 3600_000);
  });
});
