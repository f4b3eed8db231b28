// Live probability: the site's active model applied to a lead on ingest, by rescore and after training.
import type { IngestTx, Lead, Repository, StoredEvent } from '../db/repository';
import { leadTraits, toScoringEvent } from '../leads/score';
import type { Rules, ScoringEvent } from '../scoring';
import type { LeadTraits } from './features';
import { explainLead, leadProbability, observationPoint, parseModelParams, type LeadInput, type ModelParams } from './model';
import type { Reason } from './train';

export type ProbabilityTx = Pick<IngestTx, 'activeModelRef' | 'getActiveModel' | 'listLeadEvents' | 'updateLeadProbability'>;
export type ActiveModel = { id: string; version: number; params: ModelParams };

// Parsed params by model id (ids are random, so one cache serves every database of the process). Bounded.
const parsed = new Map<string, ModelParams | null>();

/**
 * The site's active model. Its id is looked up on every call (one indexed row), so a model trained by another
 * process takes effect at the next batch; the params are read and validated once per model.
 * Null when the site has no model or its model cannot be used by this code.
 */
export async function activeModel(tx: Pick<ProbabilityTx, 'activeModelRef' | 'getActiveModel'>, site: string): Promise<ActiveModel | null> {
  const ref = await tx.activeModelRef(site);
  if (!ref) return null;
  let params = parsed.get(ref.id);
  if (params === undefined) {
    const stored = await tx.getActiveModel(site);
    if (!stored || stored.id !== ref.id) return activeModel(tx, site); // replaced between the two reads
    params = parseModelParams(stored.params);
    if (parsed.size >= 100) parsed.clear();
    parsed.set(ref.id, params);
  }
  return params ? { id: ref.id, version: ref.version, params } : null;
}

/** What the model reads about a stored lead (the fit rules' traits: one mapping for training and live). */
export function leadInput(lead: Lead, events: readonly StoredEvent[]): LeadInput {
  return scoredLeadInput(lead, events.map(toScoringEvent));
}

/** The same from events already mapped for scoring (rescore maps each event once, for the rules and the model). */
export function scoredLeadInput(lead: Lead, events: readonly ScoringEvent[]): LeadInput {
  return { becameLeadAt: lead.createdAt, events, traits: leadTraits(lead) as LeadTraits };
}

/**
 * Recomputes and stores the lead's probability with the site's active model (null without one). Given the batch's
 * `newEvents`, skips the work when none of them can change the features: the lead already has a probability, its
 * observation point has passed, and every new event comes after it. Mutates `lead.probability`.
 * @example await updateProbability(tx, rules, lead, now, events)
 */
export async function updateProbability(tx: ProbabilityTx, rules: Rules, lead: Lead, now: number, newEvents?: readonly StoredEvent[]): Promise<void> {
  const model = await activeModel(tx, lead.site);
  if (!model) {
    if (lead.probability !== null) await tx.updateLeadProbability(lead.id, (lead.probability = null));
    return;
  }
  if (newEvents && lead.probability !== null) {
    const cutoff = observationPoint(model.params, lead.createdAt, now);
    if (cutoff < now && newEvents.every((e) => e.ts >= cutoff)) return;
  }
  const { probability } = leadProbability(model.params, leadInput(lead, await tx.listLeadEvents(lead.id)), rules, now);
  lead.probability = probability;
  await tx.updateLeadProbability(lead.id, probability);
}

/** Events read for an explanation: the model only looks at the earliest ones (before the observation point). */
const EXPLAIN_EVENTS_LIMIT = 10_000;

/**
 * Why the active model gives this lead its probability: the features that pushed it up or down most, in words.
 * Empty when the site has no (usable) model.
 * @example const reasons = await explainProbability(db, lead, rules, now)
 */
export async function explainProbability(db: Pick<Repository, 'getActiveModel' | 'listLeadEvents'>, lead: Lead, rules: Rules, now: number): Promise<Reason[]> {
  const stored = await db.getActiveModel(lead.site);
  if (!stored) return [];
  let params = parsed.get(stored.id);
  if (params === undefined) parsed.set(stored.id, (params = parseModelParams(stored.params)));
  if (!params) return [];
  return explainLead(params, leadInput(lead, await db.listLeadEvents(lead.id, EXPLAIN_EVENTS_LIMIT)), rules, now).reasons;
}
