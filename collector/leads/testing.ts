// Test helpers for the lead suites: beacon builders for a visitor's journey on the test site (see ingest/testing).
import { newId } from '../ids';
import { NOW } from '../ingest/testing';

export const MIN = 60_000;
export const HOUR = 60 * MIN;
export const DAY = 24 * HOUR;
const SITE = 'https://www.acme.test';

export function pageview(path: string, ts: number, vid = 'visitor-0001') {
  return { id: newId(), type: 'pageview', ts, vid, url: SITE + path };
}

export function track(name: string, ts: number, vid = 'visitor-0001') {
  return { id: newId(), type: 'track', ts, vid, name, url: SITE + '/' };
}

export function form(kind: string, email: string, ts: number, vid = 'visitor-0001', traits: Record<string, string> = {}) {
  return { id: newId(), type: 'form_submit', ts, vid, email, traits, form: { kind, fields: { email } }, url: SITE + '/' };
}

/** The batch one request carries, sent at NOW (so timestamps are kept as given). */
export function beacon(...events: unknown[]) {
  return { site: 'acme', sentAt: NOW, events };
}

/** Points decayed from `ts` to `now` with the default 90-day half-life: what a rule gives, by hand. */
export function decayed(points: number, ts: number, now = NOW) {
  return points * 2 ** (-(now - ts) / (90 * DAY));
}
