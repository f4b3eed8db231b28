// The webhook delivery worker: claims due deliveries, sends them signed, records retries and failures.
import type { Clock } from '../clock';
import { sendWebhook, type SendResult, type SendWebhook } from './deliver';
import { signedHeaders } from './sign';
import type { Delivery, DeliveryStore } from './store';

/** Delay before attempt number `attempt + 1`, given that `attempt` attempts (≥ 1) have failed. */
export type Backoff = (attempt: number) => number;

/**
 * Capped exponential backoff with jitter: 10 s, 30 s, 1.5 min, 4.5 min, … up to 6 h, each ±20 % so
 * that deliveries that failed together (a receiver outage) do not all come back at the same moment.
 *
 * @example exponentialBackoff({ random: () => 0.5 })(1) // 10_000
 */
export function exponentialBackoff(opts: { baseMs?: number; factor?: number; capMs?: number; jitter?: number; random?: () => number } = {}): Backoff {
  const { baseMs = 10_000, factor = 3, capMs = 6 * 3600_000, jitter = 0.2, random = Math.random } = opts;
  return (attempt) => {
    const delay = Math.min(capMs, baseMs * factor ** (attempt - 1));
    return Math.min(capMs, Math.round(delay * (1 + jitter * (2 * random() - 1))));
  };
}

export type WebhookWorkerOptions = {
  store: DeliveryStore;
  clock: Clock;
  send?: SendWebhook;
  /** PISTE_WEBHOOK_ALLOW_PRIVATE. */
  allowPrivate?: boolean;
  /** Attempts before a delivery is `failed` (default 8, about 3 hours of retries). */
  maxAttempts?: number;
  backoff?: Backoff;
  /** Requests in flight at once (default 4). */
  concurrency?: number;
  /** Deliveries sent per tick at most (default 100), so one tick cannot run for ever. */
  maxPerTick?: number;
  /** Per-request timeout (default 10 s). */
  timeoutMs?: number;
  /** How long a claim holds; must outlast one request (default 3 × timeoutMs + 30 s). */
  lockMs?: number;
  /** Where errors of the store go; the worker itself keeps running (default console.error). */
  onError?: (err: unknown) => void;
};

export type WebhookWorker = {
  /** Claims due deliveries and sends them; resolves with how many were attempted. */
  tick(): Promise<number>;
  /** Ticks every `intervalMs` (the next tick starts after the previous one ends). */
  start(intervalMs: number): void;
  /** Stops ticking and resolves once in-flight sends are recorded. */
  stop(): Promise<void>;
};

/**
 * Creates the delivery worker. Delivery is at least once: a worker that dies mid-send leaves its
 * claim to expire, and another worker sends again with the same `webhook-id`.
 *
 * @example
 * const worker = createWebhookWorker({ store, clock: { now: Date.now } })
 * worker.start(1000) // … on shutdown: await worker.stop()
 */
export function createWebhookWorker(opts: WebhookWorkerOptions): WebhookWorker {
  const {
    store, clock, send = sendWebhook, allowPrivate = false, maxAttempts = 8, backoff = exponentialBackoff(),
    concurrency = 4, maxPerTick = 100, timeoutMs = 10_000, onError = (err) => console.error('webhook worker:', err),
  } = opts;
  const lockMs = opts.lockMs ?? 3 * timeoutMs + 30_000;
  let stopping = false;
  let timer: NodeJS.Timeout | undefined;
  let loop = 0; // bumped by stop(), so a tick finishing after stop() + start() does not start a second loop
  const running = new Set<Promise<number>>();

  async function attempt(delivery: Delivery): Promise<void> {
    let result: SendResult;
    try {
      const headers = { ...signedHeaders(delivery.secret, delivery.id, clock.now(), delivery.payload), 'user-agent': 'Piste-Webhooks/1' };
      result = await send({ url: delivery.url, body: delivery.payload, headers, timeoutMs, allowPrivate });
    } catch (err) {
      // A bad stored secret or a throwing send is a failed attempt like any other, visible in the log.
      result = { status: null, error: (err as Error)?.message ?? String(err) };
    }
    const now = clock.now();
    if (!result.error && result.status !== null) return store.markDelivered(delivery.id, now, result.status);
    const error = result.error ?? 'no response';
    const attempts = delivery.attempts + 1;
    if (attempts >= maxAttempts) return store.markFailed(delivery.id, now, result.status, error);
    return store.markRetry(delivery.id, now, now + backoff(attempts), result.status, error);
  }

  async function runTick(): Promise<number> {
    let attempted = 0;
    // Claim only what can be sent at once, so a claim never waits behind other sends and lockMs
    // only has to outlast one request.
    while (!stopping && attempted < maxPerTick) {
      const batch = await store.claimDue(clock.now(), Math.min(concurrency, maxPerTick - attempted), lockMs);
      const outcomes = await Promise.allSettled(batch.map(attempt));
      for (const o of outcomes) if (o.status === 'rejected') onError(o.reason);
      attempted += batch.length;
      if (batch.length < concurrency) break;
    }
    return attempted;
  }

  function tick(): Promise<number> {
    const run = runTick().finally(() => running.delete(run));
    running.add(run);
    return run;
  }

  function schedule(intervalMs: number, current: number): void {
    timer = setTimeout(() => {
      tick()
        .catch(onError)
        .finally(() => {
          if (!stopping && current === loop) schedule(intervalMs, current);
        });
    }, intervalMs);
    timer.unref?.();
  }

  return {
    tick,
    start(intervalMs) {
      stopping = false;
      if (timer === undefined) schedule(intervalMs, loop);
    },
    async stop() {
      stopping = true;
      loop++;
      clearTimeout(timer);
      timer = undefined;
      await Promise.allSettled([...running]);
    },
  };
}
