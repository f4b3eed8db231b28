// @vitest-environment happy-dom
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { backoff, createQueue, MAX_BACKOFF, MAX_QUEUED, QUEUE_KEY } from './queue';
import type { PisteEvent, SendResult } from './types';

let n = 0;
const event = (): PisteEvent => ({
  id: 'e' + ++n, type: 'track', ts: Date.now(), vid: 'v', sid: 's', url: 'https://site/', title: 't', name: 'x',
});
const ids = (body: string) => JSON.parse(body).events.map((e: PisteEvent) => e.id);

/** Answers in order ('down' = network error), then 202. */
function setup(answers: (SendResult | 'down')[] = []) {
  const bodies: string[] = [];
  const beacons: string[] = [];
  let beaconOk = true;
  const post = vi.fn(async (body: string): Promise<SendResult> => {
    bodies.push(body);
    const answer = answers.shift() ?? { status: 202 };
    return answer == 'down' ? undefined : answer;
  });
  const beacon = vi.fn((body: string) => (beacons.push(body), beaconOk));
  const queue = createQueue('site1', Date.now, post, beacon);
  return { queue, bodies, beacons, post, refuseBeacons: () => (beaconOk = false) };
}
const stored = () => JSON.parse(localStorage.getItem(QUEUE_KEY) || '[]') as PisteEvent[];

