// The ingest's storage path alone, in one process: what SQLite and processBatch cost per request, without HTTP.
// `npx tsx bench/storage.ts [--requests 100000] [--group 26] [--events 1] [--visitors 5000]`
//
// The full bench measures the collector as a whole, on two cores shared with the load generator; this isolates the
// part that runs inside the group commit, so a change to it can be compared in a few seconds, with less noise.
// Groups of `--group` requests are committed as the group writer commits them under load (≈ 26 with 50 connections).
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Command } from 'commander';
import { positiveInt } from './args';
import { openSqlite } from '../collector/db/sqlite';
import { processBatch, type PreparedBatch } from '../collector/ingest/process';
import { scoringHooks } from '../collector/leads/score';
import { BENCH_ORIGIN, DESKTOP_UA } from './load';

const count = positiveInt;

const o = new Command('bench/storage.ts')
  .description("times the ingest's storage path (processBatch with scoring, in group transactions) on a fresh SQLite file")
  .option('--requests <n>', 'requests timed, after as many again to warm up (at most 20,000)', count, 100_000)
  .option('--group <n>', 'requests per transaction', count, 26)
  .option('--events <n>', 'pageviews per request', count, 1)
  .option('--visitors <n>', 'visitors the pageviews are spread over (new, then returning)', count, 5_000)
  .parse()
  .opts<{ requests: number; group: number; events: number; visitors: number }>();

const PAGES = ['/', '/pricing', '/features', '/docs/getting-started', '/blog/post-1', '/customers', '/careers', '/contact'];
const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'piste-storage-'));
const db = openSqlite(path.join(dir, 'piste.db'));
db.checkpointInBackground(); // as `piste serve` does
const site = await db.createSite({ key: 'bench', name: 'bench', origins: [BENCH_ORIGIN] }, Date.now());

let n = 0;
/** A request as the route hands it to the writer: validated, categorised, in ts order. */
function request(): PreparedBatch {
  const now = Date.now();
  const events = Array.from({ length: o.events }, () => {
    const i = n++;
    return {
      id: `st-${i.toString(36)}`, vid: `sv-${(i % o.visitors).toString(36)}`, type: 'pageview' as const, ts: now,
      url: `${BENCH_ORIGIN}${PAGES[i % PAGES.length]}`, ref: 'https://www.google.com/', title: 'Bench page',
      cat: PAGES[i % PAGES.length] === '/pricing' ? 'pricing' : null, name: null, props: null, email: null, traits: null, form: null,
      identity: null,
    };
  });
  return { site, receivedAt: now, ip: '127.0.0.0', ua: DESKTOP_UA, events };
}

async function run(requests: number) {
  let stored = 0;
  for (let done = 0; done < requests; done += o.group) {
    const group = Array.from({ length: Math.min(o.group, requests - done) }, request);
    for (const r of await db.writeGroup(group, (tx, batch) => processBatch(tx, batch, scoringHooks))) {
      if (!r.ok) throw r.error;
      stored += r.value.accepted;
    }
  }
  return stored;
}

try {
  await run(Math.min(o.requests, 20_000)); // JIT, page cache, the visitors' first rows
  const cpu = process.cpuUsage();
  const started = performance.now();
  const stored = await run(o.requests);
  const wallUs = ((performance.now() - started) * 1000) / o.requests;
  const used = process.cpuUsage(cpu);
  const result = {
    storage_us_per_request: Number(wallUs.toFixed(2)),
    // the process's CPU: the main thread and the WAL checkpointer thread
    cpu_us_per_request: Number(((used.user + used.system) / o.requests).toFixed(2)),
    requests: o.requests, group: o.group, events_per_request: o.events, events_stored: stored,
  };
  console.log(`${o.requests} requests of ${o.events} event(s), ${o.group} per transaction: ${result.storage_us_per_request} µs per request (wall), ` +
    `${result.cpu_us_per_request} µs of CPU (both threads); ${stored} events stored`);
  console.log(JSON.stringify(result));
  if (stored !== o.requests * o.events) process.exitCode = 1;
} finally {
  await db.close();
  fs.rmSync(dir, { recursive: true, force: true });
}
