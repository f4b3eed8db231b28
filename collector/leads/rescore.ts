// `piste rescore`: recomputes scores, fit, grades, probabilities and automatic stage moves of a site from its stored history.
import type { Lead, RescoreCursor, RescoredLead, RescoreStamp, Repository, ScoredEventFields } from '../db/repository';
import { scoreEvents, type Rules, type ScoreState } from '../scoring';
import type { Stage } from '../stages';
import { leadProbability, parseModelParams, type ModelParams } from '../predict/model';
import { scoredLeadInput, updateProbability } from '../predict/live';
import { leadScoreOf, scoreLead, toScoringEvent } from './score';
import { rescoreVisitors, rescoreVisitorsInWorker, sameJson, sharedRanges } from './rescore-visitors';
import { changeStage } from './stages';
import { siteRules } from './rules';

export type RescoreProgress = { done: number; total: number };
export type RescoreResult = { leads: number; visitors: number; moved: number };

type Options = {
  now: number;
  onProgress?: (p: RescoreProgress) => void;
  /** rows per transaction */
  batchSize?: number;
  /**
   * The database's URL, to rescore the anonymous visitors in a worker thread with its own connection while this thread
   * does the leads (both cores of a small machine); without it, one after the other here.
   */
  databaseUrl?: string;
};

/**
 * Rows per transaction. A page is scored outside any transaction and stored in one: the fewer the transactions, the
 * fewer times the score indexes' pages are rewritten (20 of 5,000 leads wrote them 20 times: 2.8 s against 1.7 s for
 * 4 of 25,000). One transaction holds the write lock for about half a second at 1M events.
 */
const WRITE_ROWS = 25_000;
/** Rows per read: a page's events are dropped once scored, so fewer of them live long enough to cost the GC. */
const READ_ROWS = 1_000;
/** Visitor positions per range the two threads share (about 7,000 anonymous visitors at 1M events). */
const VISITOR_RANGE = 10_000;

/**
 * Rescores every lead and anonymous visitor of `siteKey` with the site's current rules and active model, by the same
 * code as live scoring. Idempotent: a second run stores the same values, writes no unchanged row and moves nothing.
 * Stages only move forward (a lead never goes back because rules got stricter).
 *
 * Each page is read (a constant number of queries) and scored outside any transaction, so the collector keeps
 * ingesting meanwhile; the transaction that stores the page writes a row only if it still holds what was read. A row
 * that another writer changed since (a new event, an identification, a salesperson's move) is scored again from its
 * history inside that transaction. Cost is linear in events.
 * @example await rescoreSite(db, 'acme', { now: Date.now(), onProgress: ({ done, total }) => bar.update(done, { total }) })
 */