describe('delivery queue', () => {
  beforeEach(() => {
    localStorage.clear();
    vi.useFakeTimers();
    vi.setSystemTime(Date.UTC(2025, 0, 1));
  });
  afterEach(() => vi.useRealTimers());

  it('batches events for one second, as one wire-format body', async () => {
    const { queue, bodies } = setup();
    const [a, b] = [event(), event()];
    queue.push(a);
    queue.push(b);
    expect(bodies).toEqual([]);
    await vi.advanceTimersByTimeAsync(1000);
    expect(bodies).toHaveLength(1);
    expect(JSON.parse(bodies[0])).toEqual({ site: 'site1', sentAt: Date.UTC(2025, 0, 1) + 1000, events: [a, b] });
    expect(stored()).toEqual([]);
  });

  it('sends at once when 10 events are waiting', async () => {
    const { queue, bodies } = setup();
    for (let i = 0; i < 10; i++) queue.push(event());
    await vi.advanceTimersByTimeAsync(0);
    expect(bodies).toHaveLength(1);
    expect(ids(bodies[0])).toHaveLength(10);
  });

  it('keeps failed events and retries them with growing backoff until delivered, each id once per attempt', async () => {
    const { queue, bodies } = setup(['down', { status: 503 }, { status: 500 }]);
    const e = event();
    queue.push(e);
    await vi.advanceTimersByTimeAsync(1000); // network error
    expect(stored().map((x) => x.id)).toEqual([e.id]);
    await vi.advanceTimersByTimeAsync(1000); // first retry after 0.5–1 s → 503
    expect(bodies).toHaveLength(2);
    await vi.advanceTimersByTimeAsync(1000); // second retry waits 1–2 s
    await vi.advanceTimersByTimeAsync(1000); // → 500
    expect(bodies).toHaveLength(3);
    await vi.advanceTimersByTimeAsync(4000); // third retry after 2–4 s → 202
    expect(bodies).toHaveLength(4);
    expect(bodies.map(ids)).toEqual([[e.id], [e.id], [e.id], [e.id]]);
    expect(stored()).toEqual([]);
  });

  it('never retries a 4xx other than 429', async () => {
    const { queue, bodies } = setup([{ status: 400 }]);
    queue.push(event());
    await vi.advanceTimersByTimeAsync(1000);
    await vi.advanceTimersByTimeAsync(MAX_BACKOFF * 2);
    expect(bodies).toHaveLength(1);
    expect(stored()).toEqual([]);
  });

  it('honours Retry-After on 429', async () => {
    const { queue, bodies } = setup([{ status: 429, headers: new Headers({ 'Retry-After': '30' }) }]);
    queue.push(event());
    await vi.advanceTimersByTimeAsync(1000);
    await vi.advanceTimersByTimeAsync(29_000);
    expect(bodies).toHaveLength(1);
    await vi.advanceTimersByTimeAsync(1000);
    expect(bodies).toHaveLength(2);
  });

  it('caps a huge Retry-After at the maximum backoff', async () => {
    const { queue, bodies } = setup([{ status: 429, headers: new Headers({ 'Retry-After': '99999999' }) }]);
    queue.push(event());
    await vi.advanceTimersByTimeAsync(1000);
    await vi.advanceTimersByTimeAsync(MAX_BACKOFF - 1000);
    expect(bodies).toHaveLength(1);
    await vi.advanceTimersByTimeAsync(1000);
    expect(bodies).toHaveLength(2);
  });

  it('caps and jitters the backoff', () => {
    expect(backoff(0, 0)).toBe(500);
    expect(backoff(0, 1)).toBe(1000);
    expect(backoff(3, 0.5)).toBe(6000);
    expect(backoff(40, 1)).toBe(MAX_BACKOFF);
  });

  it('retries what a previous page left, after a reload', async () => {
    const first = setup(['down']);
    const e = event();
    first.queue.push(e);
    await vi.advanceTimersByTimeAsync(1000);
    expect(stored()).toHaveLength(1);
    // The page goes away with its timers; a new page makes a new queue over the same storage.
    vi.clearAllTimers();
    const second = setup();
    second.queue.push(event());
    await vi.advanceTimersByTimeAsync(1000);
    expect(ids(second.bodies[0])[0]).toBe(e.id);
    expect(stored()).toEqual([]);
  });

  it('keeps at most 50 events, dropping the oldest', async () => {
    const { queue } = setup(Array(100).fill('down'));
    const all = Array.from({ length: 80 }, event);
    queue.push(all[0]);
    await vi.advanceTimersByTimeAsync(1000); // fails: backing off
    for (const e of all.slice(1)) queue.push(e);
    expect(stored().map((e) => e.id)).toEqual(all.slice(-MAX_QUEUED).map((e) => e.id));
  });

  it('sends urgent events by beacon at once, and keeps them when the beacon is refused', async () => {
    const { queue, beacons, bodies, refuseBeacons } = setup();
    const e = event();
    queue.push(e, true);
    expect(beacons.map(ids)).toEqual([[e.id]]);
    expect(stored()).toEqual([]);
    refuseBeacons();
    const f = event();
    queue.push(f, true);
    expect(stored().map((x) => x.id)).toEqual([f.id]);
    await vi.advanceTimersByTimeAsync(1000);
    expect(bodies.map(ids)).toEqual([[f.id]]);
  });

  it('does not beacon events already in a request waiting for its answer', async () => {
    let answer!: (r: SendResult) => void;
    const beacons: string[] = [];
    const queue = createQueue('s', Date.now, () => new Promise((r) => (answer = r)), (b) => (beacons.push(b), true));
    const a = event();
    queue.push(a);
    await vi.advanceTimersByTimeAsync(1000);
    const b = event();
    queue.push(b, true);
    expect(beacons.map(ids)).toEqual([[b.id]]);
    answer({ status: 202 });
    await vi.advanceTimersByTimeAsync(0);
    expect(stored()).toEqual([]);
  });

  it('retry() skips the backoff (back online) and clear() forgets everything', async () => {
    const { queue, bodies } = setup(['down']);
    queue.push(event());
    await vi.advanceTimersByTimeAsync(1000);
    queue.retry();
    await vi.advanceTimersByTimeAsync(0);
    expect(bodies).toHaveLength(2);
    queue.push(event());
    queue.clear();
    expect(localStorage.getItem(QUEUE_KEY)).toBeNull();
  });
});
