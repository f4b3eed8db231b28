// Retention (SPEC §7, privacy): deletes events older than the retention period, anonymous visitors left without events,
// and finished webhook deliveries as old (their payloads name the lead).
import type { Clock } from '../clock';
import type { PurgedBatch, Repository } from '../db/repository';
import { siteRules } from '../leads/rules';
import { rescoreRemaining, scoreVisitor } from '../leads/score';
import type { Rules } from '../scoring';

export const DAY_MS = 86_400_000;
/** About 25 months: PISTE_RETENTION_DAYS' default. */
export const DEFAULT_RETENTION_DAYS = 760;
const DEFAULT_BATCH_SIZE = 1000;

export type PurgeOptions = {
  now: number;
  retentionDays?: number;
  /** Rows deleted per statement: each batch is its own short transaction, so ingest keeps writing during a large purge. */
  batchSize?: number;
  /** Stops between batches (shutdown); what was deleted so far stays deleted and consistent. */
  signal?: AbortSignal;
};

export type PurgeResult = {
  /** Events with `ts` before this instant were deleted. */
  before: number;
  events: number;
  visitors: number;
  /** Delivered or failed webhook deliveries (pending ones stay until the worker is done with them). */
  deliveries: number;
  /** Leads whose events were purged (each once); they stay (they are the customer's records), recounted and scored again. */
  leads: number;
};

/**
 * Applies the retention period. Leads are kept; their counters are recounted and their scores computed again from the
 * events that remain (so a lead's breakdown never shows points of events that are gone), and so are the scores of
 * anonymous visitors with events left. Stages do not move.
 * @example const { events, visitors } = await purge(db, { now: Date.now(), retentionDays: config.retentionDays })
 */
export async function purge(db: Repository, options: PurgeOptions): Promise<PurgeResult> {
  const { now, retentionDays = DEFAULT_RETENTION_DAYS, batchSize = DEFAULT_BATCH_SIZE, signal } = options;
  if (!Number.isInteger(retentionDays) || retentionDays < 1) throw new RangeError('retentionDays must be a positive integer');
  if (!Number.isInteger(batchSize) || batchSize < 1) throw new RangeError('batchSize must be a positive integer');
  const before = now - retentionDays * DAY_MS;
  const result: PurgeResult = { before, events: 0, visitors: 0, deliveries: 0, leads: 0 };
  const rules = new Map<string, Promise<Rules | null>>();
  const rulesOf = (key: string) => {
    let r = rules.get(key);
    if (!r) rules.set(key, (r = db.getSite(key).then((site) => (site ? siteRules(site) : null))));
    return r;
  };

  // Whose events went: scored again once about `batchSize` of them are waiting, and before returning. (A lead with
  // years of history spans many batches; scoring it after each one would read that history each time.)
  const leads = new Set<string>();
  const waiting: PurgedBatch = { deleted: 0, leadIds: [], anonymous: [] };
  const scoreWaiting = async () => {
    await scoreWhatRemains(db, waiting, now, rulesOf);
    waiting.leadIds = [];
    waiting.anonymous = [];
  };
  for (;;) {
    if (signal?.aborted) break;
    const purged = await db.deleteEventsBefore(before, batchSize);
    result.events += purged.deleted;
    // Recounted per batch, so an interrupted purge never leaves a lead counting events that are gone.
    if (purged.leadIds.length > 0) await db.recountLeadActivity(purged.leadIds);
    for (const id of purged.leadIds) leads.add(id);
    waiting.leadIds.push(...purged.leadIds);
    waiting.anonymous.push(...purged.anonymous);
    if (waiting.leadIds.length + waiting.anonymous.length >= batchSize) await scoreWaiting();
    if (purged.deleted < batchSize) break;
    await yieldToOthers();
  }
  await scoreWaiting();
  result.leads = leads.size;
  if (signal?.aborted) return result;
  result.visitors = await inBatches(() => db.deleteIdleAnonymousVisitors(before, batchSize), batchSize, signal);
  result.deliveries = await inBatches(() => db.deleteDeliveriesBefore(before, batchSize), batchSize, signal);
  return result;
}

