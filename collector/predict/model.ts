// A trained model as stored in the database (`models.params`), and what it says about one lead at a given moment.
import { z } from 'zod';
import type { Rules } from '../scoring';
import { extractFeatures, FEATURE_NAMES, featureVector, type LeadTraits, type PredictEvent } from './features';
import { predict, type Model } from './logistic';
import { explain, type Reason } from './train';

const DAY = 86_400_000;

/** Default observation period: a lead's features are read one week after it became a lead (see README). */
export const DEFAULT_OBSERVE_DAYS = 7;
export const DEFAULT_WINDOW_DAYS = 30;

const finite = z.number().finite();
const ModelSchema = z.object({
  version: z.literal(1),
  features: z.array(z.string()),
  mean: z.array(finite),
  std: z.array(finite.positive()),
  weights: z.array(finite),
  bias: finite,
  l2: finite,
  trainedAt: finite.optional(),
});

/** `models.params`: the fitted regression plus what its label and features meant when it was trained. */
export const ModelParamsSchema = z
  .object({
    kind: z.literal('logistic'),
    model: ModelSchema,
    label: z.literal('sql'),
    windowDays: z.number().int().min(1).max(3650),
    observeDays: z.number().int().min(0).max(3650),
  })
  // A model whose features are not exactly this code's would be fed the wrong numbers: refuse it.
  .refine((p) => p.model.features.join() === FEATURE_NAMES.join() && [p.model.mean, p.model.std, p.model.weights].every((a) => a.length === FEATURE_NAMES.length), {
    message: 'the model was trained on other features than this version of Piste computes',
  });
export type ModelParams = { kind: 'logistic'; model: Model; label: 'sql'; windowDays: number; observeDays: number };

/** What the model reads about a lead: the same stream and traits as the rules engine, and when it became a lead. */
export type LeadInput = { becameLeadAt: number; events: readonly PredictEvent[]; traits: LeadTraits };

/**
 * Where the model looks at a lead: `observeDays` after it became a lead, as in training — or now, for a lead
 * younger than that (its probability is then provisional: it reads the days seen so far).
 */
export function observationPoint(params: Pick<ModelParams, 'observeDays'>, becameLeadAt: number, now: number): number {
  return Math.min(now, becameLeadAt + params.observeDays * DAY);
}

/**
 * The lead's probability of reaching sql at `now`, with the feature vector it came from.
 * @example leadProbability(params, { becameLeadAt, events, traits }, rules, now).probability // 0.42
 */
export function leadProbability(params: ModelParams, lead: LeadInput, rules: Rules, now: number): { probability: number; x: number[] } {
  const cutoff = observationPoint(params, lead.becameLeadAt, now);
  const x = featureVector(extractFeatures({ events: lead.events, traits: lead.traits, becameLeadAt: lead.becameLeadAt, cutoff, halfLifeDays: null, rules }));
  return { probability: predict(params.model, x), x };
}

/**
 * The probability with the features that pushed it up or down most, in words.
 * @example explainLead(params, lead, rules, now).reasons[0].text // "Visited pricing pages 3 times — raises the likelihood"
 */
export function explainLead(params: ModelParams, lead: LeadInput, rules: Rules, now: number, topN = 4): { probability: number; reasons: Reason[] } {
  const { probability, x } = leadProbability(params, lead, rules, now);
  return { probability, reasons: explain(params.model, x, topN) };
}

/** Reads stored params; null when they are not a model this code can use (corrupt, or trained on other features). */
export function parseModelParams(json: unknown): ModelParams | null {
  const parsed = ModelParamsSchema.safeParse(json);
  return parsed.success ? (parsed.data as ModelParams) : null;
}
