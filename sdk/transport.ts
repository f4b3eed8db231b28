// Browser transports: fetch (keepalive) for batches sent while the page lives, sendBeacon for the last ones.
// A string body makes both requests `text/plain`, a CORS "simple" request: no preflight. A browser without
// fetch or sendBeacon throws here; the caller's guard keeps the events queued.
import type { Beacon, Post } from './types';

/** False when the browser refused the beacon or is offline (a beacon sent offline is silently lost). */
export const beaconTo =
  (url: string): Beacon =>
  (body) =>
    navigator.onLine && navigator.sendBeacon(url, body);

/** keepalive lets a batch finish after navigation; browsers refuse it above 64 KB, so only below. */
export const postTo =
  (url: string): Post =>
  (body) =>
    fetch(url, { method: 'POST', body, keepalive: body.length < 6e4 }).catch(() => {});
