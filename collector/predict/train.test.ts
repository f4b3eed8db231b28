import { describe, expect, it } from 'vitest';
import { generateSynthetic, leadHistories } from '../../bench/synthetic';
import { extractFeatures, FEATURE_NAMES, featureVector, type PredictEvent } from './features';
import { buildDataset, explain, trainModel, type Dataset, type LeadHistory } from './train';

const DAY = 86_400_000;
const START = Date.UTC(2025, 0, 1);
// 180 days of traffic, read 40 days after its end: every lead's 30-day window is closed
const NOW = START + 220 * DAY;

const pageview = (id: string, ts: number, cat?: string): PredictEvent => ({ id, type: 'pageview', ts, sessionId: `s${Math.floor(ts / DAY)}`, cat });
const lead = (id: string, becameLeadAt: number, reachedSqlAt: number | null, events: PredictEvent[] = []): LeadHistory => ({ id, becameLeadAt, reachedSqlAt, events, traits: {} });

/** A dataset of n rows in time order whose label is 1 when `positive(i)`; x is a single informative value. */
function rows(n: number, positive: (i: number) => boolean): Dataset {
  const x = (label: number, i: number) => FEATURE_NAMES.map((name) => (name === 'pricing_views' ? label * 3 + (i % 3) : name === 'engagement' ? i % 5 : 0));
  return { rows: Array.from({ length: n }, (_, i) => ({ id: `l${i}`, becameLeadAt: START + i * DAY, cutoff: START + i * DAY, x: x(positive(i) ? 1 : 0, i), label: positive(i) ? 1 : 0 })), excluded: [] };
}

describe('buildDataset', () => {
  it('labels a lead positive only when it reached sql within the window', () => {
    const t = START;
    const { rows } = buildDataset(
      [lead('fast', t, t + 5 * DAY), lead('at-once', t, t), lead('edge', t, t + 30 * DAY), lead('late', t, t + 31 * DAY), lead('never', t, null)],
      { now: NOW },
    );
    expect(Object.fromEntries(rows.map((r) => [r.id, r.label]))).toEqual({ fast: 1, 'at-once': 1, edge: 1, late: 0, never: 0 });
  });

  it('leaves out leads still inside their window, whatever their outcome so far', () => {
    const { rows, excluded } = buildDataset([lead('old', NOW - 40 * DAY, null), lead('new', NOW - 10 * DAY, NOW - 9 * DAY), lead('open', NOW - 10 * DAY, null)], { now: NOW });
    expect(rows.map((r) => r.id)).toEqual(['old']);
    expect(excluded).toEqual([{ id: 'new', reason: 'in_window' }, { id: 'open', reason: 'in_window' }]);
  });

  it('honours windowDays', () => {
    const { rows } = buildDataset([lead('a', START, START + 10 * DAY)], { now: NOW, windowDays: 7 });
    expect(rows[0].label).toBe(0);
  });

  it('computes features at the same observation point for every lead, from events before it only', () => {
    const t = START + 10 * DAY;
    const before = [pageview('p1', t - 2 * DAY, 'pricing'), pageview('p2', t - DAY, 'docs')];
    const after = [pageview('p3', t, 'pricing'), pageview('p4', t + DAY, 'pricing'), pageview('p5', t + 2 * DAY, 'contact')];
    const { rows } = buildDataset([lead('pos', t, t + 2 * DAY, [...before, ...after]), lead('neg', t, null, [...before, ...after])], { now: NOW });
    const expected = featureVector(extractFeatures({ events: before, traits: {}, becameLeadAt: t, cutoff: t, halfLifeDays: 90 }));
    expect(rows.map((r) => r.cutoff)).toEqual([t, t]);
    expect(rows[0].x).toEqual(expected);
    expect(rows[1].x).toEqual(expected);
  });

  it('with an observation period, leaves out leads that converted before it', () => {
    const { rows, excluded } = buildDataset([lead('quick', START, START + DAY), lead('slow', START, START + 9 * DAY)], { now: NOW, observeDays: 3 });
    expect(rows.map((r) => [r.id, r.cutoff, r.label])).toEqual([['slow', START + 3 * DAY, 1]]);
    expect(excluded).toEqual([{ id: 'quick', reason: 'qualified_before_cutoff' }]);
  });

  it('leaves out leads with impossible times instead of failing', () => {
    const { rows, excluded } = buildDataset([lead('nan', NaN, null), lead('inf', START, Infinity)], { now: NOW });
    expect(rows).toEqual([]);
    expect(excluded.map((e) => e.reason)).toEqual(['invalid', 'invalid']);
  });
});

