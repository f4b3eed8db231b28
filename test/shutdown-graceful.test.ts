// SIGTERM under load: in-flight requests finish with 202 and are stored, new connections are refused, the process exits 0.
import http from 'node:http';
import { afterEach, describe, expect, it } from 'vitest';
import { openSqlite } from '../collector/db/sqlite';
import { ORIGIN, UA, beacon, pageview, startCollector, tempInstallation } from './crash-process';

const cleanup: Array<() => void> = [];
afterEach(() => {
  for (const fn of cleanup.splice(0)) fn();
});

/** Sends the headers and the first half of a beacon, and the rest when told: a request that is in flight for as long as we like. */
function slowBeacon(base: string, events: unknown[]) {
  const body = Buffer.from(JSON.stringify({ site: 'demo', sentAt: Date.now(), events }));
  const url = new URL(`${base}/e`);
  const req = http.request({
    host: url.hostname, port: url.port, path: url.pathname, method: 'POST', agent: false,
    headers: { 'content-type': 'text/plain', 'content-length': body.length, origin: ORIGIN, 'user-agent': UA, connection: 'close' },
  });
  const answer = new Promise<{ status: number; body: string }>((resolve, reject) => {
    req.on('response', (res) => {
      let text = '';
      res.on('data', (d) => (text += d));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: text }));
    });
    req.on('error', reject);
  });
  const half = Math.floor(body.length / 2);
  req.write(body.subarray(0, half));
  return { answer, finish: () => req.end(body.subarray(half)) };
}

/** True once a new connection to the port is refused (bounded: 3 s). */
async function refusesNewConnections(base: string): Promise<boolean> {
  for (let i = 0; i < 150; i++) {
    try {
      const res = await fetch(`${base}/healthz`, { headers: { connection: 'close' } });
      await res.arrayBuffer();
    } catch (err) {
      const code = (err as { cause?: { code?: string } }).cause?.code;
      if (code === 'ECONNREFUSED') return true;
    }
    await new Promise((r) => setTimeout(r, 20));
  }
  return false;
}

describe('graceful shutdown', () => {
  it('on SIGTERM finishes in-flight requests (202, stored), refuses new connections and exits 0', async () => {
    const install = tempInstallation('piste-shutdown-');
    cleanup.push(install.remove);
    const collector = await startCollector(install.env);
    cleanup.push(() => collector.child.kill('SIGKILL'));

    // Load in the background, recording what was acknowledged.
    const acked: string[] = [];
    let stop = false;
    const load = Array.from({ length: 4 }, async (_, n) => {
      for (let r = 0; r < 1000 && !stop; r++) {
        const events = [pageview(`load${n}-r${r}-a`, `shutdown-load-${n}`), pageview(`load${n}-r${r}-b`, `shutdown-load-${n}`)];
        try {
          const res = await fetch(`${collector.base}/e`, beacon(events));
          if (res.status === 202) acked.push(...events.map((e) => e.id));
          else expect.fail(`unexpected ${res.status}`);
          await res.arrayBuffer();
        } catch {
          return; // refused after shutdown began
        }
      }
    });
    await expect.poll(() => acked.length, { timeout: 10_000 }).toBeGreaterThan(50);

    // A request in flight when the signal arrives.
    const inFlight = slowBeacon(collector.base, [pageview('inflight-event-1', 'shutdown-slow-1'), pageview('inflight-event-2', 'shutdown-slow-1')]);
    await new Promise((r) => setTimeout(r, 100)); // its headers have reached the server
    const signalled = Date.now();
    collector.child.kill('SIGTERM');

    expect(await refusesNewConnections(collector.base)).toBe(true);
    inFlight.finish();
    const answer = await inFlight.answer;
    expect(answer.status).toBe(202);
    expect(JSON.parse(answer.body)).toEqual({ accepted: 2, duplicates: 0 });

    stop = true;
    await Promise.all(load);
    expect(await collector.exited).toBe(0);
    expect(Date.now() - signalled).toBeLessThan(5000);

    const db = openSqlite(install.file);
    try {
      expect((await db.listVisitorEvents('demo', 'shutdown-slow-1')).map((e) => e.id)).toEqual(['inflight-event-1', 'inflight-event-2']);
      const stored = new Set<string>();
      for (let n = 0; n < 4; n++) for (const e of await db.listVisitorEvents('demo', `shutdown-load-${n}`, 100_000)) stored.add(e.id);
      for (const id of acked) expect(stored.has(id)).toBe(true);
      expect(db.raw.pragma('integrity_check', { simple: true })).toBe('ok');
    } finally {
      await db.close();
    }
  }, 60_000);
});
