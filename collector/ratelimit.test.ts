import { describe, expect, it } from 'vitest';
import { createRateLimiter } from './ratelimit';

function fakeClock(start = 1_700_000_000_000) {
  let t = start;
  return { now: () => t, advance: (ms: number) => { t += ms; } };
}

describe('createRateLimiter', () => {
  it('allows a burst, then refuses with Retry-After, then refills at the rate', () => {
    const clock = fakeClock();
    const limiter = createRateLimiter({ ratePerSec: 50, burst: 100, clock });
    for (let i = 0; i < 100; i++) expect(limiter.take('1.2.3.0')).toEqual({ ok: true });
    expect(limiter.take('1.2.3.0')).toEqual({ ok: false, retryAfterSec: 1 });
    clock.advance(100); // 5 tokens back
    for (let i = 0; i < 5; i++) expect(limiter.take('1.2.3.0').ok).toBe(true);
    expect(limiter.take('1.2.3.0').ok).toBe(false);
  });

  it('gives back refunded tokens up to the burst, and ignores keys it does not know', () => {
    const limiter = createRateLimiter({ ratePerSec: 1 / 60, burst: 2, clock: fakeClock() });
    expect(limiter.take('a').ok).toBe(true);
    expect(limiter.take('a').ok).toBe(true);
    limiter.refund('a');
    expect(limiter.take('a').ok).toBe(true);
    expect(limiter.take('a').ok).toBe(false);
    limiter.refund('a', 10);
    expect(limiter.take('a').ok).toBe(true);
    expect(limiter.take('a').ok).toBe(true);
    expect(limiter.take('a').ok).toBe(false); // capped at the burst
    limiter.refund('never-seen');
    expect(limiter.size()).toBe(1);
  });

  it('keeps keys independent', () => {
    const limiter = createRateLimiter({ ratePerSec: 1, burst: 1, clock: fakeClock() });
    expect(limiter.take('a').ok).toBe(true);
    expect(limiter.take('a').ok).toBe(false);
    expect(limiter.take('b').ok).toBe(true);
  });

  it('supports sign-in style limits: 5 a minute, retry after the next token', () => {
    const clock = fakeClock();
    const limiter = createRateLimiter({ ratePerSec: 5 / 60, burst: 5, clock });
    const key = '10.0.0.0|ada@example.com';
    for (let i = 0; i < 5; i++) expect(limiter.take(key).ok).toBe(true);
    expect(limiter.take(key)).toEqual({ ok: false, retryAfterSec: 12 });
    clock.advance(11_000);
    expect(limiter.take(key).ok).toBe(false);
    clock.advance(1_000);
    expect(limiter.take(key).ok).toBe(true);
  });

  it('takes n tokens at once and never more than the bucket holds', () => {
    const clock = fakeClock();
    const limiter = createRateLimiter({ ratePerSec: 10, burst: 10, clock });
    expect(limiter.take('k', 7).ok).toBe(true);
    expect(limiter.take('k', 4)).toEqual({ ok: false, retryAfterSec: 1 });
    clock.advance(60_000);
    expect(limiter.take('k', 10).ok).toBe(true); // capped at burst, not 600 tokens
    expect(limiter.take('k').ok).toBe(false);
    expect(() => limiter.take('k', 11)).toThrow(RangeError);
    expect(() => limiter.take('k', 0)).toThrow(RangeError);
  });

  it('does not mint tokens when the clock steps backwards', () => {
    const clock = fakeClock();
    const limiter = createRateLimiter({ ratePerSec: 1, burst: 1, clock });
    expect(limiter.take('k').ok).toBe(true);
    clock.advance(-10_000);
    expect(limiter.take('k').ok).toBe(false);
  });

  it('bounds memory: evicts the least recently used key past maxKeys', () => {
    const clock = fakeClock();
    const limiter = createRateLimiter({ ratePerSec: 1, burst: 1, clock, maxKeys: 3 });
    for (const k of ['a', 'b', 'c']) limiter.take(k);
    limiter.take('a'); // a is now the most recent; b the oldest
    limiter.take('d');
    expect(limiter.size()).toBe(3);
    expect(limiter.take('b').ok).toBe(true); // b was forgotten: full bucket again
    expect(limiter.take('a').ok).toBe(false); // a was kept
  });

  it('forgets keys idle long enough to have refilled', () => {
    const clock = fakeClock();
    const limiter = createRateLimiter({ ratePerSec: 10, burst: 10, clock });
    for (let i = 0; i < 1000; i++) limiter.take(`ip-${i}`);
    expect(limiter.size()).toBe(1000);
    clock.advance(1_001);
    limiter.take('fresh');
    expect(limiter.size()).toBe(1);
  });

  it('fails loudly on nonsense options', () => {
    expect(() => createRateLimiter({ ratePerSec: 0, burst: 1 })).toThrow(RangeError);
    expect(() => createRateLimiter({ ratePerSec: 1, burst: 0 })).toThrow(RangeError);
    expect(() => createRateLimiter({ ratePerSec: 1, burst: 1, maxKeys: 0 })).toThrow(RangeError);
  });
});
