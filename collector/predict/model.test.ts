import { describe, expect, it } from 'vitest';
import { openDatabase } from '../db/open';
import { DEFAULT_RULES } from '../scoring';
import { FEATURE_NAMES, type PredictEvent } from './features';
import { activeModel } from './live';
import { leadProbability, observationPoint, parseModelParams, type ModelParams } from './model';

const DAY = 86_400_000;
const T0 = Date.UTC(2025, 2, 1);
const n = FEATURE_NAMES.length;
const pricing = FEATURE_NAMES.indexOf('pricing_views');

function params(over: Partial<ModelParams> = {}): ModelParams {
  const weights = new Array<number>(n).fill(0);
  weights[pricing] = 1;
  const model = { version: 1 as const, features: [...FEATURE_NAMES], mean: new Array<number>(n).fill(0), std: new Array<number>(n).fill(1), weights, bias: 0, l2: 0.01 };
  return { kind: 'logistic', model, label: 'sql', windowDays: 30, observeDays: 7, ...over };
}
const pricingView = (ts: number, i: number): PredictEvent => ({ id: `p${i}`, type: 'pageview', ts, sessionId: 's1', cat: 'pricing' });

describe('observationPoint and leadProbability', () => {
  it('reads a lead at observeDays after it became one, or now while it is younger', () => {
    expect(observationPoint({ observeDays: 7 }, T0, T0 + 2 * DAY)).toBe(T0 + 2 * DAY);
    expect(observationPoint({ observeDays: 7 }, T0, T0 + 20 * DAY)).toBe(T0 + 7 * DAY);
    expect(observationPoint({ observeDays: 0 }, T0, T0 + 20 * DAY)).toBe(T0);
  });

  it('counts only events before the observation point', () => {
    const events = [pricingView(T0 + DAY, 1), pricingView(T0 + 3 * DAY, 2), pricingView(T0 + 9 * DAY, 3)];
    const lead = { becameLeadAt: T0, events, traits: {} };
    const at = (now: number) => leadProbability(params(), lead, DEFAULT_RULES, now);
    expect(at(T0 + 2 * DAY).x[pricing]).toBe(1);
    expect(at(T0 + 30 * DAY).x[pricing]).toBe(2); // the view on day 9 comes after the observation week
    expect(at(T0 + 30 * DAY).probability).toBeCloseTo(1 / (1 + Math.exp(-2)), 12);
  });
});

describe('parseModelParams', () => {
  it('accepts stored params and refuses corrupt ones or other features', () => {
    expect(parseModelParams(JSON.parse(JSON.stringify(params())))).toEqual(params());
    expect(parseModelParams(null)).toBeNull();
    expect(parseModelParams({ ...params(), observeDays: -1 })).toBeNull();
    const other = params();
    other.model.features = other.model.features.map((f, i) => (i === 0 ? 'something_else' : f));
    expect(parseModelParams(other)).toBeNull();
  });
});

describe('stored models', () => {
  it('versions per site, one active at a time, and the live lookup follows the newest', async () => {
    const db = await openDatabase(':memory:');
    try {
      await db.createSite({ key: 'a', name: 'A', origins: [] }, T0);
      await db.createSite({ key: 'b', name: 'B', origins: [] }, T0);
      expect(await db.getActiveModel('a')).toBeUndefined();
      // what a collector's ingest transaction sees
      const live = async (site: string) => {
        const [r] = await db.writeGroup([site], (tx, key) => activeModel(tx, key));
        if (!r.ok) throw r.error;
        return r.value;
      };
      expect(await live('a')).toBeNull();

      expect(await db.saveModel('a', params(), { auc: 0.9 }, T0)).toMatchObject({ version: 1 });
      expect(await db.saveModel('b', params(), { auc: 0.7 }, T0)).toMatchObject({ version: 1 });
      const v2 = await db.saveModel('a', params({ observeDays: 3 }), { auc: 0.8 }, T0 + DAY);
      expect(v2.version).toBe(2);
      expect((await db.listModels('a')).map((m) => [m.version, m.active, m.metrics])).toEqual([[2, true, { auc: 0.8 }], [1, false, { auc: 0.9 }]]);
      expect(await db.getActiveModel('a')).toMatchObject({ id: v2.id, site: 'a', version: 2, createdAt: T0 + DAY, params: params({ observeDays: 3 }), active: true });
      expect((await db.listModels('b')).map((m) => [m.version, m.active])).toEqual([[1, true]]);
      expect(await live('a')).toMatchObject({ id: v2.id, version: 2, params: { observeDays: 3 } });
    } finally {
      await db.close();
    }
  });
});
