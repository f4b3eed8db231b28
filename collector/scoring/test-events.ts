// Test helpers: terse builders of scoring events at readable times (used by the scoring and stage tests).
import type { ScoringEvent } from './engine';

export const MINUTE = 60_000;
export const HOUR = 60 * MINUTE;
export const DAY = 24 * HOUR;
/** A Monday morning, far from any UTC day boundary. */
export const T0 = Date.UTC(2025, 2, 10, 9, 0);

let next = 0;
function event(type: ScoringEvent['type'], ts: number, sessionId: string, extra: Partial<ScoringEvent> = {}): ScoringEvent {
  next += 1;
  return { id: `e${String(next).padStart(6, '0')}`, type, ts, sessionId, ...extra };
}

export const pageview = (ts: number, sessionId = 's1', cat: string | null = null) => event('pageview', ts, sessionId, { cat });
export const track = (ts: number, name: string, sessionId = 's1') => event('track', ts, sessionId, { name });
export const form = (ts: number, opts: { kind?: string | null; email?: boolean } = {}, sessionId = 's1') =>
  event('form_submit', ts, sessionId, { formKind: opts.kind ?? null, hasEmail: opts.email ?? true });
export const identify = (ts: number, sessionId = 's1') => event('identify', ts, sessionId);
