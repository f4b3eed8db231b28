// Test harness for the script (happy-dom): starts a tracker over stubbed fetch and sendBeacon and records
// what reaches "the collector". Each harness posts to its own URL, and requests to any other URL (trackers
// of earlier tests, still listening on the shared window) never get an answer, so they change nothing.
import { vi } from 'vitest';
import { start } from './core';

export interface WireEvent {
  id: string;
  type: string;
  ts: number;
  vid: string;
  sid: string;
  url: string;
  ref?: string;
  title?: string;
  cat?: string;
  name?: string;
  props?: Record<string, unknown>;
  email?: string;
  traits?: Record<string, unknown>;
  form?: { id?: string; name?: string; action?: string; kind?: string; fields?: Record<string, string> };
}

/** A fetch answer: a status (with optional Retry-After), or 'down' for a network error. */
export type Answer = number | [number, string] | 'down';

let count = 0;
const started: ((command: string, a?: unknown) => void)[] = [];

/** Turns every tracker started so far off (consent(false)), so none writes into the next test's storage. */
export const stopAll = () => {
  for (const piste of started.splice(0)) piste('consent', false);
  localStorage.clear();
};

/** Installs the stubs; `answers` are used in order, then 202. `beaconOk` decides sendBeacon's result. */
export function harness({ required = false, answers = [] as Answer[] } = {}) {
  const url = `https://collector.test/e?tracker=${++count}`;
  const posted: string[] = [];
  /** When each body was posted (the fake clock). */
  const times: number[] = [];
  const beaconed: string[] = [];
  const state = { beaconOk: true };
  vi.stubGlobal('fetch', async (to: string, init: RequestInit) => {
    if (to != url) return new Promise(() => {});
    posted.push(init.body as string);
    times.push(Date.now());
    const answer = answers.shift() ?? 202;
    if (answer == 'down') throw new TypeError('Failed to fetch');
    const [status, retryAfter] = typeof answer == 'number' ? [answer] : answer;
    return new Response(null, { status, headers: retryAfter ? { 'Retry-After': retryAfter } : {} });
  });
  Object.defineProperty(navigator, 'sendBeacon', {
    configurable: true,
    value: (to: string, body: string) => to == url && state.beaconOk && (beaconed.push(body), true),
  });
  const piste = start('site1', url, required);
  started.push(piste);
  const events = (bodies: string[]) => bodies.flatMap((b) => JSON.parse(b).events as WireEvent[]);
  return {
    piste,
    url,
    posted,
    times,
    beaconed,
    state,
    /** Every event received, by fetch or beacon. */
    events: () => events([...posted, ...beaconed]),
    postedEvents: () => events(posted),
    beaconedEvents: () => events(beaconed),
  };
}

/** The events waiting in the persisted queue. */
export const stored = (): WireEvent[] => JSON.parse(localStorage.getItem('piste_q') || '[]');
