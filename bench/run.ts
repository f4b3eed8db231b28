// `npm run bench [-- --quick | --smoke] [--profile] [--no-browser] [--pg]`: the collector and a no-op baseline as child
// processes, load from this process (autocannon), reads on a seeded data set, rescore, script cost. Last stdout line: JSON.
// `--pg` measures PostgreSQL ingest instead, with one and two collectors (bench/pg.ts; PISTE_TEST_PG_URL or local).
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import BetterSqlite3 from 'better-sqlite3';
import { buildIsCurrent } from '../bin/build-current.mjs';
import { datasetFile, flushToDisk } from './dataset';
import { beaconBodies, postLoad, type LoadResult } from './load';
import { pisteNodeFlags, procStatusKb, runNode, sampleRss, startServerChild, type ServerChild } from './processes';
import { runPgBench } from './pg';
import { byArea, readLargestProfile, topFunctions } from './profile';
import { getJson, NotAvailable, sampleLatency } from './reads';
import { CHROMIUM, measureScriptCost } from './script-cost';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const SITE = 'bench';
const ORIGIN = 'http://bench.local';

type Mode = 'full' | 'quick' | 'smoke';
const SIZES = {
  full: { leads: 100_000, events: 1_000_000, rounds: 3, phaseSeconds: 10, connections: 50, reads: 300, loads: 15, rescores: 2 },
  quick: { leads: 10_000, events: 100_000, rounds: 2, phaseSeconds: 3, connections: 50, reads: 100, loads: 5, rescores: 2 },
  smoke: { leads: 100, events: 1_000, rounds: 1, phaseSeconds: 0.5, connections: 10, reads: 10, loads: 1, rescores: 1 },
} satisfies Record<Mode, unknown>;

const argv = process.argv.slice(2);
const mode: Mode = argv.includes('--smoke') ? 'smoke' : argv.includes('--quick') ? 'quick' : 'full';
const profiling = argv.includes('--profile');
const browser = !argv.includes('--no-browser');
const size = SIZES[mode];
const notes: string[] = [];
const log = (line: string) => console.log(line);
const round1 = (n: number | null) => (n === null || !Number.isFinite(n) ? null : Math.round(n * 10) / 10);

const work = fs.mkdtempSync(path.join(os.tmpdir(), 'piste-bench-'));
const dbFile = path.join(work, 'bench.db');
const token = randomBytes(24).toString('base64url');
const env: NodeJS.ProcessEnv = {
  ...process.env,
  PORT: '0',
  DATABASE_URL: `file:${dbFile}`,
  PISTE_API_TOKEN: token,
  PISTE_RATE_LIMIT: '1000000/1000000', // one client IP sends everything here: lift the per-IP limit
};
const BIN = path.join(ROOT, 'bin/piste.mjs');
/** `piste ARGS` as the bench runs it, on `file` (default: the bench's own database). */
const pisteOn = (file: string, ...args: string[]) => runNode([...pisteNodeFlags(BIN), BIN, ...args], { ...env, DATABASE_URL: `file:${file}` }, ROOT);
const piste = (...args: string[]) => pisteOn(dbFile, ...args);

async function mustRun(...args: string[]) {
  const run = await piste(...args);
  if (run.code !== 0) throw new Error(`piste ${args.join(' ')} exited ${run.code}:\n${run.stderr}${run.stdout}`);
  return run;
}

/** The seeded data set: copied from the cache (data/bench-cache) or built now through the collector's ingest code. */
async function prepareDatabase() {
  await mustRun('migrate');
  await mustRun('site', 'add', SITE, '--origin', ORIGIN);
  const dataset = await datasetFile({ root: ROOT, site: SITE, leads: size.leads, events: size.events, seed: 1, cache: mode !== 'smoke', target: dbFile, log });
  return dataset;
}

function countEvents(): number {
  const db = new BetterSqlite3(dbFile, { readonly: true });
  try {
    return (db.prepare('SELECT count(*) AS n FROM events WHERE site = ?').get(SITE) as { n: number }).n;
  } finally {
    db.close();
  }
}

