// `piste rescore`: recomputes scores, fit, grades and automatic stage moves of a site from its stored history.
import type { GroupResult, IngestTx, Repository, StoredEvent } from '../db/repository';
import type { Rules } from '../scoring';
import { scoreLead, scoreVisitor } from './score';
import { siteRules } from './rules';
import { updateProbability } from '../predict/live';

export type RescoreProgress = { done: number; total: number };
export type RescoreResult = { leads: number; visitors: number; moved: number };

type Options = { now: number; onProgress?: (p: RescoreProgress) => void; batchSize?: number };

/**
 * Rescores every lead and anonymous visitor of `siteKey` with the site's current rules, by the same code
 * as live scoring, in transactions of `batchSize`. Idempotent: a second run stores the same values and
 * moves nothing. Stages only move forward (a lead never goes back because rules got stricter).
 *
 * Cost is linear in events: when the repository offers `scoringPage`, each transaction reads a page of leads and
 * all their events with one range query (rather than one query per lead) and scores them from that.
 * @example await rescoreSite(db, 'acme', { now: Date.now(), onProgress: ({ done, total }) => bar.update(done, { total }) })
 */
export async function rescoreSite(db: Repository, siteKey: string, opts: Options): Promise<RescoreResult> {
  const site = await db.getSite(siteKey);
  if (!site) throw new Error(`no site "${siteKey}"`);
  const rules = siteRules(site); // invalid stored rules throw here, before anything is written
  const { now, batchSize = 5000 } = opts; // large transactions: fewer commits, each rewriting neighbouring rows once
  const total = (await db.countLeads(siteKey)) + (await db.countAnonymousVisitors(siteKey));
  const result: RescoreResult = { leads: 0, visitors: 0, moved: 0 };
  let done = 0;
  const progress = (n: number) => {
    done += n;
    opts.onProgress?.({ done, total: Math.max(total, done) });
  };
  opts.onProgress?.({ done, total });

  const onePass = await rescorePages(db, async (tx, after) => {
    if (!tx.scoringPage) return undefined;
    const entries = await tx.scoringPage(siteKey, after, batchSize);
    let moved = 0;
    for (const { lead, events } of entries) {
      const history = withHistory(tx, events);
      lead.scoreState = null; // rescored from history, never folded onto the stored state
      if (await scoreLead(history, rules, lead, now)) moved++;
      await updateProbability(history, rules, lead, now);
    }
    result.moved += moved;
    result.leads += entries.length;
    progress(entries.length);
    return entries.at(-1)?.lead.id ?? null;
  });
  if (!onePass) await rescoreLeadByLead(db, siteKey, rules, { now, batchSize }, result, progress);

  const visitorsInOnePass = await rescorePages(db, async (tx, after) => {
    if (!tx.anonymousScoringPage) return undefined;
    const entries = await tx.anonymousScoringPage(siteKey, after, batchSize);
    for (const { visitor, events } of entries) await scoreVisitor(withHistory(tx, events), rules, { ...visitor, scoreState: null });
    result.visitors += entries.length;
    progress(entries.length);
    return entries.at(-1)?.visitor.vid ?? null;
  });
  if (!visitorsInOnePass) await rescoreVisitorByVisitor(db, siteKey, rules, batchSize, result, progress);
  return result;
}

/**
 * Runs `page` in one transaction per page: it returns the last key it handled, null after the last page, or
 * undefined when the repository has no single pass (then this returns false).
 */
async function rescorePages(db: Repository, page: (tx: IngestTx, after: string | null) => Promise<string | null | undefined>): Promise<boolean> {
  for (let after: string | null = null; ; ) {
    const [r]: GroupResult<string | null | undefined>[] = await db.writeGroup([after], page);
    if (!r.ok) throw r.error;
    if (r.value === undefined) return false;
    if (r.value === null) return true;
    after = r.value;
  }
}

/** The transaction, with a lead's or visitor's history answered from the events already read. */
function withHistory(tx: IngestTx, events: StoredEvent[]): IngestTx {
  return Object.assign(Object.create(tx) as IngestTx, { listLeadEvents: async () => events, listAnonymousEvents: async () => events });
}

async function rescoreLeadByLead(
  db: Repository, siteKey: string, rules: Rules, { now, batchSize }: { now: number; batchSize: number }, result: RescoreResult, progress: (n: number) => void,
) {
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
    progress(ids.length);
    after = ids[ids.length - 1];
  }
}

async function rescoreVisitorByVisitor(db: Repository, siteKey: string, rules: Rules, batchSize: number, result: RescoreResult, progress: (n: number) => void) {
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
    progress(vids.length);
    after = vids[vids.length - 1];
  }
}
