import { describe, expect, it } from 'vitest';
import { OutOfOrderError, applyEvent, emptyState, inOrder, scoreEvents, summarize, withRejection, MAX_SESSIONS } from './engine';
import type { ScoringEvent, ScoreState } from './engine';
import { DEFAULT_RULES, parseRules } from './rules';
import { DAY, HOUR, MINUTE, T0, form, identify, pageview, track } from './test-events';

const at = (minutes: number) => T0 + minutes * MINUTE;
const now = at(24 * 60 - 1); // same UTC day as T0, decay off below so points are exact
const noDecay = parseRules({ halfLifeDays: null });

function scored(events: ScoringEvent[], rules = noDecay, when = now) {
  return summarize(rules, scoreEvents(rules, events), when);
}
const rows = (b: { rule: string; count: number; points: number }[]) => Object.fromEntries(b.map((r) => [r.rule, [r.count, r.points]]));

describe('SPEC §4 default rules', () => {
  it.each<[string, () => ScoringEvent[], number, Record<string, [number, number]>]>([
    ['a pageview gives +1', () => [pageview(at(0))], 1, { pageview: [1, 1] }],
    ['pageviews stop at 10 a day', () => Array.from({ length: 11 }, (_, i) => pageview(at(i))), 10, { pageview: [10, 10] }],
    [
      'pageviews count again the next UTC day',
      () => [...Array.from({ length: 11 }, (_, i) => pageview(at(i))), pageview(at(0) + DAY, 's2'), pageview(at(1) + DAY, 's2')],
      17,
      { pageview: [12, 12], returning_visit: [1, 5] },
    ],
    ['pricing twice in one session counts once', () => [pageview(at(0), 's1', 'pricing'), pageview(at(5), 's1', 'pricing')], 17, {
      'category:pricing': [1, 15],
      pageview: [2, 2],
    }],
    ['pricing in two sessions counts twice', () => [pageview(at(0), 's1', 'pricing'), pageview(at(60), 's2', 'pricing')], 37, {
      'category:pricing': [2, 30],
      pageview: [2, 2],
      returning_visit: [1, 5],
    }],
    ['a page category matches whatever its case', () => [pageview(at(0), 's1', 'Pricing')], 16, { 'category:pricing': [1, 15], pageview: [1, 1] }],
    ['careers takes 10 away, once a session', () => [
      pageview(at(0), 's1', 'pricing'), pageview(at(1), 's1', 'pricing'), pageview(at(2), 's1', 'careers'), pageview(at(3), 's1', 'careers'),
    ], 9, { 'category:pricing': [1, 15], 'category:careers': [1, -10], pageview: [4, 4] }],
    ['each later session is a returning visit (+5)', () => [pageview(at(0), 'a'), pageview(at(40), 'b'), pageview(at(80), 'c')], 13, {
      pageview: [3, 3],
      returning_visit: [2, 10],
    }],
    ['a session seen before is not a new visit', () => [pageview(at(0), 'a'), pageview(at(1), 'b'), pageview(at(2), 'a')], 8, {
      pageview: [3, 3],
      returning_visit: [1, 5],
    }],
    ['a form with an email gives +10', () => [form(at(0))], 10, { form_with_email: [1, 10] }],
    ['a form without an email gives nothing', () => [form(at(0), { email: false })], 0, {}],
    ['newsletter signup gives +5', () => [track(at(0), 'newsletter_signup')], 5, { 'track:newsletter_signup': [1, 5] }],
    ['a download gives +1', () => [track(at(0), 'document_download')], 1, { 'track:document_download': [1, 1] }],
    ['an email open gives +2, outside any visit', () => [track(at(0), 'email_open', ''), track(at(9), 'email_open', '')], 4, {
      'track:email_open': [2, 4],
    }],
    ['an email click gives +3', () => [track(at(0), 'email_click')], 3, { 'track:email_click': [1, 3] }],
    ['an unknown track event gives nothing', () => [track(at(0), 'video_play')], 0, {}],
    ['an identify call gives nothing by itself', () => [identify(at(0))], 0, {}],
    ['a demo form gives +40', () => [form(at(0), { kind: 'demo' })], 40, { form_with_email: [1, 10], 'form_kind:demo': [1, 30] }],
    ['a contact_sales form gives +40', () => [form(at(0), { kind: 'contact_sales' })], 40, {
      form_with_email: [1, 10],
      'form_kind:contact_sales': [1, 30],
    }],
    ['a careers-only visitor is floored at 0', () => [pageview(at(0), 's1', 'careers')], 0, {
      'category:careers': [1, -10],
      pageview: [1, 1],
      floor: [0, 9],
    }],
  ])('%s', (_, events, score, breakdown) => {
    const summary = scored(events());
    expect(summary.rounded).toBe(score);
    expect(rows(summary.breakdown)).toEqual(breakdown);
    expect(summary.breakdown.reduce((sum, r) => sum + r.points, 0)).toBe(score);
  });

  it('a demo or contact_sales form asks for sales; a newsletter form does not', () => {
    expect(scored([form(at(0), { kind: 'demo' })])).toMatchObject({ sqlRequested: true, sqlFormKind: 'demo' });
    expect(scored([form(at(0), { kind: 'CONTACT_SALES' })])).toMatchObject({ sqlRequested: true, sqlFormKind: 'contact_sales' });
    expect(scored([form(at(0), { kind: 'newsletter' })])).toMatchObject({ sqlRequested: false, sqlFormKind: null });
  });

  it('sorts the breakdown by size of points, then rule id', () => {
    const summary = scored([pageview(at(0), 's1', 'careers'), pageview(at(1), 's1', 'pricing'), form(at(2), { kind: 'demo' })]);
    expect(summary.breakdown.map((r) => r.rule)).toEqual(['form_kind:demo', 'category:pricing', 'category:careers', 'form_with_email', 'pageview']);
  });
});

