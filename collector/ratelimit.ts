// In-memory token buckets keyed by string (client IP, IP+email…), with bounded memory.

export type RateLimitResult = { ok: true } | { ok: false; retryAfterSec: number };

export type RateLimiterOptions = {
  /** Tokens added back per second. */
  ratePerSec: number;
  /** Bucket size: how many requests may arrive at once. */
  burst: number;
  /** Injected time source (ms since epoch). Default Date.now. */
  clock?: { now(): number };
  /** At most this many keys are remembered; the least recently used are forgotten first. Default 10 000. */
  maxKeys?: number;
};

export type RateLimiter = {
  take(key: string, n?: number): RateLimitResult;
  /** Gives back `n` tokens taken for something that turned out not to count (a successful sign-in), up to the burst. */
  refund(key: string, n?: number): void;
  /** How many keys are currently remembered (for tests and metrics). */
  size(): number;
};

type Bucket = { tokens: number; at: number };

/**
 * A token bucket per key. A key that has been idle long enough to refill completely is dropped, and past
 * `maxKeys` the least recently used key is evicted: a forgotten key simply starts again with a full bucket.
 * @example
 * const perIp = createRateLimiter({ ratePerSec: 50, burst: 100 });
 * const r = perIp.take(ip); if (!r.ok) return c.json(errorBody('rate_limited', '…'), 429, { 'Retry-After': String(r.retryAfterSec) });
 */
export function createRateLimiter(options: RateLimiterOptions): RateLimiter {
  const { ratePerSec, burst, clock = { now: () => Date.now() }, maxKeys = 10_000 } = options;
  if (!(ratePerSec > 0) || !Number.isFinite(ratePerSec)) throw new RangeError('ratePerSec must be a positive number');
  if (!(burst >= 1) || !Number.isFinite(burst)) throw new RangeError('burst must be at least 1');
  if (!Number.isInteger(maxKeys) || maxKeys < 1) throw new RangeError('maxKeys must be a positive integer');

  // A Map iterates in insertion order; re-inserting on every use keeps it ordered least → most recently used.
  const buckets = new Map<string, Bucket>();
  const fullAfterMs = (burst / ratePerSec) * 1000;
  let lastSweep = clock.now();

  function sweepIdle(now: number): void {
    // Amortized: at most once per refill period, walk from the oldest and stop at the first active key.
    if (now - lastSweep < fullAfterMs) return;
    lastSweep = now;
    for (const [key, bucket] of buckets) {
      if (now - bucket.at < fullAfterMs) break;
      buckets.delete(key);
    }
  }

  function take(key: string, n = 1): RateLimitResult {
    if (!(n > 0) || n > burst) throw new RangeError(`n must be in (0, ${burst}]`);
    const now = clock.now();
    sweepIdle(now);
    const previous = buckets.get(key);
    // A clock that steps backwards must not mint tokens, hence max(0, …).
    const refilled = previous ? Math.min(burst, previous.tokens + (Math.max(0, now - previous.at) / 1000) * ratePerSec) : burst;
    buckets.delete(key);
    if (refilled >= n) {
      buckets.set(key, { tokens: refilled - n, at: now });
      evictOverflow();
      return { ok: true };
    }
    buckets.set(key, { tokens: refilled, at: now });
    evictOverflow();
    return { ok: false, retryAfterSec: Math.max(1, Math.ceil((n - refilled) / ratePerSec)) };
  }

  function evictOverflow(): void {
    while (buckets.size > maxKeys) {
      const oldest = buckets.keys().next().value as string;
      buckets.delete(oldest);
    }
  }

  function refund(key: string, n = 1): void {
    const bucket = buckets.get(key);
    if (bucket) bucket.tokens = Math.min(burst, bucket.tokens + n);
  }

  return { take, refund, size: () => buckets.size };
}
