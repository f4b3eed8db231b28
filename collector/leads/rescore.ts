// `piste rescore`: recomputes scores, fit, grades and automatic stage moves of a site from its stored history.
import type { Repository } from '../db/repository';
import { scoreLead, scoreVisitor } from './score';
import { siteRules } from './rules';
import { updateProbability } from '../predict/live';

export type RescoreProgress = { done: number; total: number };
export type RescoreResult = { leads: number; visitors: number; moved: number };

/**
 * Rescores every lead and anonymous visitor of `siteKey` with the site's current rules, by the same code
 * as live scoring, in transactions of `batchSize`. Idempotent: a second run stores the same values and
 * moves nothing. Stages only move forward (a lead never goes back because rules got stricter).
 * @example await rescoreSite(db, 'acme', { now: Date.now(), onProgress: ({ done, total }) => bar.update(done, { total }) })
 */
export async function rescoreSite(
  db: Repository,
  siteKey: string,
  opts: { now: number; onProgress?: (p: RescoreProgress) => void; batchSize?: number },
): Promise<RescoreResult> {
  const site = await db.getSite(siteKey);
  if (!site) throw new Error(`no site "${siteKey}"`);
  const rules = siteRules(site); // invalid stored rules throw here, before anything is written
  const { now, batchSize = 200 } = opts;
  const total = (await db.countLeads(siteKey)) + (await db.countAnonymousVisitors(siteKey));
  const result: RescoreResult = { leads: 0, visitors: 0, moved: 0 };
  let done = 0;
  opts.onProgress?.({ done, total });

  for (let after: string | null = null; ; ) {
    const ids = await db.leadIdsAfter(siteKey, after, batchSize);
    if (ids.length === 0) break;
    const results = await db.writeGroup(ids, async (tx, id) => {
      const lead = await tx.getLead(id);
      if (!lead) return false; // erased meanwhile
      const moved = await scoreLead(tx, rules, lead, now);
      await updateProbability(tx, rules, lead, now); // the predictive model's probability, with the same history
      return moved;
    });
    for (const r of results) {
      if (!r.ok) throw r.error;
      if (r.value) result.moved++;
    }
    result.leads += ids.length;
    done += ids.length;
    after = ids[ids.length - 1];
    opts.onProgress?.({ done, total: Math.max(total, done) });
  }

  for (let after: string | null = null; ; ) {
    const vids = await db.anonymousVidsAfter(siteKey, after, batchSize);
    if (vids.length === 0) break;
    const results = await db.writeGroup(vids, async (tx, vid) => {
      const visitor = await tx.getVisitor(siteKey, vid);
      // Identified meanwhile: its points now count for its lead.
      if (visitor && visitor.leadId === null) await scoreVisitor(tx, rules, visitor);
    });
    for (const r of results) if (!r.ok) throw r.error;
    result.visitors += vids.length;
    done += vids.length;
    after = vids[vids.length - 1];
    opts.onProgress?.({ done, total: Math.max(total, done) });
  }
  return result;
}
