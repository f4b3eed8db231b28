// `npm start` as a newcomer runs it: both servers answer, Ctrl-C stops them cleanly, a second start reuses the data.
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';

const ROOT = path.resolve(import.meta.dirname, '..');
const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'piste-start-'));
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

async function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const s = net.createServer().listen(0, '127.0.0.1', () => {
      const port = (s.address() as net.AddressInfo).port;
      s.close(() => resolve(port));
    });
  });
}

/** Runs scripts/start.ts until it prints its URLs, checks both servers, sends SIGINT; resolves with its output and exit code. */
async function startAndStop(): Promise<{ out: string; code: number | null; demoHome: string }> {
  const [port, demoPort] = [await freePort(), await freePort()];
  const env = { ...process.env, PORT: String(port), DEMO_PORT: String(demoPort), DATABASE_URL: `file:${dir}/piste.db`, PISTE_ADMIN_EMAIL: '', PISTE_ADMIN_PASSWORD: '' };
  const child = spawn(process.execPath, [path.join(ROOT, 'node_modules/tsx/dist/cli.mjs'), 'scripts/start.ts'], { cwd: ROOT, env });
  let out = '';
  child.stdout.on('data', (d) => (out += d));
  child.stderr.on('data', (d) => (out += d));
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no URLs printed:\n${out}`)), 30_000);
    const check = () => /Press Ctrl-C to stop/.test(out) && (clearTimeout(timer), resolve());
    child.stdout.on('data', check);
    exited.then(() => reject(new Error(`start exited early:\n${out}`)));
  });
  expect(out).toContain(`Demo site:  http://localhost:${demoPort}`);
  expect(out).toContain(`Dashboard:  http://localhost:${port}`);
  const health = await fetch(`http://127.0.0.1:${port}/healthz`);
  expect(health.status).toBe(200);
  const home = await fetch(`http://127.0.0.1:${demoPort}/`);
  expect(home.status).toBe(200);
  const demoHome = await home.text();
  child.kill('SIGINT');
  return { out, code: await exited, demoHome };
}

describe('npm start', () => {
  it('starts the collector and the demo site, prints a password once, stops on Ctrl-C, and reuses its data', async () => {
    const first = await startAndStop();
    expect(first.code, first.out).toBe(0);
    // The demo pages embed the script from this collector, for site `demo`.
    expect(first.demoHome).toMatch(/src="http:\/\/localhost:\d+\/piste\.js"[^>]*data-site="demo"/);
    const password = /Sign in:\s+admin@localhost \/ (\S+)\s+\(shown once/.exec(first.out)?.[1];
    expect(password, first.out).toBeTruthy();

    const second = await startAndStop();
    expect(second.code, second.out).toBe(0);
    expect(second.out).toContain('admin@localhost');
    expect(second.out).not.toContain(password!);
    expect(second.out).not.toContain('shown once');
  }, 90_000);
});