async function measureReads(collector: ServerChild) {
  const out = { leadsListP95: null as number | null, leadDetailP95: null as number | null, funnelMs: null as number | null };
  const stages = ['lead', 'mql', 'sql'];
  try {
    const list = await sampleLatency(collector.url, token, size.reads, (i) => `/api/leads?site=${SITE}&stage=${stages[i % 3]}&sort=-score`);
    out.leadsListP95 = list.p95Ms;
    const top = await getJson<{ leads: { id: string }[] }>(collector.url, token, `/api/leads?site=${SITE}&sort=-score&limit=100`);
    const ids = top?.leads.map((l) => l.id) ?? [];
    if (ids.length === 0) notes.push('lead detail: the leads list returned no leads');
    else out.leadDetailP95 = (await sampleLatency(collector.url, token, size.reads, (i) => `/api/leads/${ids[i % ids.length]}`)).p95Ms;
  } catch (err) {
    if (!(err instanceof NotAvailable)) throw err;
    notes.push(`leads list / lead detail: n/a (not available: ${err.message})`);
  }
  try {
    out.funnelMs = (await sampleLatency(collector.url, token, Math.max(5, Math.round(size.reads / 10)), () => `/api/funnel?site=${SITE}`)).p95Ms;
  } catch (err) {
    if (!(err instanceof NotAvailable)) throw err;
    notes.push(`funnel: n/a (not available: ${err.message})`);
  }
  return out;
}

type Round = { baseline: LoadResult; single: LoadResult; batch: LoadResult };

/** Alternates baseline, single-event ingest and batch-of-10 ingest, each phase sized from the last measured rate. */
async function measureLoad(collector: ServerChild, baseline: ServerChild) {
  const bodies = { one: beaconBodies(SITE, 1), ten: beaconBodies(SITE, 10) };
  const amountFor = (rps: number) => Math.max(size.connections * 4, Math.round(rps * size.phaseSeconds));
  let acked = 0;
  const ingest = async (amount: number, body: () => string, perRequest: number) => {
    const r = await postLoad({ url: collector.url, amount, connections: size.connections, body });
    acked += r.accepted * perRequest;
    return r;
  };
  // Warm-up (JIT, SQLite's and the collector's caches), counted in the acknowledged events but not reported: a short
  // run to learn the rate, then one phase's length, as the baseline gets one whole phase before its rounds.
  const warm = size.connections * 20;
  // The baseline stores nothing, so it runs for a duration; ingest phases send a fixed count so every 202 is counted.
  const baselinePhase = () => postLoad({ url: baseline.url, duration: size.phaseSeconds, connections: size.connections, body: bodies.one });
  await baselinePhase();
  let rates = {
    single: (await ingest(warm, bodies.one, 1)).rps,
    batch: (await ingest(Math.round(warm / 4), bodies.ten, 10)).rps,
  };
  rates = {
    single: (await ingest(amountFor(rates.single), bodies.one, 1)).rps,
    batch: (await ingest(amountFor(rates.batch), bodies.ten, 10)).rps,
  };
  const rss = sampleRss(collector.pid);
  const rounds: Round[] = [];
  for (let i = 0; i < size.rounds; i++) {
    const round: Round = {
      baseline: await baselinePhase(),
      single: await ingest(amountFor(rates.single), bodies.one, 1),
      batch: await ingest(amountFor(rates.batch), bodies.ten, 10),
    };
    rounds.push(round);
    rates = { single: round.single.rps, batch: round.batch.rps };
    log(
      `round ${i + 1}/${size.rounds}: baseline ${fmt(round.baseline.rps)} req/s · ingest ${fmt(round.single.rps)} req/s ` +
        `(p99 ${round.single.p99Ms} ms) · ratio ${(round.single.rps / round.baseline.rps).toFixed(2)} · batches of 10 ${fmt(round.batch.rps * 10)} events/s`,
    );
    for (const [name, r] of Object.entries(round)) {
      if (r.errors || r.timeouts || Object.keys(r.other).length) notes.push(`round ${i + 1} ${name}: ${r.errors} errors, ${r.timeouts} timeouts, other statuses ${JSON.stringify(r.other)}`);
    }
  }
  const peakRss = rss.stop();
  const hwm = procStatusKb(collector.pid, 'VmHWM');
  return { rounds, acked, peakRss, hwmMb: hwm === null ? null : hwm / 1024 };
}

/**
 * `piste rescore` timed like the load phases: the best of `size.rescores` runs (noise only ever slows a run down), each
 * on the data set as seeded — a fresh copy for all but the last, which rescores the bench's own file for the reads.
 * A second rescore of the same file would have almost nothing to write, so it is never timed.
 */
