// Rescore's pass over leads and anonymous visitors: read page by page, scored outside any transaction, stored in
// transactions that take turns. One thread runs it alone, or two threads share it range by range (rescore.ts).
import { Worker } from 'node:worker_threads';
import type { Lead, RescoreCursor, RescoredLead, RescoredVisitor, RescoreStamp, Repository, ScoredEventFields, Site, Visitor } from '../db/repository';
import { leadProbability, type ModelParams } from '../predict/model';
import { scoredLeadInput, updateProbability } from '../predict/live';
import { scoreEvents, type Rules, type ScoreState } from '../scoring';
import type { Stage } from '../stages';
import { leadScoreOf, scoreLead, scoreVisitor, toScoringEvent } from './score';
import { changeStage } from './stages';
import { WriteTurn, type SharedPlan, type Tasks } from './rescore-share';

/** What one pass rescores with: one set of rules, one model and one `now` for the whole run, whichever thread. */
export type PassOptions = {
  site: string;
  rules: Rules;
  model: ModelParams | null;
  now: number;
  /** rows per read */
  readRows: number;
  /** rows per transaction (about: up to twice as many wait while the other thread writes) */
  batchSize: number;
  onStored?: (n: number) => void;
};
export type PassCounts = { leads: number; visitors: number; moved: number };

type ScoredLead = { lead: Lead; stamp: RescoreStamp; state: ScoreState; score: RescoredLead | null; move: { to: Stage; cause: string } | null };
type ScoredVisitor = { visitor: Visitor; stamp: RescoreStamp; score: RescoredVisitor | null };

/**
 * Rescores the tasks' leads and anonymous visitors. Pages are read and scored outside any transaction; once a
 * transaction's worth is scored it is stored if the turn is free, else scoring goes on (up to twice that, then it
 * waits). Each row is written only if it still holds what was read, else scored again from its history inside the
 * transaction. Returns what it rescored.
 */
export async function rescorePass(db: Repository, o: PassOptions, tasks: Tasks, turn: WriteTurn): Promise<PassCounts> {
  const counts: PassCounts = { leads: 0, visitors: 0, moved: 0 };
  let leads: ScoredLead[] = [];
  let visitors: ScoredVisitor[] = [];
  const store = async (wait: boolean) => {
    if (leads.length + visitors.length === 0) return;
    if (!turn.tryTake()) {
      if (!wait) return;
      await turn.take();
    }
    try {
      if (leads.length > 0) {
        counts.moved += await storeLeads(db, o, leads);
        counts.leads += leads.length;
        o.onStored?.(leads.length);
        leads = [];
      }
      if (visitors.length > 0) {
        await storeVisitors(db, o.rules, visitors);
        counts.visitors += visitors.length;
        o.onStored?.(visitors.length);
        visitors = [];
      }
    } finally {
      turn.give();
    }
  };
  // Rows are stored once a transaction's worth is scored. In the endgame (the last ranges are out) a fifth of that: a
  // thread that held a large store back until its last range was scored would write it alone while the other sat idle
  // (1.45 s of a 12.9 s run at 1M events).
  let storeAt = o.batchSize;
  for (let task = tasks(); task; task = tasks()) {
    if (task.endgame) storeAt = Math.ceil(o.batchSize / 5);
    for (let after: RescoreCursor | null = task.after || null; ; ) {
      const next: RescoreCursor | null =
        task.kind === 'leads'
          ? await scorePage(db.rescoreLeads(o.site, after, o.readRows, task.until), (row) => leads.push(rescoredLead(o, row)))
          : await scorePage(db.rescoreVisitors(o.site, after, o.readRows, task.until), (row) => visitors.push(rescoredVisitor(o.rules, row)));
      const pending = leads.length + visitors.length;
      if (pending >= storeAt) await store(pending >= 2 * storeAt);
      if (next === null) break;
      after = next;
    }
  }
  await store(true);
  return counts;
}

async function scorePage<T>(read: Promise<{ rows: T[]; next: RescoreCursor | null }>, score: (row: T) => void): Promise<RescoreCursor | null> {
  const page = await read;
  for (const row of page.rows) score(row);
  return page.next;
}

/**
 * The lead's values from its whole history (pure): what the live path would have stored (null when its row holds them
 * already), and the move it would make.
 */
function rescoredLead(o: PassOptions, row: { lead: Lead; events: ScoredEventFields[]; stamp: RescoreStamp }): ScoredLead {
  const { rules, model, now } = o;
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
async function storeLeads(db: Repository, o: PassOptions, page: ScoredLead[]): Promise<number> {
  const { rules, now } = o;
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

/** The visitor's score from its whole history (pure): null when its row holds it already. */
function rescoredVisitor(rules: Rules, row: { visitor: Visitor; events: ScoredEventFields[]; stamp: RescoreStamp }): ScoredVisitor {
  const { visitor, stamp } = row;
  const state = scoreEvents(rules, row.events.map(toScoringEvent));
  const unchanged = state.scoreKey === visitor.scoreKey && sameJson(state, visitor.scoreState);
  return { visitor, stamp, score: unchanged ? null : { scoreKey: state.scoreKey, state: JSON.stringify(state) } };
}

async function storeVisitors(db: Repository, rules: Rules, page: ScoredVisitor[]): Promise<void> {
  const [r] = await db.writeGroup([page], async (tx, rows) => {
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

/** What the worker needs: its own connection to the same database, the run's rules as stored and its model. */
export type WorkerInput = {
  databaseUrl: string;
  site: string;
  rules: Site['rules'];
  model: ModelParams | null;
  now: number;
  readRows: number;
  batchSize: number;
  /** The plan shared with the main thread, or none: the worker does the anonymous visitors alone. */
  plan?: SharedPlan;
};
export type WorkerMessage = { stored: number } | { done: PassCounts } | { error: string };

/**
 * Runs rescorePass in a worker thread on its own connection, at once, beside this thread. Resolves with what it
 * rescored; `stop` ends the worker (when this thread failed). A worker that dies gives the turn back, so this thread
 * never waits for it.
 */
export function rescoreInWorker(input: WorkerInput, onStored: (n: number) => void): { done: Promise<PassCounts>; stop(): Promise<void> } {
  // The source runs through tsx (rescore-worker.mjs registers it in the thread); the build (dist/collector) as it is.
  const entry = import.meta.url.endsWith('.ts') ? './rescore-worker.mjs' : './rescore-worker.js';
  const worker = new Worker(new URL(entry, import.meta.url), { workerData: input });
  const done = new Promise<PassCounts>((resolve, reject) => {
    worker.on('message', (m: WorkerMessage) => {
      if ('stored' in m) onStored(m.stored);
      else if ('done' in m) resolve(m.done);
      else reject(new Error(`rescore worker: ${m.error}`));
    });
    worker.on('error', reject);
    worker.on('exit', (code) => reject(new Error(`rescore worker stopped (exit code ${code})`))); // no-op once resolved
  });
  // Failed or stopped: its connection is closed (its open transaction rolled back), so the turn is free.
  done.catch(() => input.plan && new WriteTurn(input.plan).give());
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