/**
 * Scores each lead and anonymous visitor of a purged batch again from what it has left, in short transactions: on
 * SQLite (one writer) up to 100 rows each, on PostgreSQL one row each, read under its lock, so an event ingested
 * meanwhile is never lost from the score and no two transactions wait on each other's rows (no deadlock with ingest).
 */
async function scoreWhatRemains(db: Repository, purged: PurgedBatch, now: number, rulesOf: (site: string) => Promise<Rules | null>) {
  type Row = { leadId: string } | { site: string; vid: string };
  const rows: Row[] = [...new Set(purged.leadIds)].map((leadId) => ({ leadId }));
  rows.push(...new Map(purged.anonymous.map((v) => [`${v.site}\u0000${v.vid}`, v])).values());
  const perTransaction = db.dialect === 'sqlite' ? 100 : 1;
  for (let i = 0; i < rows.length; i += perTransaction) {
    const results = await db.writeGroup(rows.slice(i, i + perTransaction), async (tx, row) => {
      if ('leadId' in row) {
        const lead = await tx.getLead(row.leadId);
        const rules = lead && (await rulesOf(lead.site));
        if (lead && rules) await rescoreRemaining(tx, rules, lead, now);
      } else {
        const visitor = await tx.getVisitor(row.site, row.vid);
        const rules = await rulesOf(row.site);
        if (visitor && visitor.leadId === null && rules) await scoreVisitor(tx, rules, visitor);
      }
    });
    const failed = results.find((r) => !r.ok);
    if (failed && !failed.ok) throw failed.error;
  }
}

/** Runs `deleteBatch` until it deletes fewer than `batchSize` rows (or the signal stops it); returns the total. */
async function inBatches(deleteBatch: () => Promise<number>, batchSize: number, signal?: AbortSignal): Promise<number> {
  let total = 0;
  for (;;) {
    if (signal?.aborted) return total;
    const deleted = await deleteBatch();
    total += deleted;
    if (deleted < batchSize) return total;
    await yieldToOthers();
  }
}

/** Lets queued requests (and their writes) run between two batches. */
const yieldToOthers = () => new Promise<void>((resolve) => setImmediate(resolve));

export type PurgeJob = { stop(): Promise<void> };

export type PurgeJobOptions = {
  db: Repository;
  clock: Clock;
  retentionDays: number;
  /** First run this long after start (default one minute), then every `everyMs` (default 24 h). */
  firstRunMs?: number;
  everyMs?: number;
  log?: (line: string) => void;
  onError?: (err: unknown) => void;
};

/**
 * The daily purge inside `piste serve`. Timers are unref'd (they never keep the process alive); `stop()` cancels the
 * next run and waits for a running one to stop after its current batch.
 * @example const job = startPurgeJob({ db, clock: systemClock, retentionDays: 760 }); … await job.stop();
 */
export function startPurgeJob(options: PurgeJobOptions): PurgeJob {
  const { db, clock, retentionDays, firstRunMs = 60_000, everyMs = DAY_MS, log = () => {}, onError = (err) => console.error('purge failed:', err) } = options;
  const abort = new AbortController();
  let running: Promise<void> = Promise.resolve();
  let timer: NodeJS.Timeout;

  let busy = false;
  const run = () => {
    schedule(everyMs);
    if (busy) return; // a purge longer than the interval: let it finish rather than start a second one
    busy = true;
    running = purge(db, { now: clock.now(), retentionDays, signal: abort.signal }).then(
      (r) => {
        if (r.events > 0 || r.visitors > 0 || r.deliveries > 0) log(`purge: ${r.events} events, ${r.visitors} visitors, ${r.deliveries} webhook deliveries deleted (older than ${new Date(r.before).toISOString()})`);
      },
      onError,
    ).finally(() => void (busy = false));
  };
  const schedule = (delay: number) => {
    if (abort.signal.aborted) return;
    timer = setTimeout(run, delay);
    timer.unref();
  };
  schedule(firstRunMs);

  return {
    async stop() {
      abort.abort();
      clearTimeout(timer);
      await running;
    },
  };
}
