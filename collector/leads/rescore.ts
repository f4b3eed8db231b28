// `piste rescore`: recomputes scores, fit, grades and automatic stage moves of a site from its stored history.
import type { GroupResult, IngestTx, Lead, Repository, StoredEvent, Visitor } from '../db/repository';
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
    const history = rescoreTx(tx);
    for (const { lead, events } of entries) {
      history.use(events, lead);
      lead.scoreState = null; // rescored from history, never folded onto the stored state
      if (await scoreLead(history.tx, rules, lead, now)) moved++;
      await updateProbability(history.tx, rules, lead, now);
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
    const history = rescoreTx(tx);
    for (const { visitor, events } of entries) {
      history.use(events, visitor);
      visitor.scoreState = null; // rescored from history, never folded onto the stored state
      await scoreVisitor(history.tx, rules, visitor);
    }
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

/**
 * The transaction of one page, for one lead or visitor at a time (`use`): its history is answered from the events
 * already read, and a score or probability equal to the stored one is not written again. Most rows of a rescore
 * without a rules change keep their values, and an UPDATE rewrites the row's page and its index entries even then.
 * States are compared as JSON values, without serializing them (two JSON.stringify per row cost more than the
 * UPDATE they save on a first rescore, which finds no stored state).
 */
function rescoreTx(tx: IngestTx) {
  let events: StoredEvent[] = [];
  // What the row holds now: updated on every write, so a second write of the same row compares with the first.
  const row = { scoreKey: 0, scoreState: null as unknown, fitPoints: 0, grade: null as string | null, probability: null as number | null };
  const sameScore = (c: { scoreKey: number; scoreState: unknown }) => c.scoreKey === row.scoreKey && sameJson(c.scoreState, row.scoreState);
  const wrapped: IngestTx = Object.assign(Object.create(tx) as IngestTx, {
    listLeadEvents: async () => events,
    listAnonymousEvents: async () => events,
    updateLeadScore: async (id: string, c: Parameters<IngestTx['updateLeadScore']>[1]) => {
      if (c.fitPoints === row.fitPoints && c.grade === row.grade && sameScore(c)) return;
      Object.assign(row, { scoreKey: c.scoreKey, scoreState: c.scoreState, fitPoints: c.fitPoints, grade: c.grade });
      await tx.updateLeadScore(id, c);
    },
    updateVisitorScore: async (site: string, vid: string, c: Parameters<IngestTx['updateVisitorScore']>[2]) => {
      if (sameScore(c)) return;
      Object.assign(row, { scoreKey: c.scoreKey, scoreState: c.scoreState });
      await tx.updateVisitorScore(site, vid, c);
    },
    updateLeadProbability: async (id: string, probability: number | null) => {
      if (probability === row.probability) return;
      row.probability = probability;
      await tx.updateLeadProbability(id, probability);
    },
  });
  return {
    tx: wrapped,
    /** Scores `stored` next (a lead or a visitor): remembers its stored values before scoring replaces them in place. */
    use(storedEvents: StoredEvent[], stored: Lead | Visitor) {
      events = storedEvents;
      row.scoreKey = stored.scoreKey;
      row.scoreState = stored.scoreState;
      row.fitPoints = 'fitPoints' in stored ? stored.fitPoints : 0;
      row.grade = 'grade' in stored ? stored.grade : null;
      row.probability = 'probability' in stored ? stored.probability : null;
    },
  };
}

/** Whether two JSON values (a parsed stored state and a new one) are equal; a key whose value is undefined counts as a difference. */
function sameJson(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (typeof a !== 'object' || typeof b !== 'object' || a === null || b === null || Array.isArray(a) !== Array.isArray(b)) return false;
  const x = a as Record<string, unknown>;
  const y = b as Record<string, unknown>;
  let n = 0;
  for (const key in x) {
    if (!Object.hasOwn(y, key) || !sameJson(x[key], y[key])) return false;
    n++;
  }
  for (const _ in y) n--;
  return n === 0;
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