export async function rescoreSite(db: Repository, siteKey: string, opts: Options): Promise<RescoreResult> {
  const site = await db.getSite(siteKey);
  if (!site) throw new Error(`no site "${siteKey}"`);
  const rules = siteRules(site); // invalid stored rules throw here, before anything is written
  const { now, batchSize = WRITE_ROWS } = opts;
  const readRows = Math.min(batchSize, READ_ROWS);
  const stored = await db.getActiveModel(siteKey); // one model for the whole run, as one set of rules
  const model = stored ? parseModelParams(stored.params) : null;
  const result: RescoreResult = { leads: 0, visitors: 0, moved: 0 };
  const total = (await db.countLeads(siteKey)) + (await db.anonymousVisitorsAtMost(siteKey));
  let done = 0;
  const progress = (n: number) => {
    done += n;
    opts.onProgress?.({ done, total: Math.max(total, done) });
  };
  const pass = { readRows, batchSize, onStored: progress };
  progress(0);

  // With a database URL, a worker thread rescores the visitors meanwhile; where positions are numbers, this thread
  // joins it once the leads are done, range by range, so both finish together.
  const last = opts.databaseUrl ? await db.visitorPositions?.() : undefined;
  const shared = last === undefined ? undefined : { claims: new SharedArrayBuffer(4), width: Math.min(batchSize, VISITOR_RANGE), last };
  const worker = opts.databaseUrl
    ? rescoreVisitorsInWorker({ databaseUrl: opts.databaseUrl, site: siteKey, rules: site.rules, readRows, batchSize, shared }, progress)
    : null;
  try {
    let leads: ScoredLead[] = [];
    for (let after: RescoreCursor | null = null; ; ) {
      const page = await db.rescoreLeads(siteKey, after, readRows);
      for (const row of page.rows) leads.push(rescoredLead(rules, model, row, now));
      if (leads.length >= batchSize || page.next === null) {
        result.moved += await storeLeads(db, rules, leads, now);
        result.leads += leads.length;
        progress(leads.length);
        leads = [];
      }
      if (page.next === null) break;
      after = page.next;
    }
    if (!worker) result.visitors = await rescoreVisitors(db, siteKey, rules, pass);
    else {
      if (shared) result.visitors += await rescoreVisitors(db, siteKey, rules, { ...pass, ranges: sharedRanges(shared.claims, shared.width, shared.last) });
      result.visitors += await worker.done;
    }
  } finally {
    await worker?.stop();
  }
  opts.onProgress?.({ done, total: done }); // the total was an upper bound
  return result;
}

type ScoredLead = { lead: Lead; stamp: RescoreStamp; state: ScoreState; score: RescoredLead | null; move: { to: Stage; cause: string } | null };

/**
 * The lead's values from its whole history (pure): what the live path would have stored (null when its row holds them
 * already), and the move it would make.
 */
function rescoredLead(rules: Rules, model: ModelParams | null, row: { lead: Lead; events: ScoredEventFields[]; stamp: RescoreStamp }, now: number): ScoredLead {
  const { lead, stamp } = row;
  const events = row.events.map(toScoringEvent);
  const state = scoreEvents(rules, events, { since: lead.rejectedAt });
  const { summary, fit, move } = leadScoreOf(rules, lead, state, now);
  const probability = model ? leadProbability(model, scoredLeadInput(lead, events), rules, now).probability : null;
  const unchanged =
    summary.scoreKey === lead.scoreKey && fit.points === lead.fitPoints && fit.grade === lead.grade && probability === lead.probability &&
    sameJson(state, lead.scoreState);
  const score = unchanged ? null : { scoreKey: summary.scoreKey, state: JSON.stringify(state), fitPoints: fit.points, grade: fit.grade, probability };
  return { lead, stamp, state, score, move };
}

/**
 * Stores leads in one transaction and applies their moves; returns how many moved. Unchanged rows are not written
 * (an UPDATE rewrites the row's page and index entries even with equal values).
 */
async function storeLeads(db: Repository, rules: Rules, page: ScoredLead[], now: number): Promise<number> {
  const [r] = await db.writeGroup([page], async (tx, rows) => {
    // All at once: PostgreSQL pipelines them; SQLite runs them in order.
    const stored = await Promise.all(rows.map(({ stamp, score }) => score === null || tx.storeRescoredLead(stamp, score)));
    let moved = 0;
    for (let i = 0; i < rows.length; i++) {
      const { lead, state, score, move } = rows[i];
      if (!stored[i]) {
        // Changed since the page was read: scored again from its history, in this transaction (gone: erased meanwhile).
        const current = await tx.getLead(lead.id);
        if (!current) continue;
        if (await scoreLead(tx, rules, current, now)) moved++;
        await updateProbability(tx, rules, current, now);
        continue;
      }
      if (score) Object.assign(lead, { scoreKey: score.scoreKey, scoreState: state, fitPoints: score.fitPoints, grade: score.grade, probability: score.probability });
      if (move && (await changeStage(tx, lead, move.to, { cause: move.cause, actor: null, now, rules }))) moved++;
    }
    return moved;
  });
  if (!r.ok) throw r.error;
  return r.value;
}