describe('caps', () => {
  it('a once rule fires once ever, a perSession rule once per session', () => {
    const rules = parseRules({
      halfLifeDays: null,
      engagement: [
        { id: 'first_visit', on: 'event', type: 'pageview', points: 7, cap: { once: true } },
        { on: 'track', name: 'chat', points: 2, cap: { perSession: 2 } },
      ],
    });
    const events = [pageview(at(0), 'a'), pageview(at(1), 'b'), ...[1, 2, 3].map((m) => track(at(m), 'chat', 'a')), track(at(5), 'chat', 'b')];
    expect(rows(scored(events, rules).breakdown)).toEqual({ first_visit: [1, 7], 'track:chat': [3, 6] });
  });

  it('keeps the state small however long the history', () => {
    const events = Array.from({ length: 2000 }, (_, i) => pageview(T0 + i * HOUR, `s${i}`));
    const state = scoreEvents(DEFAULT_RULES, events);
    expect(state.sessions.length).toBe(MAX_SESSIONS);
    expect(JSON.stringify(state).length).toBeLessThan(4000);
    expect(state.visits).toBe(2000);
  });
});

describe('decay', () => {
  const pricing = () => [pageview(T0, 's1', 'pricing')];

  it('halves the score after one half-life (90 days by default)', () => {
    expect(scored(pricing(), DEFAULT_RULES, T0).score).toBeCloseTo(16, 9);
    expect(scored(pricing(), DEFAULT_RULES, T0 + 90 * DAY).score).toBeCloseTo(8, 9);
    expect(scored(pricing(), DEFAULT_RULES, T0 + 180 * DAY).score).toBeCloseTo(4, 9);
  });

  it('decays each breakdown row, still summing to the rounded score', () => {
    // Half a half-life later: 15·√½ = 10.61 and 1·√½ = 0.71, total 11.31 → 11; the larger remainder gets the unit.
    const summary = scored(pricing(), DEFAULT_RULES, T0 + 45 * DAY);
    expect(summary.rounded).toBe(11);
    expect(rows(summary.breakdown)).toEqual({ 'category:pricing': [1, 10], pageview: [1, 1] });
  });

  it('keeps every point when decay is off (0 or null)', () => {
    for (const halfLifeDays of [0, null]) {
      const rules = parseRules({ halfLifeDays });
      expect(scored(pricing(), rules, T0 + 900 * DAY).score).toBe(16);
      expect(scoreEvents(rules, pricing()).scoreKey).toBe(16);
    }
  });

  it('follows the stored-key formula: key = Σ p·2^((t−EPOCH)/H)', () => {
    const H = 90 * DAY;
    const state = scoreEvents(DEFAULT_RULES, pricing());
    expect(state.scoreKey).toBeCloseTo(16 * 2 ** ((T0 - Date.UTC(2024, 0, 1)) / H), 6);
  });
});

