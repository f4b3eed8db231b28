// `piste train` for one site: dataset from stored history, time-split training, the model stored versioned, probabilities refreshed.
import type { Repository } from '../db/repository';
import { siteRules } from '../leads/rules';
import { leadInput, updateProbability } from './live';
import { DEFAULT_OBSERVE_DAYS, DEFAULT_WINDOW_DAYS, type ModelParams } from './model';
import { buildDataset, trainModel, type Dataset, type TrainMetrics } from './train';

export type TrainSiteOptions = {
  now: number;
  windowDays?: number;
  observeDays?: number;
  seed?: number;
  minPositives?: number;
  batchSize?: number;
  onProgress?: (p: { phase: 'reading' | 'updating'; done: number; total: number }) => void;
};

/** `models.metrics`: the held-out metrics and what the dataset held. */
export type ModelMetrics = TrainMetrics & {
  leads: number;
  rows: number;
  excluded: Record<Dataset['excluded'][number]['reason'], number>;
  windowDays: number;
  observeDays: number;
};

export type TrainFailure = 'unknown_site' | 'invalid_rules' | 'no_data' | 'too_few_positives' | 'one_class';
export type TrainSiteResult =
  | { ok: true; id: string; version: number; metrics: ModelMetrics; updated: number }
  | { ok: false; code: TrainFailure; message: string };

/**
 * Trains the site's model on its stored history and, only if training succeeds, stores it as the new active
 * version and recomputes every lead's probability with it. On any failure nothing is stored: the previous model
 * (if any) stays active.
 * @example const r = await trainSite(db, 'acme', { now: Date.now() }); if (!r.ok) console.error(r.message)
 */
export async function trainSite(db: Repository, siteKey: string, opts: TrainSiteOptions): Promise<TrainSiteResult> {
  const { now, windowDays = DEFAULT_WINDOW_DAYS, observeDays = DEFAULT_OBSERVE_DAYS, seed = 1, minPositives = 20, batchSize = 500 } = opts;
  const site = await db.getSite(siteKey);
  if (!site) return { ok: false, code: 'unknown_site', message: `no site "${siteKey}"` };
  let rules;
  try {
    rules = siteRules(site);
  } catch {
    return { ok: false, code: 'invalid_rules', message: `site "${siteKey}" has invalid scoring rules: fix them first (the engagement feature uses them)` };
  }

  // Streamed a page at a time: only the feature rows (a few numbers per lead) are kept.
  const total = await db.countLeads(siteKey);
  const dataset: Dataset = { rows: [], excluded: [] };
  let leads = 0;
  for (let after: string | null = null; ; ) {
    const page = await db.listTrainingLeads(siteKey, after, batchSize);
    if (page.length === 0) break;
    const histories = page.map((t) => ({ id: t.lead.id, reachedSqlAt: t.reachedSqlAt, ...leadInput(t.lead, t.events) }));
    const part = buildDataset(histories, { now, windowDays, observeDays, rules });
    dataset.rows.push(...part.rows);
    dataset.excluded.push(...part.excluded);
    leads += page.length;
    after = page[page.length - 1].lead.id;
    opts.onProgress?.({ phase: 'reading', done: leads, total: Math.max(total, leads) });
  }

  const result = trainModel(dataset, { seed, minPositives, trainedAt: now });
  if ('error' in result) return { ok: false, code: result.error, message: failureMessage(siteKey, result, { leads, rows: dataset.rows.length, windowDays }) };

  const excluded = { in_window: 0, qualified_before_cutoff: 0, invalid: 0 };
  for (const e of dataset.excluded) excluded[e.reason]++;
  const metrics: ModelMetrics = { ...result.metrics, leads, rows: dataset.rows.length, excluded, windowDays, observeDays };
  const params: ModelParams = { kind: 'logistic', model: result.model, label: 'sql', windowDays, observeDays };
  const { id, version } = await db.saveModel(siteKey, params, metrics, now);
  const updated = await updateSiteProbabilities(db, siteKey, { now, batchSize: 200, onProgress: opts.onProgress });
  return { ok: true, id, version, metrics, updated };
}

/**
 * Recomputes the probability of every lead of the site with its active model (null without one), in
 * transactions of `batchSize` leads. Returns how many leads it visited.
 */
export async function updateSiteProbabilities(
  db: Repository,
  siteKey: string,
  opts: { now: number; batchSize?: number; onProgress?: TrainSiteOptions['onProgress'] },
): Promise<number> {
  const site = await db.getSite(siteKey);
  if (!site) return 0;
  const rules = siteRules(site);
  const total = await db.countLeads(siteKey);
  let done = 0;
  for (let after: string | null = null; ; ) {
    const ids = await db.leadIdsAfter(siteKey, after, opts.batchSize ?? 200);
    if (ids.length === 0) break;
    const results = await db.writeGroup(ids, async (tx, id) => {
      const lead = await tx.getLead(id);
      if (lead) await updateProbability(tx, rules, lead, opts.now);
    });
    for (const r of results) if (!r.ok) throw r.error;
    done += ids.length;
    after = ids[ids.length - 1];
    opts.onProgress?.({ phase: 'updating', done, total: Math.max(total, done) });
  }
  return done;
}

function failureMessage(
  site: string,
  failure: { error: 'no_data' } | { error: 'too_few_positives'; needed: number; have: number } | { error: 'one_class'; split: 'all' | 'train' | 'test' },
  counts: { leads: number; rows: number; windowDays: number },
): string {
  const outcome = `reached sql within ${counts.windowDays} days of becoming a lead`;
  const nothingStored = 'nothing was stored; the current model (if any) stays in place';
  switch (failure.error) {
    case 'no_data':
      return counts.leads === 0
        ? `site "${site}" has no leads yet: ${nothingStored}`
        : `site "${site}" has ${counts.leads} leads but none whose ${counts.windowDays}-day window has closed: ${nothingStored}`;
    case 'too_few_positives':
      return `site "${site}": training needs at least ${failure.needed} leads that ${outcome}, it has ${failure.have} (of ${counts.rows} usable leads): ${nothingStored}`;
    case 'one_class': {
      const where = failure.split === 'all' ? 'every usable lead' : failure.split === 'train' ? 'the earlier (training) leads' : 'the later (test) leads';
      return `site "${site}": ${where} all had the same outcome: training needs leads that ${outcome} and leads that did not, among both the earlier and the later leads: ${nothingStored}`;
    }
  }
}