describe('trainModel', () => {
  it('says there is no data when there are no rows', () => {
    expect(trainModel({ rows: [], excluded: [] })).toEqual({ error: 'no_data' });
  });

  it('says how many positives it needs when there are too few (none labelled at all included)', () => {
    expect(trainModel(rows(100, () => false))).toEqual({ error: 'too_few_positives', needed: 20, have: 0 });
    expect(trainModel(rows(100, (i) => i % 10 === 0), { minPositives: 25 })).toEqual({ error: 'too_few_positives', needed: 25, have: 10 });
  });

  it('refuses one class only, overall or in either side of the split', () => {
    expect(trainModel(rows(40, () => true))).toEqual({ error: 'one_class', split: 'all' });
    // every positive is among the later leads: the earlier ones (training) hold one class
    expect(trainModel(rows(100, (i) => i >= 75))).toEqual({ error: 'one_class', split: 'train' });
    expect(trainModel(rows(100, (i) => i < 75 && i % 2 === 0))).toEqual({ error: 'one_class', split: 'test' });
  });

  it('trains on the earlier leads and tests on the later ones', () => {
    // pricing visits mark the buyers among the earlier 75 leads and the non-buyers among the later 25:
    // only a model fitted on the earlier leads and tested on the later ones ranks the test leads exactly backwards
    const data = rows(100, (i) => i % 4 === 0);
    const pricing = FEATURE_NAMES.indexOf('pricing_views');
    for (const [i, r] of data.rows.entries()) r.x[pricing] = (i < 75 ? r.label : 1 - r.label) * 3;
    const result = trainModel({ rows: [...data.rows].reverse(), excluded: [] });
    if ('error' in result) throw new Error(result.error);
    expect(result.metrics).toMatchObject({ nTrain: 75, nTest: 25, positives: 25, auc: 0 });
  });

  it('is deterministic for a seed', () => {
    const data = buildDataset(leadHistories(generateSynthetic({ seed: 11, leads: 400, events: 10_000 })), { now: NOW });
    const a = trainModel(data, { seed: 5, trainedAt: 1 });
    const b = trainModel(data, { seed: 5, trainedAt: 1 });
    expect(JSON.stringify(b)).toBe(JSON.stringify(a));
  });

  it('recovers hidden buyer intent: AUC ≥ 0.8 and better than the rule score on the same split', () => {
    const data = buildDataset(leadHistories(generateSynthetic({ seed: 1, leads: 3000, events: 90_000, signal: true })), { now: NOW });
    const result = trainModel(data, { seed: 1 });
    if ('error' in result) throw new Error(result.error);
    expect(result.metrics.nTest).toBe(750);
    expect(result.metrics.auc).toBeGreaterThanOrEqual(0.8);
    expect(result.metrics.auc).toBeGreaterThan(result.metrics.ruleAuc);
    expect(result.metrics.precisionAt10).toBeGreaterThan(result.metrics.positives / data.rows.length);
    expect(result.metrics.brier).toBeLessThan(0.2);
  });

  it('finds nothing when behaviour carries no signal (AUC near 0.5)', () => {
    const data = buildDataset(leadHistories(generateSynthetic({ seed: 1, leads: 3000, events: 90_000, signal: false })), { now: NOW });
    const result = trainModel(data, { seed: 1 });
    if ('error' in result) throw new Error(result.error);
    expect(Math.abs(result.metrics.auc - 0.5)).toBeLessThanOrEqual(0.08);
  });
});

describe('explain', () => {
  const model = { version: 1 as const, features: [...FEATURE_NAMES], mean: FEATURE_NAMES.map(() => 1), std: FEATURE_NAMES.map(() => 1), weights: FEATURE_NAMES.map(() => 0), bias: 0, l2: 0.01 };
  const at = (name: string) => FEATURE_NAMES.indexOf(name as never);
  model.weights[at('pricing_views')] = 0.8;
  model.weights[at('careers_views')] = -0.5;
  model.weights[at('free_email')] = -0.3;
  model.weights[at('sessions')] = 0.1;

  it('lists the features that pushed most, in words, with their direction', () => {
    const x = FEATURE_NAMES.map(() => 1);
    x[at('pricing_views')] = 3; // effect 0.8 × 2 = 1.6
    x[at('careers_views')] = 3; // −0.5 × 2 = −1.0
    x[at('free_email')] = 0; // −0.3 × −1 = +0.3
    x[at('sessions')] = 2; // 0.1 × 1
    expect(explain(model, x)).toEqual([
      { feature: 'pricing_views', label: 'visits to pricing pages', effect: 1.6, direction: 'up', text: 'Visited pricing pages 3 times — raises the likelihood' },
      { feature: 'careers_views', label: 'visits to careers pages', effect: -1, direction: 'down', text: 'Visited careers pages 3 times — lowers the likelihood' },
      { feature: 'free_email', label: 'free email address', effect: expect.closeTo(0.3, 12), direction: 'up', text: 'No free email address — raises the likelihood' },
    ]);
    expect(explain(model, x, 4)).toHaveLength(4);
  });

  it('leaves out features with no effect', () => {
    expect(explain(model, FEATURE_NAMES.map(() => 1))).toEqual([]);
  });
});