async function measureRescore(): Promise<{ best: number | null; runs: number[] }> {
  const runs: number[] = [];
  for (let i = 0; i < size.rescores; i++) {
    const own = i === size.rescores - 1;
    const file = own ? dbFile : path.join(work, `rescore-${i}.db`);
    if (!own) {
      fs.copyFileSync(dbFile, file);
      flushToDisk(file); // as the seeded file is
    }
    const run = await pisteOn(file, 'rescore', '--site', SITE);
    if (!own) for (const suffix of ['', '-wal', '-shm']) fs.rmSync(file + suffix, { force: true });
    if (run.code !== 0) {
      if (/unknown command/i.test(run.stderr)) notes.push('rescore: n/a (not available: piste has no rescore command yet)');
      else notes.push(`rescore: FAILED (exit ${run.code}): ${run.stderr.trim().slice(0, 300)}`);
      return { best: null, runs };
    }
    runs.push(run.seconds);
  }
  return { best: Math.min(...runs), runs };
}

function fmt(n: number): string {
  return Math.round(n).toLocaleString('en-US');
}

/** Best of the rounds (noise on a shared machine only ever slows a phase down). */
function best(rounds: Round[], pick: (r: Round) => LoadResult): LoadResult {
  return rounds.map(pick).reduce((a, b) => (b.rps > a.rps ? b : a));
}

async function main() {
  const started = performance.now();
  log(`piste bench (${mode}${profiling ? ', profiling the collector' : ''}) — ${os.cpus().length} CPUs, ${(os.totalmem() / 2 ** 30).toFixed(1)} GB, Node ${process.version}`);
  const dataset = await prepareDatabase();
  const seeded = countEvents();
  log(`data set: ${dataset.leads} leads, ${seeded} events (${dataset.source})`);
  // Rescore first, on exactly the seeded events: it also gives the leads the scores and stages the reads sort and filter on.
  const rescore = await measureRescore();
  const rescoreS = rescore.best;
  log(`rescore: ${rescore.runs.map((r) => `${r.toFixed(2)} s`).join(', ') || 'n/a'}${rescore.runs.length > 1 ? ' (best counts)' : ''}`);

  const prof = path.join(work, 'cpu-prof');
  const collectorArgs = [...(profiling ? ['--cpu-prof', `--cpu-prof-dir=${prof}`] : []), ...pisteNodeFlags(BIN), BIN, 'serve'];
  const collector = await startServerChild(collectorArgs, env, ROOT);
  const baseline = await startServerChild(['--import', 'tsx', path.join(ROOT, 'bench/baseline.ts')], { ...env, PORT: '0' }, ROOT);
  let reads: Awaited<ReturnType<typeof measureReads>>;
  let load: Awaited<ReturnType<typeof measureLoad>>;
  try {
    reads = await measureReads(collector);
    log(`reads: leads list p95 ${reads.leadsListP95 ?? 'n/a'} ms · lead detail p95 ${reads.leadDetailP95 ?? 'n/a'} ms · funnel ${reads.funnelMs ?? 'n/a'} ms`);
    load = await measureLoad(collector, baseline);
  } catch (err) {
    console.error(`collector output:\n${collector.log().slice(-3000)}`);
    throw err;
  } finally {
    await baseline.stop();
    await collector.stop();
  }

  const stored = countEvents() - seeded;
  const verified = stored === load.acked;
  log(`events acknowledged with 202: ${load.acked} · stored: ${stored} · ${verified ? 'equal' : 'MISMATCH'}`);

  if (profiling) {
    const profile = readLargestProfile(prof);
    if (profile) {
      const { busyMs, top } = topFunctions(profile, 20);
      log(`collector CPU profile (self time, ${fmt(busyMs)} ms busy):`);
      for (const f of top) log(`  ${f.selfPercent.toFixed(1).padStart(5)}%  ${f.name}  ${f.where}`);
      log('  by area: ' + byArea(profile).slice(0, 10).map((a) => `${a.area} ${a.selfPercent.toFixed(1)}%`).join(' · '));
      log(`  profiles kept in ${prof}`);
    }
  }

  let scriptCost: Awaited<ReturnType<typeof measureScriptCost>> | null = null;
  const scriptFile = path.join(ROOT, 'dist/piste.js');
  if (!browser) notes.push('script cost: skipped (--no-browser)');
  else if (!fs.existsSync(scriptFile)) notes.push('script cost: n/a (dist/piste.js not built: npm run build)');
  else if (!fs.existsSync(CHROMIUM)) notes.push(`script cost: n/a (no Chromium at ${CHROMIUM})`);
  else scriptCost = await measureScriptCost(scriptFile, size.loads);

  const baselineBest = best(load.rounds, (r) => r.baseline);
  const singleBest = best(load.rounds, (r) => r.single);
  const batchBest = best(load.rounds, (r) => r.batch);
  const result = {
    mode,
    ingest_eps: Math.round(batchBest.rps * 10),
    ingest_rps: Math.round(singleBest.rps),
    baseline_rps: Math.round(baselineBest.rps),
    ratio: Math.round((singleBest.rps / baselineBest.rps) * 1000) / 1000,
    p99_ms: singleBest.p99Ms,
    baseline_p99_ms: baselineBest.p99Ms,
    leads_list_p95_ms: round1(reads.leadsListP95),
    lead_detail_p95_ms: round1(reads.leadDetailP95),
    funnel_ms: round1(reads.funnelMs),
    rescore_s: round1(rescoreS),
    rescore_runs_s: rescore.runs.map((r) => round1(r)),
    rss_mb: round1(load.peakRss),
    rss_hwm_mb: round1(load.hwmMb),
    script_main_thread_ms: round1(scriptCost?.scriptTaskMs ?? null),
    empty_script_ms: round1(scriptCost?.emptyTaskMs ?? null),
    script_js_ms: round1(scriptCost?.scriptJsMs ?? null),
    empty_script_js_ms: round1(scriptCost?.emptyJsMs ?? null),
    events_acked: load.acked,
    events_stored: stored,
    verified,
    data_set: { leads: dataset.leads, events: seeded, source: dataset.source },
    rounds: load.rounds.map((r) => ({ baseline_rps: Math.round(r.baseline.rps), ingest_rps: Math.round(r.single.rps), ingest_eps: Math.round(r.batch.rps * 10), p99_ms: r.single.p99Ms })),
    machine: { nproc: os.cpus().length, mem_gb: Math.round(os.totalmem() / 2 ** 30), node: process.version },
    seconds: Math.round((performance.now() - started) / 100) / 10,
    notes,
  };

  log('');
  const rows: [string, unknown, string][] = [
    ['ingest, batches of 10', result.ingest_eps, 'events/s'],
    ['ingest, single event', result.ingest_rps, 'req/s'],
    ['baseline (no-op Hono)', result.baseline_rps, 'req/s'],
    ['ratio ingest ÷ baseline', result.ratio, '(goal ≥ 0.5)'],
    ['ingest p99', result.p99_ms, 'ms'],
    ['leads list p95', result.leads_list_p95_ms, 'ms (goal ≤ 20)'],
    ['lead detail p95', result.lead_detail_p95_ms, 'ms (goal ≤ 20)'],
    ['funnel p95', result.funnel_ms, 'ms (goal ≤ 50)'],
    ['rescore', result.rescore_s, 's (goal ≤ 10 at 1M events)'],
    ['collector RSS under load', result.rss_mb, 'MB (goal ≤ 200)'],
    ['piste.js main thread', result.script_main_thread_ms, `ms vs ${result.empty_script_ms ?? 'n/a'} ms empty script`],
  ];
  for (const [name, value, unit] of rows) log(`${name.padEnd(26)} ${String(value ?? 'n/a').padStart(10)}  ${unit}`);
  for (const note of notes) log(`note: ${note}`);
  if (!profiling) fs.rmSync(work, { recursive: true, force: true });
  log(JSON.stringify(result));
  if (!verified) process.exitCode = 1;
}

