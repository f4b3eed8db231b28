// Training the predictive model on a site's history: labelled dataset, time-based split, honest metrics, explanations.
import type { Rules } from '../scoring';
import { extractFeatures, FEATURE_NAMES, FEATURES, featureVector, type LeadTraits, type PredictEvent } from './features';
import { fit, predict, standardize, type Model } from './logistic';
import { auc, brier, precisionAtTop } from './metrics';

const DAY = 86_400_000;

export type LeadHistory = {
  id: string;
  becameLeadAt: number;
  /** when the lead first reached the label stage (`sql`), null if never */
  reachedSqlAt: number | null;
  events: readonly PredictEvent[];
  traits: LeadTraits;
};

export type DatasetRow = { id: string; becameLeadAt: number; cutoff: number; x: number[]; label: 0 | 1 };
export type Dataset = { rows: DatasetRow[]; excluded: { id: string; reason: 'in_window' | 'qualified_before_cutoff' | 'invalid' }[] };

export type DatasetOptions = {
  now: number;
  windowDays?: number;
  /**
   * Features are taken at becameLeadAt + observeDays, the same point for every lead. Not at the label time:
   * positives would then be observed up to the moment they converted (recency ≈ 0, the demo-page visit
   * just before) and negatives over the whole window, and the model would learn the cutoff, not the
   * buyer. With the default 0 the model answers "as this person becomes a lead, how likely are they to
   * reach sql?" from their anonymous history and what they told; it also satisfies SPEC §4 (only events
   * before the label time) since no lead reaches sql before it is a lead.
   */
  observeDays?: number;
  halfLifeDays?: number | null;
  /** the site's scoring rules, for the engagement feature (SPEC §4 defaults otherwise) */
  rules?: Rules;
};

/** Labels each lead (reached sql within windowDays of becoming a lead) and computes its features at the cutoff. */
export function buildDataset(leads: readonly LeadHistory[], options: DatasetOptions): Dataset {
  const { now, windowDays = 30, observeDays = 0, halfLifeDays = 90, rules } = options;
  const rows: DatasetRow[] = [];
  const excluded: Dataset['excluded'] = [];
  for (const lead of leads) {
    const cutoff = lead.becameLeadAt + observeDays * DAY;
    const windowEnd = lead.becameLeadAt + windowDays * DAY;
    if (!Number.isFinite(lead.becameLeadAt) || (lead.reachedSqlAt !== null && !Number.isFinite(lead.reachedSqlAt))) {
      excluded.push({ id: lead.id, reason: 'invalid' });
    } else if (windowEnd > now) {
      // the outcome is not known yet: counting it as negative would teach the model that new leads never convert
      excluded.push({ id: lead.id, reason: 'in_window' });
    } else if (lead.reachedSqlAt !== null && lead.reachedSqlAt < cutoff) {
      // already converted when the prediction would be made: nothing left to predict
      excluded.push({ id: lead.id, reason: 'qualified_before_cutoff' });
    } else {
      const features = extractFeatures({ events: lead.events, traits: lead.traits, becameLeadAt: lead.becameLeadAt, cutoff, halfLifeDays, rules });
      const label = lead.reachedSqlAt !== null && lead.reachedSqlAt <= windowEnd ? 1 : 0;
      rows.push({ id: lead.id, becameLeadAt: lead.becameLeadAt, cutoff, x: featureVector(features), label });
    }
  }
  return { rows, excluded };
}

export type TrainMetrics = { auc: number; precisionAt10: number; brier: number; ruleAuc: number; nTrain: number; nTest: number; positives: number };
export type TrainResult =
  | { model: Model; metrics: TrainMetrics }
  | { error: 'too_few_positives'; needed: number; have: number }
  | { error: 'one_class'; split: 'all' | 'train' | 'test' }
  | { error: 'no_data' };

export type TrainOptions = { seed?: number; testFraction?: number; minPositives?: number; l2?: number; maxIter?: number; trainedAt?: number };

/**
 * Fits on the earlier leads and tests on the later ones (time-based split: the model is judged on the future,
 * as it will be used), next to the AUC of the rules' engagement score on the same test leads. The model
 * returned is the one the metrics describe.
 */
export function trainModel(dataset: Dataset, options: TrainOptions = {}): TrainResult {
  const { seed = 1, testFraction = 0.25, minPositives = 20, l2 = 0.01, maxIter = 50, trainedAt } = options;
  const rows = [...dataset.rows].sort((a, b) => a.becameLeadAt - b.becameLeadAt || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
  if (rows.length === 0) return { error: 'no_data' };
  const positives = rows.filter((r) => r.label === 1).length;
  if (positives < minPositives) return { error: 'too_few_positives', needed: minPositives, have: positives };
  if (positives === rows.length) return { error: 'one_class', split: 'all' };
  const nTest = Math.max(1, Math.round(rows.length * testFraction));
  const train = rows.slice(0, rows.length - nTest);
  const test = rows.slice(rows.length - nTest);
  for (const [split, part] of [['train', train], ['test', test]] as const) {
    const p = part.filter((r) => r.label === 1).length;
    if (p === 0 || p === part.length) return { error: 'one_class', split };
  }
  const model = fit(
    train.map((r) => r.x),
    train.map((r) => r.label),
    { l2, maxIter, seed, features: [...FEATURE_NAMES], trainedAt },
  );
  const labels = test.map((r) => r.label);
  const probs = test.map((r) => predict(model, r.x));
  const engagement = FEATURE_NAMES.indexOf('engagement');
  return {
    model,
    metrics: {
      auc: auc(probs, labels),
      precisionAt10: precisionAtTop(probs, labels, 0.1),
      brier: brier(probs, labels),
      ruleAuc: auc(test.map((r) => r.x[engagement]), labels),
      nTrain: train.length,
      nTest: test.length,
      positives,
    },
  };
}

export type Reason = { feature: string; label: string; effect: number; direction: 'up' | 'down'; text: string };

/**
 * The features that moved this lead's probability most, compared with an average lead: effect =
 * coefficient × standardized value (its push on the log-odds).
 * @example explain(model, x)[0].text // "Visited pricing pages 3 times — raises the likelihood"
 */
export function explain(model: Model, x: readonly number[], topN = 3): Reason[] {
  const z = standardize(x, model.mean, model.std);
  return model.features
    .map((feature, i) => ({ feature, i, effect: model.weights[i] * z[i] }))
    .filter((r) => r.effect !== 0 && Number.isFinite(r.effect))
    .sort((a, b) => Math.abs(b.effect) - Math.abs(a.effect))
    .slice(0, topN)
    .map(({ feature, i, effect }) => {
      const def = FEATURES.find((f) => f.name === feature);
      const direction = effect > 0 ? 'up' : 'down';
      const what = def ? def.text(x[i]) : `${feature} = ${x[i]}`;
      return { feature, label: def?.label ?? feature, effect, direction, text: `${what} — ${direction === 'up' ? 'raises' : 'lowers'} the likelihood` };
    });
}