describe('rejection', () => {
  const earned = () => [pageview(at(0), 'a', 'pricing'), pageview(at(40), 'b', 'pricing'), pageview(at(80), 'c', 'pricing'), form(at(81), { kind: 'demo' })];

  it('restarts the qualifying score at 0 and forgets the sales request; the score keeps everything', () => {
    const before = scoreEvents(noDecay, earned());
    const rejected = withRejection(before, at(100));
    const s = summarize(noDecay, rejected, now);
    expect(s.rounded).toBe(summarize(noDecay, before, now).rounded);
    expect(s.qualifyingScore).toBe(0);
    expect(s.sqlRequested).toBe(false);
    expect(rejected.since).toBe(at(100));
  });

  it('counts only later points toward qualification, live or rescored', () => {
    const history = earned();
    const later = [pageview(at(200), 'd', 'pricing'), form(at(201), { kind: 'contact_sales' })];
    let live = withRejection(scoreEvents(noDecay, history), at(100));
    for (const e of later) live = applyEvent(noDecay, live, e);
    const rescored = scoreEvents(noDecay, [...later, ...history], { since: live.since });
    expect(rescored).toEqual(live);
    expect(summarize(noDecay, live, now)).toMatchObject({ qualifyingScore: 5 + 16 + 40, sqlRequested: true, sqlFormKind: 'contact_sales' });
  });

  it('treats events already folded in as before the rejection', () => {
    const state = scoreEvents(noDecay, earned());
    expect(withRejection(state, at(10)).since).toBe(at(81));
  });
});

describe('applyEvent', () => {
  it('never changes the state it is given', () => {
    const state = scoreEvents(DEFAULT_RULES, [pageview(at(0)), pageview(at(1), 's1', 'pricing')]);
    const copy = structuredClone(state);
    applyEvent(DEFAULT_RULES, deepFreeze(state), form(at(2), { kind: 'demo' }));
    expect(state).toEqual(copy);
  });

  it('refuses an event older than the last one: the caller rescores instead', () => {
    const state = applyEvent(DEFAULT_RULES, emptyState(), pageview(at(5)));
    expect(inOrder(state, { ts: at(4) })).toBe(false);
    expect(inOrder(state, { ts: at(5) })).toBe(true);
    expect(() => applyEvent(DEFAULT_RULES, state, pageview(at(4)))).toThrow(OutOfOrderError);
  });

  it('refuses an event without a valid time', () => {
    expect(() => applyEvent(DEFAULT_RULES, emptyState(), pageview(Number.NaN))).toThrow(TypeError);
  });

  it('gives a state that survives JSON', () => {
    const state = scoreEvents(DEFAULT_RULES, [pageview(at(0), 'a', 'pricing'), pageview(at(60), 'b')]);
    const revived: ScoreState = JSON.parse(JSON.stringify(state));
    const e = pageview(at(61), 'b', 'pricing');
    expect(applyEvent(DEFAULT_RULES, revived, e)).toEqual(applyEvent(DEFAULT_RULES, state, e));
  });
});

function deepFreeze<T>(value: T): T {
  if (value && typeof value === 'object') {
    for (const inner of Object.values(value)) deepFreeze(inner);
    Object.freeze(value);
  }
  return value;
}