async function mainPg() {
  const started = performance.now();
  log(`piste bench, PostgreSQL (${mode}) — ${os.cpus().length} CPUs shared by the load generator, two collectors and PostgreSQL`);
  const pg = await runPgBench(ROOT, { rounds: size.rounds, phaseSeconds: size.phaseSeconds, connections: size.connections }, log);
  fs.rmSync(work, { recursive: true, force: true });
  log(`events acknowledged with 202: ${pg.pg_events_acked} · stored: ${pg.pg_events_stored} · ${pg.pg_verified ? 'equal' : 'MISMATCH'}`);
  const result = { mode, ...pg, machine: { nproc: os.cpus().length, node: process.version }, seconds: Math.round((performance.now() - started) / 100) / 10 };
  log(JSON.stringify(result));
  if (!pg.pg_verified) process.exitCode = 1;
}

/**
 * Builds first when dist/ is older than the sources: `piste serve` and `piste rescore` would otherwise run the sources
 * through tsx (bin/piste.mjs), and the bench would time that instead of the build (an edited test file was enough).
 */
function ensureBuild() {
  if (buildIsCurrent()) return;
  log('dist/collector is older than the sources: npm run build…');
  const run = spawnSync('npm', ['run', 'build'], { cwd: ROOT, stdio: ['ignore', 'ignore', 'inherit'] });
  if (run.status !== 0 || !buildIsCurrent()) throw new Error(`npm run build failed (exit ${run.status}): the bench times the build only`);
}

ensureBuild();
(argv.includes('--pg') ? mainPg() : main()).catch((err) => {
  console.error(err);
  process.exitCode = 1;
});
