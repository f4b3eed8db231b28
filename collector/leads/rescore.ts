// `piste rescore`: recomputes scores, fit, grades, probabilities and automatic stage moves of a site from its stored history.
import type { Repository } from '../db/repository';
import { parseModelParams } from '../predict/model';
import { rescoreInWorker, rescorePass, type PassCounts } from './rescore-pass';
import { sharedPlan, sharedTasks, wholeTasks, WriteTurn } from './rescore-share';
import { siteRules } from './rules';

export type RescoreProgress = { done: number; total: number };
export type RescoreResult = PassCounts;

type Options = {
  now: number;
  onProgress?: (p: RescoreProgress) => void;
  /** rows per transaction */
  batchSize?: number;
  /**
   * The database's URL, to rescore in a worker thread too, with its own connection (both cores of a small machine);
   * without it, this thread does everything.
   */
  databaseUrl?: string;
};

/**
 * Rows per transaction. A page is scored outside any transaction and stored in one: the fewer the transactions, the
 * fewer times the score indexes' pages are rewritten (20 of 5,000 leads wrote them 20 times: 2.8 s against 1.7 s for
 * 4 of 25,000). One transaction of leads holds the write lock for about 0.7 s at 1M events.
 */
const WRITE_ROWS = 25_000;
/** Rows per read: a page's events are dropped once scored, so fewer of them live long enough to cost the GC. */
const READ_ROWS = 1_000;
/** Positions per range the two threads share (10,000 leads, or about 7,000 anonymous visitors at 1M events). */
const RANGE = 10_000;

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
  const total = (await db.countLeads(siteKey)) + (await db.anonymousVisitorsAtMost(siteKey));
  let done = 0;
  const onStored = (n: number) => {
    done += n;
    opts.onProgress?.({ done, total: Math.max(total, done) });
  };
  const pass = { site: siteKey, rules, model, now, readRows, batchSize, onStored };
  onStored(0);

  if (!opts.databaseUrl) return finish(await rescorePass(db, pass, wholeTasks('leads', 'visitors'), new WriteTurn()));
  // A worker thread on its own connection works meanwhile. Where positions are numbers, both take ranges from one
  // shared plan (this thread the leads first, the worker the visitors, then each helps the other) and take turns to
  // write; else the worker does the visitors.
  const positions = await db.rescorePositions?.();
  const plan = positions && sharedPlan(positions, Math.min(batchSize, RANGE));
  const worker = rescoreInWorker({ databaseUrl: opts.databaseUrl, site: siteKey, rules: site.rules, model, now, readRows, batchSize, plan }, onStored);
  let failed = false;
  worker.done.catch(() => (failed = true));
  const tasks = plan ? sharedTasks(plan, 'leads') : wholeTasks('leads');
  try {
    // Once the worker has failed, this thread takes no new range: the run fails with the worker's error.
    const mine = await rescorePass(db, pass, () => (failed ? null : tasks()), new WriteTurn(plan));
    const theirs = await worker.done;
    return finish({ leads: mine.leads + theirs.leads, visitors: mine.visitors + theirs.visitors, moved: mine.moved + theirs.moved });
  } finally {
    await worker.stop();
  }

  function finish(result: RescoreResult): RescoreResult {
    opts.onProgress?.({ done, total: done }); // the total was an upper bound
    return result;
  }
}
