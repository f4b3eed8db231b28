// Helpers for the crash and shutdown suites: a real `piste serve` process on a temp SQLite file, and beacon builders.
import { spawn, spawnSync, type ChildProcessWithoutNullStreams } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

export const ROOT = path.resolve(import.meta.dirname, '..');
const BIN = path.join(ROOT, 'bin/piste.mjs');
export const ORIGIN = 'http://localhost:8080';
export const UA = 'Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36';

export type Collector = { child: ChildProcessWithoutNullStreams; base: string; exited: Promise<number | null>; stderr: () => string };

/** A temp folder with a SQLite file and the site `demo` (allowed origin http://localhost:8080) already added. */
export function tempInstallation(prefix: string) {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), prefix));
  const file = path.join(dir, 'piste.db');
  // All clients share 127.0.0.1: lift the per-IP limit so the load is not throttled.
  const env = { DATABASE_URL: `file:${file}`, PORT: '0', PISTE_RATE_LIMIT: '100000/100000' };
  const added = spawnSync(process.execPath, [BIN, 'site', 'add', 'demo', '--origin', ORIGIN], { cwd: ROOT, env: { ...process.env, ...env }, encoding: 'utf8', timeout: 30_000 });
  if (added.status !== 0) throw new Error(`site add failed: ${added.stderr}`);
  return { dir, file, env, remove: () => fs.rmSync(dir, { recursive: true, force: true }) };
}

/** Starts `piste serve` and resolves once it listens (rejects if it exits first or takes over 20 s). */
export async function startCollector(env: Record<string, string>): Promise<Collector> {
  const child = spawn(process.execPath, [BIN, 'serve'], { cwd: ROOT, env: { ...process.env, ...env } });
  let err = '';
  child.stderr.on('data', (d) => (err += d));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  const port = await new Promise<number>((resolve, reject) => {
    let out = '';
    const timer = setTimeout(() => reject(new Error(`serve did not start: ${err}`)), 20_000);
    child.stdout.on('data', (d) => {
      out += d;
      const m = /listening on http:\/\/localhost:(\d+)/.exec(out);
      if (m) {
        clearTimeout(timer);
        resolve(Number(m[1]));
      }
    });
    void exited.then((code) => {
      clearTimeout(timer);
      reject(new Error(`serve exited ${code}: ${err}`));
    });
  });
  return { child, base: `http://127.0.0.1:${port}`, exited, stderr: () => err };
}

export function pageview(id: string, vid: string, extra: Record<string, unknown> = {}) {
  return { id, type: 'pageview', ts: Date.now(), vid, url: `${ORIGIN}/pricing`, ...extra };
}

export function beacon(events: unknown[]): RequestInit {
  return {
    method: 'POST',
    headers: { 'content-type': 'text/plain', origin: ORIGIN, 'user-agent': UA },
    body: JSON.stringify({ site: 'demo', sentAt: Date.now(), events }),
  };
}
