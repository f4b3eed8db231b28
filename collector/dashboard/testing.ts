// Test helpers for dashboard suites: an app on a fresh database with one user, and a signed-in "browser" for app.request.
import { createCollector } from '../app';
import { csrfTokenFor } from '../auth/csrf';
import { hashPassword } from '../auth/password';
import { hashToken } from '../auth/tokens';
import { fixedClock } from '../clock';
import { loadConfig } from '../config';
import { openDatabase } from '../db/open';
import { newId } from '../ids';

export const BASE = 'http://localhost:8787';
export const EMAIL = 'ada@northwind.example';
export const PASSWORD = 'correct horse battery staple';
export const NOW = Date.UTC(2026, 0, 15, 12);

export async function dashboardApp(env: Record<string, string> = {}) {
  const db = await openDatabase(':memory:');
  const clock = fixedClock(NOW);
  const config = loadConfig({ DATABASE_URL: ':memory:', ...env });
  await db.createUser({ id: newId(), email: EMAIL, passwordHash: await hashPassword(PASSWORD), createdAt: NOW });
  await db.createSite({ key: 'demo', name: 'Demo', origins: ['http://localhost:8080'] }, NOW);
  const { app, drain } = createCollector({ db, config, clock, script: null });
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
