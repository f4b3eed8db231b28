// SIGKILL during concurrent load, restart on the same SQLite file: every acknowledged event is stored exactly once.
import BetterSqlite3 from 'better-sqlite3';
import { afterEach, describe, expect, it } from 'vitest';
import { openSqlite } from '../collector/db/sqlite';
import { beacon, pageview, startCollector, tempInstallation, type Collector } from './crash-process';

const CLIENTS = 6;
const EVENTS_PER_REQUEST = 5;
const MAX_REQUESTS_PER_CLIENT = 2000; // a bound, in case the kill never comes
const KILL_AFTER_ACKS = 60;

const cleanup: Array<() => void> = [];
afterEach(() => {
  for (const fn of cleanup.splice(0)) fn();
});

type ClientLog = { vid: string; email: string; sent: unknown[][]; acked: string[] };

/** One browser-like client: identifies first, then posts pageviews with unique ids until the collector stops answering. */
async function client(base: string, n: number, onAck: () => void): Promise<ClientLog> {
  const log: ClientLog = { vid: `crash-client-${n}`, email: `load-${n}@acme.io`, sent: [], acked: [] };
  for (let r = 0; r < MAX_REQUESTS_PER_CLIENT; r++) {
    const events = Array.from({ length: EVENTS_PER_REQUEST }, (_, k) =>
      r === 0 && k === 0
        ? { id: `c${n}-r${r}-e${k}`, type: 'identify', ts: Date.now(), vid: log.vid, email: log.email }
        : pageview(`c${n}-r${r}-e${k}`, log.vid),
    );
    log.sent.push(events);
    let res: Response;
    try {
      res = await fetch(`${base}/e`, beacon(events));
    } catch {
      return log; // the collector is gone: this request may or may not have been stored
    }
    if (res.status !== 202) throw new Error(`unexpected ${res.status}: ${await res.text()}`);
    await res.json();
    log.acked.push(...events.map((e) => (e as { id: string }).id));
    onAck();
  }
  return log;
}

describe('crash durability', () => {
  it('keeps every acknowledged event exactly once after SIGKILL mid-load and a restart on the same file', async () => {
    const install = tempInstallation('piste-crash-');
    cleanup.push(install.remove);
    let collector: Collector = await startCollector(install.env);
    cleanup.push(() => collector.child.kill('SIGKILL'));

    // Concurrent load; the process is killed while the clients are still sending.
    let acks = 0;
    let killed = false;
    const logs = await Promise.all(
      Array.from({ length: CLIENTS }, (_, n) =>
        client(collector.base, n, () => {
          if (++acks >= KILL_AFTER_ACKS && !killed) {
            killed = true;
            collector.child.kill('SIGKILL');
          }
        }),
      ),
    );
    expect(killed).toBe(true);
    expect(await collector.exited).toBe(null); // killed by the signal, no exit code
    const acked = logs.flatMap((l) => l.acked);
    expect(acked.length).toBeGreaterThanOrEqual(KILL_AFTER_ACKS * EVENTS_PER_REQUEST);
    // The kill landed mid-load: some requests were sent and never answered.
    expect(logs.some((l) => l.sent.length * EVENTS_PER_REQUEST > l.acked.length)).toBe(true);

    // Restart on the same file: it opens, answers, and a retry of everything sent stores nothing twice.
    collector = await startCollector(install.env);
    expect((await fetch(`${collector.base}/healthz`)).status).toBe(200);
    let retriedAccepted = 0;
    let retriedDuplicates = 0;
    for (const log of logs) {
      for (const events of log.sent) {
        const res = await fetch(`${collector.base}/e`, beacon(events));
        expect(res.status).toBe(202);
        const body = (await res.json()) as { accepted: number; duplicates: number };
        retriedAccepted += body.accepted;
        retriedDuplicates += body.duplicates;
      }
    }
    expect(retriedDuplicates).toBeGreaterThanOrEqual(acked.length); // every acknowledged event was already there
    collector.child.kill('SIGTERM');
    expect(await collector.exited).toBe(0);

    // The file after both processes: intact, each acknowledged id once, lead counters matching the stored events.
    const raw = new BetterSqlite3(install.file);
    try {
      expect(raw.pragma('integrity_check', { simple: true })).toBe('ok');
      expect(raw.prepare('SELECT count(*) AS n FROM (SELECT site, id FROM events GROUP BY site, id HAVING count(*) > 1)').get()).toEqual({ n: 0 });
    } finally {
      raw.close();
    }
    const db = openSqlite(install.file);
    try {
      const sentIds = logs.flatMap((l) => l.sent.flat().map((e) => (e as { id: string }).id));
      let stored = 0;
      for (const log of logs) {
        const ids = (await db.listVisitorEvents('demo', log.vid, 100_000)).map((e) => e.id);
        expect(new Set(ids).size).toBe(ids.length);
        for (const id of log.acked) expect(ids).toContain(id);
        stored += ids.length;
        const lead = await db.getLeadByEmail('demo', log.email);
        expect(lead?.pageviews).toBe(ids.length - 1); // all but the identify event
      }
      expect(stored).toBe(new Set(sentIds).size);
      expect(retriedAccepted + retriedDuplicates).toBe(sentIds.length);
    } finally {
      await db.close();
    }
  }, 90_000);
});
