// The collector's WAL checkpointer: a worker thread that copies committed pages from the WAL into the database file on
// its own connection, so the ingest's COMMIT only appends to the WAL. Plain JavaScript: it needs nothing from the
// TypeScript sources, and a worker thread that loads tsx costs more memory than it saves.
import { parentPort, workerData } from 'node:worker_threads';
import BetterSqlite3 from 'better-sqlite3';

/** @type {{ filename: string, everyMs: number }} */
const { filename, everyMs } = workerData;
const db = new BetterSqlite3(filename, { fileMustExist: true });
let timer;

function checkpoint() {
  try {
    // PASSIVE never waits for readers or writers: it copies what it can, and the next round copies the rest.
    db.pragma('wal_checkpoint(PASSIVE)');
  } catch (error) {
    // A busy or failing checkpoint loses nothing (the pages stay in the WAL); the collector's own fallback still runs.
    parentPort.postMessage({ error: error instanceof Error ? error.message : String(error) });
  }
  timer = setTimeout(checkpoint, everyMs);
}

parentPort.on('message', (message) => {
  if (message !== 'stop') return;
  clearTimeout(timer);
  db.close();
  parentPort.close();
});
checkpoint();
