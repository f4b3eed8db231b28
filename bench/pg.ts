// `npm run bench -- --pg`: ingest on PostgreSQL with one and with two collector processes (load split evenly between them).
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import { openPg } from '../collector/db/pg';
import { createPgSchema } from '../collector/db/test-databases';
import { beaconBodies, BENCH_ORIGIN, postLoad, type LoadResult } from './load';
import { pisteNodeFlags, startServerChild, type ServerChild } from './processes';

const SITE = 'bench';
const DEFAULT_URL = 'postgres://postgres@127.0.0.1:5432/test';

export type PgBenchSize = { rounds: number; phaseSeconds: number; connections: number };

/**
 * Both collectors share one fresh schema. Phases alternate (one collector, then two) so drift on a shared machine hits
 * both alike; each sends a fixed count so every 202 can be checked against the rows stored. With two collectors, two
 * autocannon instances run at once, one per collector, with half the connections each: a client-side round-robin.
 */
export async function runPgBench(root: string, size: PgBenchSize, log: (line: string) => void) {
  const baseUrl = process.env.PISTE_TEST_PG_URL || DEFAULT_URL;
  const schema = await createPgSchema(baseUrl);
  const db = await openPg(schema.url, { max: 2 });
  const children: ServerChild[] = [];
  try {
    await db.createSite({ key: SITE, name: 'Bench', origins: [BENCH_ORIGIN] }, Date.now());
    const env = {
      ...process.env, PORT: '0', DATABASE_URL: schema.url, PISTE_RATE_LIMIT: '1000000/1000000',
      PISTE_SECRET: randomBytes(24).toString('base64url'),
    };
    const bin = path.join(root, 'bin/piste.mjs');
    const serve = [...pisteNodeFlags(bin), bin, 'serve'];
    children.push(await startServerChild(serve, env, root), await startServerChild(serve, env, root));
    const urls = children.map((c) => c.url);
    const body = beaconBodies(SITE, 1);
    let acked = 0;

    const phase = async (targets: string[], amount: number) => {
      const share = Math.round(amount / targets.length);
      const before = cpuSnapshot(children);
      const parts = await Promise.all(targets.map((url) => postLoad({ url, amount: share, connections: Math.round(size.connections / targets.length), body })));
      const cpu = cpuSince(before, cpuSnapshot(children));
      acked += parts.reduce((n, p) => n + p.accepted, 0);
      const seconds = Math.max(...parts.map((p) => p.seconds));
      const requests = parts.reduce((n, p) => n + p.rps * p.seconds, 0);
      return { rps: requests / seconds, parts, cpu: perRequest(cpu, requests), busy: Math.round((cpu.total / seconds) * 100) / 100 };
    };
    const amountFor = (rps: number) => Math.max(400, Math.round(rps * size.phaseSeconds));

    // Warm-up: JIT, prepared statements on every pooled connection, PostgreSQL's caches.
    let rates = { one: (await phase(urls.slice(0, 1), 1000)).rps, two: (await phase(urls, 1000)).rps };
    const rounds: { one: number; two: number }[] = [];
    const cpu: Record<'one' | 'two', CpuPerRequest & { busyCores: number }>[] = [];
    const problems: string[] = [];
    for (let i = 0; i < size.rounds; i++) {
      const one = await phase(urls.slice(0, 1), amountFor(rates.one));
      const two = await phase(urls, amountFor(rates.two));
      rates = { one: one.rps, two: two.rps };
      rounds.push(rates);
      cpu.push({ one: { ...one.cpu, busyCores: one.busy }, two: { ...two.cpu, busyCores: two.busy } });
      for (const p of [...one.parts, ...two.parts] as LoadResult[]) {
        if (p.errors || p.timeouts || Object.keys(p.other).length) problems.push(`${p.errors} errors, ${p.timeouts} timeouts, ${JSON.stringify(p.other)}`);
      }
      log(`pg round ${i + 1}/${size.rounds}: one collector ${Math.round(one.rps)} req/s · two collectors ${Math.round(two.rps)} req/s · ×${(two.rps / one.rps).toFixed(2)}`);
      for (const [label, p] of [['one', one], ['two', two]] as const) {
        log(`  CPU ms per request (${label}): collectors ${p.cpu.collectors} · PostgreSQL ${p.cpu.postgres} · load generator ${p.cpu.loadGenerator} · machine ${p.cpu.machine} — ${p.busy} cores busy of ${os.cpus().length}`);
      }
    }
    const { rows } = await db.pool.query('SELECT count(*) AS n FROM events WHERE site = $1', [SITE]);
    const stored = rows[0].n as number;
    const one = Math.max(...rounds.map((r) => r.one));
    const two = Math.max(...rounds.map((r) => r.two));
    return {
      pg_ingest_rps_1: Math.round(one),
      pg_ingest_rps_2: Math.round(two),
      pg_scale: Math.round((two / one) * 100) / 100,
      pg_events_acked: acked,
      pg_events_stored: stored,
      pg_verified: stored === acked,
      pg_rounds: rounds.map((r) => ({ one: Math.round(r.one), two: Math.round(r.two) })),
      pg_cpu_ms_per_request: cpu,
      pg_notes: problems,
    };
  } finally {
    await Promise.all(children.map((c) => c.stop()));
    await db.close();
    await schema.drop();
  }
}

