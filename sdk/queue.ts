// Delivery: every event is first written to a bounded persisted queue (oldest dropped), then sent in
// batches (1 s or 10 events) through injected transports; failures stay queued and are retried with
// capped, jittered exponential backoff, also after a reload. Events leave the queue once delivered.
import { read, write } from './storage';
import type { Beacon, PisteEvent, Post, SendResult } from './types';

export const QUEUE_KEY = 'piste_q';
/** Bound of the persisted queue; also keeps one request under the collector's 100 events. */
export const MAX_QUEUED = 50;
export const BATCH_SIZE = 10;
export const BATCH_DELAY = 1000;
/** Caps the backoff and a Retry-After alike (a huge delay would overflow setTimeout and fire at once). */
export const MAX_BACKOFF = 3e5;

export interface Queue {
  push(event: PisteEvent, urgent?: boolean): void;
  /** urgent: the page may be going away, so hand the batch to the browser (sendBeacon) at once. */
  flush(urgent?: boolean): void;
  /** Send now, ignoring the backoff (the browser came back online). */
  retry(): void;
  /** Forget every unsent event (consent withdrawn). */
  clear(): void;
}

/** Delay after the n-th consecutive failure: 1 s, 2 s, 4 s … capped at 5 minutes, times a jitter in [½, 1]. */
export const backoff = (failures: number, random = Math.random()) =>
  Math.min(MAX_BACKOFF, 1000 * 2 ** failures) * (0.5 + random / 2);

export function createQueue(site: string, now: () => number, post: Post, beacon: Beacon): Queue {
  let timer: ReturnType<typeof setTimeout> | 0 = 0;
  let wait = 0;
  let failures = 0;
  /** Ids of events in a request still waiting for its answer: never sent twice at once. */
  let sending: string[] = [];

  const load = (): PisteEvent[] => {
    try {
      return JSON.parse(read(QUEUE_KEY)!) || [];
    } catch {
      return [];
    }
  };
  // Re-reads storage on every change: another tab may have written since.
  const save = (events: PisteEvent[]) => write(QUEUE_KEY, JSON.stringify(events.slice(-MAX_QUEUED)));
  const drop = (ids: string[]) => save(load().filter((e) => !ids.includes(e.id)));
  const arm = (ms: number) => {
    clearTimeout(timer);
    timer = setTimeout(flush, ms);
  };

  function flush(urgent?: boolean) {
    const events = load().filter((e) => !sending.includes(e.id));
    const ids = events.map((e) => e.id);
    const body = JSON.stringify({ site, sentAt: now(), events });
    const done = (res: SendResult) => {
      sending = sending.filter((id) => !ids.includes(id));
      // Delivered, or refused for good (4xx but 429): a retry would be refused again.
      if (/^(2|4(?!29))/.test(res?.status as never)) (failures = 0), drop(ids);
      else {
        const delay = Math.min(MAX_BACKOFF, Math.max(1000 * +res?.headers?.get('retry-after')! || 0, backoff(failures++)));
        wait = now() + delay;
        arm(delay);
      }
    };
    clearTimeout(timer);
    timer = 0;
    // Backing off: events stay queued (for this page's timer, or the next page if this one goes away).
    if (events[0])
      if (wait > now()) arm(wait - now());
      else if (urgent) beacon(body) ? drop(ids) : arm(BATCH_DELAY);
      // Marked in flight only once post returned: when it throws (no fetch), nothing is.
      else post(body).then(done, done), (sending = sending.concat(ids));
  }

  return {
    push(event, urgent) {
      save(load().concat(event));
      urgent || load()[BATCH_SIZE - 1] ? flush(urgent) : timer || arm(BATCH_DELAY);
    },
    flush,
    retry() {
      wait = 0;
      flush();
    },
    clear() {
      wait = 0;
      write(QUEUE_KEY);
    },
  };
}
