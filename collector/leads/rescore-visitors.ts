// Rescore's anonymous visitors: read, scored and stored page by page, in this thread or in a worker thread beside it.
import { Worker } from 'node:worker_threads';
import type { RescoreCursor, RescoredVisitor, RescoreStamp, Repository, ScoredEventFields, Site, Visitor } from '../db/repository';
import { scoreEvents, type Rules } from '../scoring';
import { scoreVisitor, toScoringEvent } from './score';

type ScoredVisitor = { visitor: Visitor; stamp: RescoreStamp; score: RescoredVisitor | null };
/** The next range of positions to rescore, (after, until], or null when there is none left. */
export type VisitorRanges = () => { after: number; until: number } | null;
export type VisitorPass = { readRows: number; batchSize: number; onStored?: (n: number) => void; ranges?: VisitorRanges };

/**
 * Ranges of `width` positions up to `last`, handed out in order to whichever thread asks first: `claims` (one Int32,
 * zero at first) is shared between the threads, so each range is rescored once.
 */
export function sharedRanges(claims: SharedArrayBuffer, width: number, last: number): VisitorRanges {
  const next = new Int32Array(claims);
  return () => {
    const after = Atomics.add(next, 0, 1) * width;
    return after < last ? { after, until: after + width } : null;
  };
}

/**
 * Rescores the site's anonymous visitors (those in `pass.ranges`, else all): pages read and scored outside any
 * transaction, stored `batchSize` rows per transaction, each row only if it still holds what was read (else scored
 * again from its history, in the transaction). Returns how many visitors it rescored.
 */
export async function rescoreVisitors(db: Repository, site: string, rules: Rules, pass: VisitorPass): Promise<number> {
  let count = 0;
  let scored: ScoredVisitor[] = [];
  const store = async () => {
    await storeVisitors(db, rules, scored);
    count += scored.length;
    pass.onStored?.(scored.length);
    scored = [];
  };
  const { ranges } = pass;
  const everyone = { after: 0, until: Number.MAX_SAFE_INTEGER };
  for (let range = ranges ? ranges() : everyone; range; range = ranges ? ranges() : null) {
    for (let after: RescoreCursor | null = range.after || null; ; ) {
      const page = await db.rescoreVisitors(site, after, pass.readRows, range.until);
      for (const row of page.rows) scored.push(rescoredVisitor(rules, row));
      if (scored.length >= pass.batchSize) await store();
      if (page.next === null) break;
      after = page.next;
    }
    if (scored.length > 0) await store(); // a range ends with its transaction
  }
  return count;
}

/** The visitor's score from its whole history (pure): null when its row holds it already. */
function rescoredVisitor(rules: Rules, row: { visitor: Visitor; events: ScoredEventFields[]; stamp: RescoreStamp }): ScoredVisitor {
  const { visitor, stamp } = row;
  const state = scoreEvents(rules, row.events.map(toScoringEvent));
  const unchanged = state.scoreKey === visitor.scoreKey && sameJson(state, visitor.scoreState);
  return { visitor, stamp, score: unchanged ? null : { scoreKey: state.scoreKey, state: JSON.stringify(state) } };
}

async function storeVisitors(db: Repository, rules: Rules, page: ScoredVisitor[]): Promise<void> {
  const [r] = await db.writeGroup([page], async (tx, rows) => {
    // All at once: PostgreSQL pipelines them; SQLite runs them in order.
    const stored = await Promise.all(rows.map(({ stamp, score }) => score === null || tx.storeRescoredVisitor(stamp, score)));
    for (let i = 0; i < rows.length; i++) {
      if (stored[i]) continue;
      // Changed since the page was read; identified meanwhile, its points now count for its lead.
      const current = await tx.getVisitor(rows[i].visitor.site, rows[i].visitor.vid);
      if (current && current.leadId === null) await scoreVisitor(tx, rules, current);
    }
  });
  if (!r.ok) throw r.error;
}

/** What the worker needs: its own connection to the same database, and the rules as stored (it parses them itself). */
export type WorkerInput = {
  databaseUrl: string;
  site: string;
  rules: Site['rules'];
  readRows: number;
  batchSize: number;
  /** Ranges shared with the main thread (sharedRanges' arguments), or none: the worker does every visitor. */
  shared?: { claims: SharedArrayBuffer; width: number; last: number };
};
export type WorkerMessage = { stored: number } | { done: number } | { error: string };

/**
 * Runs rescoreVisitors in a worker thread on its own connection, at once: the visitors are read, scored and stored
 * while this thread does the leads (the two threads' write transactions take turns). Resolves with how many it
 * rescored; `stop` ends the worker (when the leads failed).
 */
export function rescoreVisitorsInWorker(
  input: WorkerInput,
  onStored: (n: number) => void,
): { done: Promise<number>; stop(): Promise<void> } {
  // The source runs through tsx (rescore-worker.mjs registers it in the thread); the build (dist/collector) as it is.
  const entry = import.meta.url.endsWith('.ts') ? './rescore-worker.mjs' : './rescore-worker.js';
  const worker = new Worker(new URL(entry, import.meta.url), { workerData: input });
  const done = new Promise<number>((resolve, reject) => {
    worker.on('message', (m: WorkerMessage) => {
      if ('stored' in m) onStored(m.stored);
      else if ('done' in m) resolve(m.done);
      else reject(new Error(`rescore worker: ${m.error}`));
    });
    worker.on('error', reject);
    worker.on('exit', (code) => reject(new Error(`rescore worker stopped (exit code ${code})`))); // no-op once resolved
  });
  done.catch(() => {}); // awaited by the caller, or abandoned after stop()
  return {
    done,
    async stop() {
      await worker.terminate();
    },
  };
}

/** Whether two JSON values (a parsed stored state and a new one) are equal; a key whose value is undefined counts as a difference. */
export function sameJson(a: unknown, b: unknown): boolean {
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
