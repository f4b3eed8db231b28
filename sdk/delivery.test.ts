// @vitest-environment happy-dom
// Delivery through the public surface: batching, the persisted queue, backoff and Retry-After, beacons on
// pagehide/hidden, with a fake clock and stubbed fetch/sendBeacon (sdk/testing.ts).
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { MAX_BACKOFF } from './core';
import { harness, stopAll, stored } from './testing';

const T0 = Date.UTC(2025, 0, 1);
const names = (events: { name?: string; type: string }[]) => events.map((e) => e.name ?? e.type);

beforeEach(() => {
  localStorage.clear();
  vi.useFakeTimers();
  vi.setSystemTime(T0);
  history.replaceState(null, '', '/');
});
afterEach(() => {
  vi.unstubAllGlobals();
  vi.restoreAllMocks();
  stopAll();
  vi.useRealTimers();
});

describe('delivery', () => {
  it('batches events for one second into one text/plain body {site, sentAt, events}, then forgets them', async () => {
    const h = harness();
    h.piste('track', 'a');
    await vi.advanceTimersByTimeAsync(999);
    expect(h.posted).toEqual([]);
    await vi.advanceTimersByTimeAsync(1);
    expect(h.posted).toHaveLength(1);
    const body = JSON.parse(h.posted[0]);
    expect(Object.keys(body)).toEqual(['site', 'sentAt', 'events']);
    expect(body).toMatchObject({ site: 'site1', sentAt: T0 + 1000 });
    expect(names(body.events)).toEqual(['pageview', 'a']);
    await vi.advanceTimersByTimeAsync(0);
    expect(stored()).toEqual([]);
    expect(localStorage.getItem('piste_q')).toBeNull();
  });

  it('sends at once when 10 events are waiting', async () => {
    const h = harness();
    for (let i = 1; i < 10; i++) h.piste('track', 'e' + i);
    expect(h.posted).toHaveLength(1);
    expect(JSON.parse(h.posted[0]).events).toHaveLength(10);
  });

  it('keeps failed events and retries them with growing, jittered backoff until delivered', async () => {
    vi.spyOn(Math, 'random').mockReturnValue(0); // jitter at its low end: ½ of 1 s, 2 s, 4 s
    const h = harness({ answers: ['down', 503, 500] });
    await vi.advanceTimersByTimeAsync(1000); // network error
    expect(stored()).toHaveLength(1);
    await vi.advanceTimersByTimeAsync(499);
    expect(h.posted).toHaveLength(1);
    await vi.advanceTimersByTimeAsync(1); // 0.5 s later → 503
    expect(h.posted).toHaveLength(2);
    await vi.advanceTimersByTimeAsync(1000); // 1 s later → 500
    expect(h.posted).toHaveLength(3);
    await vi.advanceTimersByTimeAsync(1999);
    expect(h.posted).toHaveLength(3);
    await vi.advanceTimersByTimeAsync(1); // 2 s later → 202
    expect(h.posted).toHaveLength(4);
    const ids = h.posted.map((b) => JSON.parse(b).events.map((e: { id: string }) => e.id).join());
    expect(new Set(ids).size).toBe(1); // the same event, with the same id, each time
    expect(stored()).toEqual([]);
  });

  it('doubles the backoff up to its cap', async () => {
    vi.spyOn(Math, 'random').mockReturnValue(1); // no jitter: 1 s, 2 s, 4 s …
    const h = harness({ answers: Array(14).fill(503) });
    await vi.advanceTimersByTimeAsync(30 * MAX_BACKOFF);
    const gaps = h.times.slice(1).map((t, i) => t - h.times[i]);
    expect(gaps).toEqual([1, 2, 4, 8, 16, 32, 64, 128, 256, 300, 300, 300, 300, 300].map((s) => s * 1000));
  });

  it('never retries a 4xx other than 429: the batch is dropped', async () => {
    const h = harness({ answers: [400] });
    await vi.advanceTimersByTimeAsync(1000);
    await vi.advanceTimersByTimeAsync(MAX_BACKOFF * 2);
    expect(h.posted).toHaveLength(1);
    expect(stored()).toEqual([]);
  });

  it('honours Retry-After on 429, and neither batches nor beacons meanwhile', async () => {
    const h = harness({ answers: [[429, '30']] });
    await vi.advanceTimersByTimeAsync(1000);
    for (let i = 0; i < 12; i++) h.piste('track', 'during');
    dispatchEvent(new Event('pagehide'));
    await vi.advanceTimersByTimeAsync(29_999);
    expect(h.posted).toHaveLength(1);
    expect(h.beaconed).toEqual([]);
    await vi.advanceTimersByTimeAsync(1);
    expect(h.posted).toHaveLength(2);
    expect(JSON.parse(h.posted[1]).events).toHaveLength(13);
  });

  it('caps a huge Retry-After at the maximum backoff', async () => {
    const h = harness({ answers: [[429, '99999999']] });
    await vi.advanceTimersByTimeAsync(1000);
    await vi.advanceTimersByTimeAsync(MAX_BACKOFF - 1);
    expect(h.posted).toHaveLength(1);
    await vi.advanceTimersByTimeAsync(1);
    expect(h.posted).toHaveLength(2);
  });

  it('retries what a previous page left, after a reload', async () => {
    const first = harness({ answers: ['down'] });
    first.piste('track', 'left_behind');
    await vi.advanceTimersByTimeAsync(1000);
    expect(names(stored())).toEqual(['pageview', 'left_behind']);
    vi.clearAllTimers(); // the page goes away with its timers; the next one shares its storage
    const second = harness();
    await vi.advanceTimersByTimeAsync(1000);
    expect(names(second.events())).toEqual(['pageview', 'left_behind', 'pageview']);
    expect(stored()).toEqual([]);
  });

  it('keeps at most 50 events, dropping the oldest', async () => {
    const h = harness({ answers: Array(100).fill('down') });
    await vi.advanceTimersByTimeAsync(1000); // fails: backing off, nothing else is sent
    for (let i = 0; i < 80; i++) h.piste('track', 'e' + i);
    expect(names(stored())).toEqual(Array.from({ length: 50 }, (_, i) => 'e' + (i + 30)));
  });

  it('hands waiting events to sendBeacon on pagehide and when hidden, and keeps them when refused', async () => {
    const h = harness();
    h.piste('track', 'before_leaving');
    dispatchEvent(new Event('pagehide'));
    expect(names(h.beaconedEvents())).toEqual(['pageview', 'before_leaving']);
    h.state.beaconOk = false;
    h.piste('track', 'refused');
    document.dispatchEvent(new Event('visibilitychange', { bubbles: true }));
    await vi.advanceTimersByTimeAsync(1000);
    // This page sends the refused event again, never the beaconed ones.
    expect(names(h.postedEvents())).toEqual(['refused']);
    expect(h.beaconed).toHaveLength(1);
  });

  it('keeps beaconed events until a later page has them acknowledged, as a beacon may never arrive', async () => {
    const first = harness();
    first.piste('track', 'before_leaving');
    dispatchEvent(new Event('pagehide')); // accepted by the browser: whether it reached the collector is unknown
    expect(names(stored())).toEqual(['pageview', 'before_leaving']);
    // The next page: a new tracker on the same storage (the first one's requests go where nobody answers).
    const next = harness({ answers: [503] });
    await vi.advanceTimersByTimeAsync(1000);
    expect(names(next.postedEvents())).toEqual(['pageview', 'before_leaving', 'pageview']);
    expect(next.postedEvents().map((e) => e.id).slice(0, 2)).toEqual(first.beaconedEvents().map((e) => e.id)); // the same ids
    expect(stored()).toHaveLength(3); // a 503: still queued
    await vi.advanceTimersByTimeAsync(MAX_BACKOFF);
    expect(next.posted).toHaveLength(2);
    expect(stored()).toEqual([]); // acknowledged: forgotten
  });

  it('does not hand to the beacon events already in a request waiting for its answer', async () => {
    let answer!: (r: Response) => void;
    const h = harness();
    vi.stubGlobal('fetch', (_: string, init: RequestInit) => (h.posted.push(init.body as string), new Promise((r) => (answer = r))));
    await vi.advanceTimersByTimeAsync(1000);
    h.piste('track', 'while_waiting');
    dispatchEvent(new Event('pagehide'));
    expect(names(h.beaconedEvents())).toEqual(['while_waiting']);
    answer(new Response(null, { status: 202 }));
    await vi.advanceTimersByTimeAsync(0);
    expect(names(stored())).toEqual(['while_waiting']); // only the answered request's events are forgotten
    expect(h.events().map((e) => e.id)).toHaveLength(new Set(h.events().map((e) => e.id)).size);
  });
});
