// The engagement score as a fold over events: a small JSON state, updated event by event, summarized at `now`.
import { roundBreakdown, type BreakdownRow } from './breakdown';
import { DAY_MS, decayAt, growthAt, halfLifeMs } from './decay';
import type { EngagementRule, Rules } from './rules';

export type ScoringEvent = {
  id: string;
  type: 'pageview' | 'form_submit' | 'identify' | 'track';
  /** ms since epoch */
  ts: number;
  /** '' for events outside any visit (e.g. email opens recorded by the server): they never count as a visit */
  sessionId: string;
  cat?: string | null;
  name?: string | null;
  formKind?: string | null;
  hasEmail?: boolean;
};

type Counters = Record<string, number>;

/**
 * Everything the fold needs, JSON-serializable and bounded in size: per-rule totals, the `once` rules
 * that fired, the counters of the current UTC day, and the counters of the most recent sessions only
 * (events come in ts order, so older days and sessions can no longer be capped).
 */
export type ScoreState = {
  v: 1;
  /** ts of the last event folded in; an earlier event needs a rescore from history */
  lastTs: number | null;
  /** rejection time: only events after it count toward qualifyingScore and sqlRequested */
  since: number | null;
  /** Σ points · 2^((ts − EPOCH)/halfLife), or the plain sum without decay */
  scoreKey: number;
  /** the same, over events after `since` */
  qualifyingKey: number;
  /** the first form kind in rules.sqlFormKinds submitted after `since`, or null */
  sqlFormKind: string | null;
  rules: Record<string, { count: number; key: number }>;
  once: string[];
  /** UTC day number (ts / 1 day) of dayCounts */
  day: number | null;
  dayCounts: Counters;
  /** most recently active last; at most MAX_SESSIONS */
  sessions: { id: string; counts: Counters }[];
  /** distinct sessions seen (sessionless events excluded) */
  visits: number;
  /**
   * The half-life (ms; null: no decay) the keys were built with. Keys built with one half-life mean nothing with
   * another, so a state keeps its own until it is scored again from history (the ingest does it for a state whose
   * half-life the rules no longer have; `piste rescore` for all). Absent from states stored before it was kept: theirs
   * is the rules' own.
   */
  hl?: number | null;
};

/**
 * Sessions remembered for per-session caps and for telling a new visit from a resumed one. Sessions of
 * merged browsers can interleave; one that comes back after this many other sessions counts as new.
 */
export const MAX_SESSIONS = 32;

export class OutOfOrderError extends Error {
  constructor(ts: number, lastTs: number) {
    super(`event at ${ts} is older than the state's last event (${lastTs}); rescore from history`);
    this.name = 'OutOfOrderError';
  }
}

export function emptyState(since: number | null = null, hl?: number | null): ScoreState {
  const state: ScoreState = {
    v: 1,
    lastTs: null,
    since,
    scoreKey: 0,
    qualifyingKey: 0,
    sqlFormKind: null,
    rules: {},
    once: [],
    day: null,
    dayCounts: {},
    sessions: [],
    visits: 0,
  };
  if (hl !== undefined) state.hl = hl;
  return state;
}

/** The half-life of the state's keys: its own when it records one, else the rules'. */
export function stateHalfLife(rules: Pick<Rules, 'halfLifeDays'>, state: Pick<ScoreState, 'hl'> | null | undefined): number | null {
  return state?.hl !== undefined ? state.hl : halfLifeMs(rules);
}

/** True when the state's keys were built with the rules' half-life, so new events can be folded into it. */
export function sameHalfLife(rules: Pick<Rules, 'halfLifeDays'>, state: Pick<ScoreState, 'hl'>): boolean {
  return stateHalfLife(rules, state) === halfLifeMs(rules);
}

/** True when `event` can be folded into `state` (it is not older than what the state has seen). */
export function inOrder(state: ScoreState, event: Pick<ScoringEvent, 'ts'>): boolean {
  return state.lastTs === null || event.ts >= state.lastTs;
}

