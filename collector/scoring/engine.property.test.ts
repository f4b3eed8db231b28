import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { applyEvent, emptyState, inOrder, scoreEvents, summarize, type ScoreState, type ScoringEvent } from './engine';
import { DEFAULT_RULES, parseRules, type Rules } from './rules';
import { DAY, MINUTE, T0 } from './test-events';
import { halfLifeMs } from './decay';

const ruleSets: Rules[] = [
  DEFAULT_RULES,
  parseRules({ halfLifeDays: null }),
  parseRules({
    halfLifeDays: 14,
    engagement: [
      { on: 'event', type: 'pageview', points: 2, cap: { perDay: 3, perSession: 2 } },
      { on: 'category', category: 'careers', points: -25, cap: { once: true } },
      { on: 'returning_visit', points: 4, cap: { perDay: 1 } },
      { on: 'form_kind', kind: 'demo', points: 30 },
      { on: 'track', name: 'email_open', points: 1.5 },
    ],
  }),
];

// A coarse clock (minutes over a few days, a few sessions) so equal timestamps, day changes and resumed
// sessions are all common.
const eventArb = fc.record({
  type: fc.constantFrom<ScoringEvent['type']>('pageview', 'pageview', 'form_submit', 'identify', 'track'),
  ts: fc.tuple(fc.integer({ min: 0, max: 200 }), fc.integer({ min: 0, max: 40 })).map(([day, m]) => T0 + day * DAY + m * 30 * MINUTE),
  sessionId: fc.constantFrom('', 'a', 'b', 'c', 'd', 'e'),
  cat: fc.constantFrom(null, 'pricing', 'careers', 'blog', 'Pricing'),
  name: fc.constantFrom(null, 'newsletter_signup', 'document_download', 'email_open', 'email_click', 'other'),
  formKind: fc.constantFrom(null, 'demo', 'contact_sales', 'newsletter'),
  hasEmail: fc.boolean(),
});

/** Events with unique ids, and the same events in a random order of arrival. */
const streamArb = fc
  .array(eventArb, { maxLength: 60 })
  .map((events) => events.map((e, i) => ({ ...e, id: `id-${(i * 7919) % 1009}-${i}` }) as ScoringEvent))
  .chain((events) =>
    fc.tuple(fc.constant(events), fc.shuffledSubarray(events, { minLength: events.length, maxLength: events.length })),
  );

const rulesArb = fc.constantFrom(...ruleSets);
const nowArb = fc.integer({ min: T0 - 10 * DAY, max: T0 + 600 * DAY });

function sortEvents(events: ScoringEvent[]): ScoringEvent[] {
  return [...events].sort((a, b) => a.ts - b.ts || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
}

describe('scoring properties', () => {
  it('scoreEvents, whatever the order of arrival, equals folding applyEvent over the sorted events', () => {
    fc.assert(
      fc.property(rulesArb, streamArb, nowArb, (rules, [events, arrived], now) => {
        // Each state frozen before the next event: applyEvent shares parts of it with the new state and must not change it.
        const folded = sortEvents(events).reduce((state, e) => applyEvent(rules, deepFreeze(state), e), emptyState(null, halfLifeMs(rules)));
        const rescored = scoreEvents(rules, arrived);
        expect(rescored).toEqual(folded);
        expect(summarize(rules, rescored, now)).toEqual(summarize(rules, folded, now));
      }),
      { numRuns: 300 },
    );
  });

  it('live ingest (apply in order, rescore on a late event, state stored as JSON) gives the rescore result', () => {
    fc.assert(
      fc.property(rulesArb, streamArb, nowArb, (rules, [events, arrived], now) => {
        let state: ScoreState = emptyState();
        const seen: ScoringEvent[] = [];
        for (const e of arrived) {
          seen.push(e);
          state = inOrder(state, e) ? applyEvent(rules, state, e) : scoreEvents(rules, seen);
          state = JSON.parse(JSON.stringify(state));
        }
        expect(summarize(rules, state, now)).toEqual(summarize(rules, scoreEvents(rules, events), now));
      }),
      { numRuns: 300 },
    );
  });

  it('the breakdown sums exactly to the rounded score, with counted rules only', () => {
    fc.assert(
      fc.property(rulesArb, streamArb, nowArb, (rules, [events], now) => {
        const s = summarize(rules, scoreEvents(rules, events), now);
        expect(s.score).toBeGreaterThanOrEqual(0);
        expect(s.rounded).toBe(Math.round(s.score));
        expect(s.breakdown.reduce((sum, r) => sum + r.points, 0)).toBe(s.rounded);
        for (const row of s.breakdown) {
          expect(Number.isInteger(row.points)).toBe(true);
          expect(row.count > 0 || row.rule === 'floor').toBe(true);
        }
        expect(s.qualifyingScore).toBeCloseTo(s.score, 6); // never rejected: everything qualifies
      }),
      { numRuns: 300 },
    );
  });

  it('ordering by scoreKey is ordering by score at any now', () => {
    fc.assert(
      fc.property(rulesArb, streamArb, streamArb, fc.array(nowArb, { minLength: 1, maxLength: 5 }), (rules, [a], [b], nows) => {
        const ka = scoreEvents(rules, a).scoreKey;
        const kb = scoreEvents(rules, b).scoreKey;
        for (const now of nows) {
          const sa = summarize(rules, scoreEvents(rules, a), now).score;
          const sb = summarize(rules, scoreEvents(rules, b), now).score;
          if (ka <= kb) expect(sa).toBeLessThanOrEqual(sb);
          if (ka >= kb) expect(sa).toBeGreaterThanOrEqual(sb);
        }
      }),
      { numRuns: 200 },
    );
  });
});

function deepFreeze<T>(value: T): T {
  if (value && typeof value === 'object') {
    for (const inner of Object.values(value)) deepFreeze(inner);
    Object.freeze(value);
  }
  return value;
}
