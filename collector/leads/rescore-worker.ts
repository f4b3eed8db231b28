// Rescore's worker thread: rescores on its own connection beside the main thread (ranges of the shared plan, else the
// anonymous visitors).
import { parentPort, workerData } from 'node:worker_threads';
import { openDatabase } from '../db/open';
import { siteRules } from './rules';
import { rescorePass, type WorkerInput, type WorkerMessage } from './rescore-pass';
import { sharedTasks, wholeTasks, WriteTurn } from './rescore-share';

const input = workerData as WorkerInput;
const send = (m: WorkerMessage) => parentPort!.postMessage(m);

try {
  const db = await openDatabase(input.databaseUrl);
  try {
    const { plan } = input;
    const pass = {
      site: input.site,
      rules: siteRules(input),
      model: input.model,
      now: input.now,
      readRows: input.readRows,
      batchSize: input.batchSize,
      onStored: (n: number) => send({ stored: n }),
    };
    send({ done: await rescorePass(db, pass, plan ? sharedTasks(plan, 'visitors') : wholeTasks('visitors'), new WriteTurn(plan)) });
  } finally {
    await db.close();
  }
} catch (error) {
  send({ error: error instanceof Error ? (error.stack ?? error.message) : String(error) });
}
