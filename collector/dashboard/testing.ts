// Test helpers for dashboard suites: an app on a fresh database with one user, and a signed-in "browser" for app.request.
import { onTestFinished } from 'vitest';
import { createCollector } from '../app';
import { csrfTokenFor } from '../auth/csrf';
import { hashPassword } from '../auth/password';
import { hashToken } from '../auth/tokens';
import { fixedClock } from '../clock';
import { loadConfig } from '../config';
import { openDatabase } from '../db/open';
import type { Database } from '../db/repository';
import { newId } from '../ids';
import type { LookupAll } from '../webhooks/ssrf';

export const BASE = 'http://localhost:8787';
export const EMAIL = 'ada@northwind.example';
export const PASSWORD = 'correct horse battery staple';
export const NOW = Date.UTC(2026, 0, 15, 12);

/** Test DNS: `hooks.example.com` is public, `intranet.example.com` resolves to loopback; anything else does not resolve. */
export const FAKE_DNS: Record<string, string> = { 'hooks.example.com': '93.184.215.14', 'intranet.example.com': '127.0.0.1' };
const fakeLookup: LookupAll = async (host) => {
  if (!FAKE_DNS[host]) throw new Error(`getaddrinfo ENOTFOUND ${host}`);
  return [{ address: FAKE_DNS[host], family: 4 }];
};

/** `open` comes from `testDatabases()` (default: SQLite :memory:); the database is closed when the test ends. */
export async function dashboardApp(env: Record<string, string> = {}, open: () => Promise<Database> = () => openDatabase(':memory:')) {
  const db = await open();
  onTestFinished(() => db.close());
  const clock = fixedClock(NOW);
  const config = loadConfig({ DATABASE_URL: ':memory:', ...env });
  await db.createUser({ id: newId(), email: EMAIL, passwordHash: await hashPassword(PASSWORD), createdAt: NOW });
  await db.createSite({ key: 'demo', name: 'Demo', origins: ['http://localhost:8080'] }, NOW);
  const { app, drain } = createCollector({ db, config, clock, script: null, lookup: fakeLookup });
  const request = (path: string, init: RequestInit = {}) => app.request(new URL(path, BASE).href, init);

  /** Signs in through the form; returns the cookie header value and the session's CSRF token. */
  async function signIn(email = EMAIL, password = PASSWORD, headers: Record<string, string> = {}) {
    const res = await request('/signin', {
      method: 'POST',
      headers: { origin: BASE, 'content-type': 'application/x-www-form-urlencoded', ...headers },
      body: new URLSearchParams({ email, password }).toString(),
    });
    const setCookie = res.headers.get('set-cookie') ?? '';
    const id = /piste_session=([^;]+)/.exec(setCookie)?.[1];
    if (res.status !== 303 || !id) throw new Error(`sign-in failed: ${res.status}`);
    const session = await db.getAuthSession(hashToken(id), clock.now());
    return { res, setCookie, cookie: `piste_session=${id}`, csrf: csrfTokenFor(session!.csrf) };
  }

  /** A same-origin form post with the session cookie. */
  function post(path: string, cookie: string, fields: Record<string, string>, headers: Record<string, string> = {}) {
    return request(path, {
      method: 'POST',
      headers: { cookie, origin: BASE, 'content-type': 'application/x-www-form-urlencoded', ...headers },
      body: new URLSearchParams(fields).toString(),
    });
  }

  return { db, clock, config, app, drain, request, signIn, post };
}
