// Decay arithmetic: points stored as a time-independent key so that ordering by key is ordering by score.
import type { Rules } from './rules';

/** Reference time of every key: 2024-01-01T00:00:00Z. */
export const EPOCH = Date.UTC(2024, 0, 1);
export const DAY_MS = 86_400_000;

/** The half-life in ms, or null when decay is off. */
export function halfLifeMs(rules: Pick<Rules, 'halfLifeDays'>): number | null {
  return rules.halfLifeDays ? rules.halfLifeDays * DAY_MS : null;
}

/** Weight of a point earned at `ts` in the key: 2^((ts − EPOCH)/halfLife), or 1 without decay. */
export function growthAt(halfLife: number | null, ts: number): number {
  return halfLife === null ? 1 : 2 ** ((ts - EPOCH) / halfLife);
}

/** Factor turning a key into points at `now`: 2^(−(now − EPOCH)/halfLife), or 1 without decay. */
export function decayAt(halfLife: number | null, now: number): number {
  return halfLife === null ? 1 : 2 ** (-(now - EPOCH) / halfLife);
}

/**
 * The decayed score at `now` of a stored scoreKey, never below 0; `halfLife`: the one the key was built with, when it
 * is not the rules' (stateHalfLife).
 * @example scoreAt(rules, lead.scoreKey, clock.now())
 */
export function scoreAt(rules: Pick<Rules, 'halfLifeDays'>, scoreKey: number, now: number, halfLife = halfLifeMs(rules)): number {
  return Math.max(0, scoreKey * decayAt(halfLife, now)) + 0;
}

/**
 * The scoreKey that has exactly `score` points at `now`: `score_key >= scoreKeyFor(rules, min, now)`
 * selects the leads whose score at `now` is at least `min`, without decaying every row.
 */
export function scoreKeyFor(rules: Pick<Rules, 'halfLifeDays'>, score: number, now: number): number {
  return score / decayAt(halfLifeMs(rules), now);
}