// --- CPU accounting: where a request's CPU goes, to explain what a second collector can and cannot add ---
type CpuSnapshot = { collectors: number; postgres: number; loadGenerator: number; machine: number };
type CpuPerRequest = CpuSnapshot & { total: number };
const TICK = 100; // USER_HZ: /proc times are in 1/100 s on Linux

/** CPU seconds used so far by the collector children, every PostgreSQL process, this process (autocannon) and the machine. */
function cpuSnapshot(children: ServerChild[]): CpuSnapshot {
  const collectors = children.reduce((n, c) => n + procCpu(c.pid), 0);
  let postgres = 0;
  for (const entry of fs.readdirSync('/proc')) {
    if (/^\d+$/.test(entry) && readOr(`/proc/${entry}/comm`).trim() === 'postgres') postgres += procCpu(Number(entry));
  }
  const usage = process.cpuUsage();
  const machine = readOr('/proc/stat').split('\n')[0].split(/\s+/).slice(1, 9).reduce((n, v, i) => n + (i === 3 || i === 4 ? 0 : Number(v)), 0) / TICK;
  return { collectors, postgres, loadGenerator: (usage.user + usage.system) / 1e6, machine };
}

function cpuSince(a: CpuSnapshot, b: CpuSnapshot) {
  const d = { collectors: b.collectors - a.collectors, postgres: b.postgres - a.postgres, loadGenerator: b.loadGenerator - a.loadGenerator, machine: b.machine - a.machine };
  return { ...d, total: d.machine };
}

function perRequest(cpu: CpuSnapshot & { total: number }, requests: number): CpuPerRequest {
  const ms = (s: number) => Math.round((s / Math.max(requests, 1)) * 1000 * 100) / 100;
  return { collectors: ms(cpu.collectors), postgres: ms(cpu.postgres), loadGenerator: ms(cpu.loadGenerator), machine: ms(cpu.machine), total: ms(cpu.total) };
}

/** utime + stime of a process (and of its waited-for children) in seconds; 0 once it is gone. */
function procCpu(pid: number): number {
  const stat = readOr(`/proc/${pid}/stat`);
  if (!stat) return 0;
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(fields[11]) + Number(fields[12])) / TICK; // utime, stime (fields 14 and 15 of proc(5))
}

function readOr(file: string): string {
  try {
    return fs.readFileSync(file, 'utf8');
  } catch {
    return '';
  }
}
