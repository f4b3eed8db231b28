// The `piste` CLI as a real process: exit codes and output, and `serve` accepting a beacon on a free port.
import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { verifyPassword } from '../collector/auth/password';
import { openDatabase } from '../collector/db/open';

const ROOT = path.resolve(import.meta.dirname, '..');
const BIN = path.join(ROOT, 'bin/piste.mjs');
const dirs: string[] = [];

function tempDb() {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'piste-cli-'));
  dirs.push(dir);
  return `file:${path.join(dir, 'piste.db')}`;
}

function piste(args: string[], env: Record<string, string>, input?: string) {
  const r = spawnSync(process.execPath, [BIN, ...args], { cwd: ROOT, env: { ...process.env, ...env }, encoding: 'utf8', timeout: 30_000, input });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

afterEach(() => {
  for (const dir of dirs.splice(0)) fs.rmSync(dir, { recursive: true, force: true });
});

describe('piste CLI', () => {
  it('prints help and exits 0; exits 2 on usage errors', () => {
    const help = piste(['--help'], {});
    expect(help.code).toBe(0);
    expect(help.stdout).toMatch(/site\s+manage sites/);
    expect(piste(['frobnicate'], {}).code).toBe(2);
    expect(piste(['site', 'add', 'demo'], {}).code).toBe(2); // --origin is required
  });

  it('adds a site, refuses a duplicate key and a non-origin, with exit 1 and a clear message', () => {
    const env = { DATABASE_URL: tempDb() };
    const ok = piste(['site', 'add', 'demo', '--origin', 'http://localhost:8080', '--origin', 'https://www.acme.io/', '--name', 'Demo'], env);
    expect(ok.code).toBe(0);
    expect(ok.stdout).toContain('site "demo" added (origins: http://localhost:8080, https://www.acme.io)');
    const again = piste(['site', 'add', 'demo', '--origin', 'http://localhost:8080'], env);
    expect(again.code).toBe(1);
    expect(again.stderr).toContain('already exists');
    const bad = piste(['site', 'add', 'other', '--origin', 'https://www.acme.io/path'], env);
    expect(bad.code).toBe(1);
    expect(bad.stderr).toContain('expected an http(s) origin'); // the API's message: one rule for CLI, API and dashboard
    const mixedCase = piste(['site', 'add', 'Demo2', '--origin', 'http://localhost:8080'], env);
    expect(mixedCase.code).toBe(1);
    expect(mixedCase.stderr).toContain('lower-case letters');
  });

  it('exits 1 naming the variable on a bad configuration', () => {
    const r = piste(['migrate'], { DATABASE_URL: tempDb(), PISTE_RETENTION_DAYS: 'forever' });
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('PISTE_RETENTION_DAYS');
  });

  it('creates a token printed once and a user', () => {
    const env = { DATABASE_URL: tempDb() };
    const token = piste(['token', 'create', '--name', 'ci'], env);
    expect(token.code).toBe(0);
    expect(token.stdout.trim()).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(piste(['user', 'add', 'ada@acme.io', '--password', 'correct horse'], env).code).toBe(0);
    expect(piste(['user', 'add', 'ada@acme.io', '--password', 'correct horse'], env).code).toBe(1);
    expect(piste(['user', 'add', 'ada@acme.io', '--password', 'short'], env).code).toBe(1);
  });

  it('takes a site\'s options before its key, a piped password, and any sign-in email', () => {
    const env = { DATABASE_URL: tempDb() };
    const site = piste(['site', 'add', '--origin', 'https://a.example', '--origin', 'https://b.example', 'demo2'], env);
    expect(site.stdout).toContain('site "demo2" added (origins: https://a.example, https://b.example)');
    const piped = piste(['user', 'add', 'piped@corp.example'], env, 'correct horse battery\n');
    expect(piped.code, piped.stderr).toBe(0);
    expect(piste(['user', 'add', 'admin@localhost', '--password', 'correct horse'], env).code).toBe(0); // what npm start creates
    const none = piste(['user', 'add', 'nobody@corp.example'], env, '');
    expect(none.code).toBe(1);
    expect(none.stderr).toContain('no password');
  });

  it("changes a user's password, ending their sessions, and removes a user", async () => {
    const url = tempDb();
    const env = { DATABASE_URL: url };
    expect(piste(['user', 'add', 'ada@acme.io', '--password', 'correct horse'], env).code).toBe(0);
    const db = await openDatabase(url);
    try {
      const ada = (await db.getUserByEmail('ada@acme.io'))!;
      await db.createAuthSession({ idHash: 'session-hash', userId: ada.id, csrf: 'c', createdAt: 1, expiresAt: Date.now() + 60_000 });
      const changed = piste(['user', 'passwd', 'Ada@Acme.io'], env, 'battery staple\n');
      expect(changed.stdout).toContain('password of ada@acme.io changed');
      expect(await verifyPassword('battery staple', (await db.getUserByEmail('ada@acme.io'))!.passwordHash)).toBe(true);
      expect(await db.getAuthSession('session-hash', Date.now())).toBeUndefined();
      expect(piste(['user', 'passwd', 'nobody@acme.io', '--password', 'battery staple'], env).code).toBe(1);
      expect(piste(['user', 'remove', 'ada@acme.io'], env).stdout).toContain('user ada@acme.io removed');
      expect(await db.getUserByEmail('ada@acme.io')).toBeUndefined();
      expect(piste(['user', 'remove', 'ada@acme.io'], env).code).toBe(1);
    } finally {
      await db.close();
    }
  });

  it('says in one line that the port is taken or the database does not answer', async () => {
    const taken = http.createServer();
    await new Promise<void>((r) => taken.listen(0, '0.0.0.0', r));
    try {
      const port = String((taken.address() as AddressInfo).port);
      const busy = piste(['serve'], { DATABASE_URL: tempDb(), PORT: port });
      expect(busy.code).toBe(1);
      expect(busy.stderr.trim()).toBe(`piste: port ${port} is already in use: stop what listens there, or set PORT`);
    } finally {
      taken.close();
    }
    const down = piste(['migrate'], { DATABASE_URL: 'postgres://nobody@127.0.0.1:1/x' });
    expect(down.code).toBe(1);
    expect(down.stderr.trim()).toMatch(/^piste: the database does not answer \(ECONNREFUSED 127\.0\.0\.1:1\): check DATABASE_URL/);
  });

  it('serves: applies migrations, accepts a beacon on a free port, and stops cleanly on SIGTERM', async () => {
    const env = { DATABASE_URL: tempDb(), PORT: '0' };
    expect(piste(['site', 'add', 'demo', '--origin', 'http://localhost:8080'], env).code).toBe(0);
    const child = spawn(process.execPath, [BIN, 'serve'], { cwd: ROOT, env: { ...process.env, ...env } });
    try {
      const port = await new Promise<number>((resolve, reject) => {
        let out = '';
        child.stdout.on('data', (d) => {
          out += d;
          const m = /listening on http:\/\/localhost:(\d+)/.exec(out);
          if (m) resolve(Number(m[1]));
        });
        child.on('exit', (code) => reject(new Error(`serve exited ${code}`)));
      });
      const base = `http://127.0.0.1:${port}`;
      expect(await (await fetch(`${base}/healthz`)).json()).toEqual({ ok: true });
      const res = await fetch(`${base}/e`, {
        method: 'POST',
        headers: { 'content-type': 'text/plain', origin: 'http://localhost:8080', 'user-agent': 'Mozilla/5.0 (X11; Linux x86_64) Chrome/131.0.0.0 Safari/537.36' },
        body: JSON.stringify({ site: 'demo', sentAt: Date.now(), events: [{ id: 'event-000001', type: 'pageview', ts: Date.now(), vid: 'visitor-0001', url: 'http://localhost:8080/pricing' }] }),
      });
      expect(res.status).toBe(202);
      expect(await res.json()).toEqual({ accepted: 1, duplicates: 0 });
      // A chunked body (no Content-Length) is cut off at 500 KB by the bytes read.
      const chunk = new TextEncoder().encode(' '.repeat(64 * 1024));
      let sent = 0;
      const stream = new ReadableStream({ pull: (ctl) => (sent++ < 10 ? ctl.enqueue(chunk) : ctl.close()) });
      const big = await fetch(`${base}/e`, { method: 'POST', headers: { 'content-type': 'text/plain' }, body: stream, duplex: 'half' } as RequestInit);
      expect(big.status).toBe(413);
      expect((await big.json()).error.code).toBe('payload_too_large');
      const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
      child.kill('SIGTERM');
      expect(await exited).toBe(0);
    } finally {
      if (child.exitCode === null) child.kill('SIGKILL');
    }
  });
});