/**
 * Folds one event into a copy of the state. Events must come in ts order: an older event throws
 * OutOfOrderError (check `inOrder` first, and rescore with `scoreEvents` instead).
 * @example state = applyEvent(rules, state, { id, type: 'pageview', ts, sessionId, cat: 'pricing' })
 */
export function applyEvent(rules: Rules, state: ScoreState, event: ScoringEvent): ScoreState {
  const next = cloneState(state);
  step(rules, stateHalfLife(rules, state), next, event, false);
  return next;
}

/**
 * The state of a whole history: sorts by ts then id and folds. This is what `piste rescore` and the
 * ingest (on identification or a late event) use; it equals folding applyEvent over the sorted events.
 * `since` is the rejection time, if any.
 */
export function scoreEvents(
  rules: Rules,
  events: readonly ScoringEvent[],
  opts: { since?: number | null } = {},
): ScoreState {
  const sorted = [...events].sort((a, b) => a.ts - b.ts || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
  const halfLife = halfLifeMs(rules);
  const state = emptyState(opts.since ?? null, halfLife);
  for (const event of sorted) step(rules, halfLife, state, event, true);
  return state;
}

/**
 * The state after a rejection at `at`: qualifyingScore starts again from 0 and a past sales request no
 * longer counts; the total score keeps everything. Events already folded in count as before the
 * rejection, so `since` becomes max(at, lastTs): store `state.since` so a rescore gives the same result.
 */
export function withRejection(state: ScoreState, at: number): ScoreState {
  const since = state.lastTs === null ? at : Math.max(at, state.lastTs);
  return { ...cloneState(state), since, qualifyingKey: 0, sqlFormKind: null };
}

export type ScoreSummary = {
  /** decayed engagement score at `now`, never below 0 (not rounded) */
  score: number;
  /** Math.round(score): what the API shows, and what the breakdown sums to */
  rounded: number;
  /** time-independent key for ordering by score */
  scoreKey: number;
  breakdown: BreakdownRow[];
  /** decayed score of the events after the rejection (all events when never rejected), never below 0 */
  qualifyingScore: number;
  sqlRequested: boolean;
  /** the form kind that asked for sales, or null */
  sqlFormKind: string | null;
};

/** The score, its breakdown and what the stage machine needs, at `now`. */
export function summarize(rules: Rules, state: ScoreState, now: number): ScoreSummary {
  const decay = decayAt(stateHalfLife(rules, state), now);
  const score = Math.max(0, state.scoreKey * decay) + 0;
  const rounded = Math.round(score);
  const rows = Object.entries(state.rules)
    .filter(([, r]) => r.count > 0)
    .map(([rule, r]) => ({ rule, count: r.count, value: r.key * decay }));
  return {
    score,
    rounded,
    scoreKey: state.scoreKey,
    breakdown: roundBreakdown(rows, rounded),
    qualifyingScore: Math.max(0, state.qualifyingKey * decay) + 0,
    sqlRequested: state.sqlFormKind !== null,
    sqlFormKind: state.sqlFormKind,
  };
}

/**
 * A copy of what `step` changes in place: the containers, not the objects in them. `step` replaces a rule's
 * `{ count, key }` rather than changing it, and copies a remembered session before counting in it (`owned` false), so
 * the old state stays as it was while the new one shares the rest (up to 32 sessions) with it.
 */
function cloneState(state: ScoreState): ScoreState {
  return { ...state, rules: { ...state.rules }, once: [...state.once], dayCounts: { ...state.dayCounts }, sessions: [...state.sessions] };
}

/**
 * Folds `event` into `state` in place. `owned`: no other state shares the sessions in `state` (a fold from scratch);
 * otherwise the session the event enters is copied before it is counted in (see cloneState).
 */
function step(rules: Rules, halfLife: number | null, state: ScoreState, event: ScoringEvent, owned: boolean): void {
  if (!Number.isFinite(event.ts)) throw new TypeError(`event ${event.id} has no valid ts`);
  if (!inOrder(state, event)) throw new OutOfOrderError(event.ts, state.lastTs as number);
  state.lastTs = event.ts;

  const day = Math.floor(event.ts / DAY_MS);
  if (state.day !== day) {
    state.day = day;
    state.dayCounts = {};
  }
  const { session, returning } = enterSession(state, event.sessionId ?? '', owned);
  const counts = state.rules;
  const qualifies = state.since === null || event.ts > state.since;
  const growth = growthAt(halfLife, event.ts);

  for (const rule of rules.engagement) {
    if (!matches(rule, event, returning) || !allowed(rule, state, session)) continue;
    const cap = rule.cap;
    if (cap.once) state.once.push(rule.id);
    if (cap.perDay) state.dayCounts[rule.id] = countOf(state.dayCounts, rule.id) + 1;
    if (cap.perSession) session.counts[rule.id] = countOf(session.counts, rule.id) + 1;
    const key = rule.points * growth;
    const total = Object.hasOwn(counts, rule.id) ? counts[rule.id] : { count: 0, key: 0 };
    counts[rule.id] = { count: total.count + 1, key: total.key + key };
    state.scoreKey += key;
    if (qualifies) state.qualifyingKey += key;
  }

  if (qualifies && state.sqlFormKind === null && event.type === 'form_submit' && event.formKind) {
    const kind = rules.sqlFormKinds.find((k) => same(event.formKind, k));
    if (kind !== undefined) state.sqlFormKind = kind;
  }
}

/** Moves the event's session to the most-recent end; a session never seen before (not the first) is a return. */
function enterSession(state: ScoreState, id: string, owned: boolean): { session: ScoreState['sessions'][number]; returning: boolean } {
  const index = state.sessions.findIndex((s) => s.id === id);
  let returning = false;
  let session: ScoreState['sessions'][number];
  if (index >= 0) {
    [session] = state.sessions.splice(index, 1);
    if (!owned) session = { id: session.id, counts: { ...session.counts } };
  } else {
    session = { id, counts: {} };
    if (id !== '') {
      returning = state.visits > 0;
      state.visits += 1;
    }
  }
  state.sessions.push(session);
  if (state.sessions.length > MAX_SESSIONS) state.sessions.shift();
  return { session, returning };
}

function allowed(rule: EngagementRule, state: ScoreState, session: { counts: Counters }): boolean {
  const cap = rule.cap;
  if (cap.once && state.once.includes(rule.id)) return false;
  if (cap.perDay !== undefined && countOf(state.dayCounts, rule.id) >= cap.perDay) return false;
  if (cap.perSession !== undefined && countOf(session.counts, rule.id) >= cap.perSession) return false;
  return true;
}

function matches(rule: EngagementRule, event: ScoringEvent, returning: boolean): boolean {
  switch (rule.on) {
    case 'event':
      return event.type === rule.type;
    case 'category':
      // Only a page view is a visit to the page; a form posted from it is scored by the form rules.
      return event.type === 'pageview' && same(event.cat, rule.category);
    case 'track':
      return event.type === 'track' && same(event.name, rule.name);
    case 'form_kind':
      return event.type === 'form_submit' && same(event.formKind, rule.kind);
    case 'form_with_email':
      return event.type === 'form_submit' && event.hasEmail === true;
    case 'returning_visit':
      return returning;
  }
}

/** Names (category, track name, form kind) compare case-insensitively. */
function same(value: string | null | undefined, wanted: string): boolean {
  return typeof value === 'string' && value.trim().toLowerCase() === wanted.toLowerCase();
}

function countOf(counters: Counters, id: string): number {
  return Object.hasOwn(counters, id) ? counters[id] : 0;
}
