// Rescore's worker thread: rescores the anonymous visitors on its own connection while the main thread does the leads.
import { parentPort, workerData } from 'node:worker_threads';
import { openDatabase } from '../db/open';
import { siteRules } from './rules';
import { rescoreVisitors, sharedRanges, type WorkerInput, type WorkerMessage } from './rescore-visitors';

const input = workerData as WorkerInput;
const send = (m: WorkerMessage) => parentPort!.postMessage(m);

try {
  const db = await openDatabase(input.databaseUrl);
  try {
    const { shared } = input;
    const ranges = shared && sharedRanges(shared.claims, shared.width, shared.last);
    const pass = { readRows: input.readRows, batchSize: input.batchSize, ranges, onStored: (n: number) => send({ stored: n }) };
    send({ done: await rescoreVisitors(db, input.site, siteRules({ rules: input.rules }), pass) });
  } finally {
    await db.close();
  }
} catch (error) {
  send({ error: error instanceof Error ? (error.stack ?? error.message) : String(error) });
}
