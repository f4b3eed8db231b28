// Every /api route and every state-changing dashboard action, enumerated: refused without credentials, with a wrong
// token, and (dashboard) with a session but no valid CSRF token. A group not mounted yet must answer 404 everywhere.
import { describe, expect, it, onTestFinished } from 'vitest';
import { hashPassword } from '../collector/auth/password';
import { createCollector } from '../collector/app';
import { fixedClock } from '../collector/clock';
import { loadConfig } from '../collector/config';
import type { Database } from '../collector/db/repository';
import { testDatabases } from '../collector/db/test-databases';
import { newId } from '../collector/ids';

const NOW = Date.UTC(2026, 0, 15, 12);
const BASE = 'http://localhost';
const API_TOKEN = 'the-right-api-token-0123456789';
const LEAD = 'AAAAAAAAAAAAAAAAAAAAAA';

/** SPEC §5, method and path. */
const API_ROUTES: Array<[string, string, unknown?]> = [
  ['GET', '/api/leads'],
  ['GET', '/api/leads?site=acme&sort=-score&limit=10'],
  ['GET', `/api/leads/${LEAD}`],
  ['POST', `/api/leads/${LEAD}/accept`, {}],
  ['POST', `/api/leads/${LEAD}/qualify`, {}],
  ['POST', `/api/leads/${LEAD}/reject`, { reason: 'no budget' }],
  ['GET', '/api/leads.csv'],
  ['GET', `/api/leads/${LEAD}/export`],
  ['DELETE', `/api/leads/${LEAD}`],
  ['GET', '/api/funnel?site=acme'],
  ['GET', '/api/sites'],
  ['POST', '/api/sites', { key: 'evil', origins: ['https://evil.test'] }],
  ['GET', '/api/sites/acme/rules'],
  ['PUT', '/api/sites/acme/rules', {}],
  ['POST', '/api/webhooks', { url: 'https://hooks.example.com/x' }],
  ['GET', '/api/webhooks'],
  ['DELETE', `/api/webhooks/${LEAD}`],
  ['POST', `/api/leads/${LEAD}/links`, { url: 'https://www.acme.test/' }],
];

/** Dashboard POST actions (collector/dashboard/paths.ts), with a form body a real page would send. */
const DASHBOARD_ACTIONS: Array<[string, Record<string, string>]> = [
  ['/signout', {}],
  [`/leads/${LEAD}/accept`, {}],
  [`/leads/${LEAD}/qualify`, {}],
  [`/leads/${LEAD}/reject`, { reason: 'no budget' }],
  [`/leads/${LEAD}/erase`, { confirm: 'yes' }],
  ['/sites', { key: 'evil', origins: 'https://evil.test' }],
  ['/sites/acme/origins', { origins: 'https://evil.test' }],
  ['/rules', { site: 'acme', rules: '{}' }],
  ['/webhooks', { url: 'https://hooks.example.com/x' }],
  [`/webhooks/${LEAD}/delete`, {}],
  ['/users', { email: 'mallory@evil.test', password: 'correct horse battery' }],
  [`/users/${LEAD}/delete`, {}],
  ['/tokens', { name: 'mallory' }],
  [`/tokens/${LEAD}/delete`, {}],
];

async function app(open: () => Promise<Database>) {
  const db = await open();
  onTestFinished(() => db.close());
  await db.createSite({ key: 'acme', name: 'Acme', origins: ['https://www.acme.test'] }, NOW);
  await db.createUser({ id: newId(), email: 'ada@acme.io', passwordHash: await hashPassword('correct horse'), createdAt: NOW });
  const config = loadConfig({ DATABASE_URL: ':memory:', PISTE_API_TOKEN: API_TOKEN, PISTE_SECRET: 'a-long-enough-signing-secret' });
  const { app } = createCollector({ db, config, clock: fixedClock(NOW), script: null });
  return { app, db };
}

function apiRequest(method: string, path: string, body: unknown, headers: Record<string, string> = {}) {
  return new Request(BASE + path, {
    method,
    headers: { 'content-type': 'application/json', ...headers },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
}

async function expectErrorShape(res: Response, code: string) {
  expect(res.headers.get('content-type')).toMatch(/application\/json/);
  expect(await res.json()).toEqual({ error: { code, message: expect.any(String) } });
}

describe.each(testDatabases())('authorization of /api ($name)', ({ open }) => {
  it('answers every route 401 in the error shape without credentials and with a wrong token (or 404 everywhere until /api is mounted)', async () => {
    const { app: a } = await app(open);
    const mounted = (await a.request(apiRequest('GET', '/api/leads', undefined))).status !== 404;
    for (const [method, path, body] of API_ROUTES) {
      for (const headers of [{} as Record<string, string>, { authorization: 'Bearer wrong-token-0123456789abcdef' }, { authorization: `Basic ${API_TOKEN}` }, { authorization: `Bearer ${API_TOKEN}x` }]) {
        const res = await a.request(apiRequest(method, path, body, headers));
        expect(res.status, `${method} ${path} ${JSON.stringify(headers)}`).toBe(mounted ? 401 : 404);
        await expectErrorShape(res, mounted ? 'unauthorized' : 'not_found');
      }
    }
    if (mounted) expect((await a.request(apiRequest('GET', '/api/sites', undefined, { authorization: `Bearer ${API_TOKEN}` }))).status).toBe(200);
  });

  it('refuses a session cookie that is not a live session', async () => {
    const { app: a } = await app(open);
    const mounted = (await a.request(apiRequest('GET', '/api/leads', undefined))).status !== 404;
    for (const [method, path, body] of API_ROUTES) {
      const res = await a.request(apiRequest(method, path, body, { cookie: `piste_session=${newId()}${newId()}`, origin: BASE }));
      expect(res.status, `${method} ${path}`).toBe(mounted ? 401 : 404);
    }
  });
});

async function signIn(a: Awaited<ReturnType<typeof app>>['app']): Promise<string | null> {
  const res = await a.request(`${BASE}/signin`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded', origin: BASE },
    body: new URLSearchParams({ email: 'ada@acme.io', password: 'correct horse' }).toString(),
  });
  const cookie = /piste_session=([^;]+)/.exec(res.headers.get('set-cookie') ?? '');
  return cookie ? `piste_session=${cookie[1]}` : null;
}

function form(path: string, fields: Record<string, string>, headers: Record<string, string> = {}) {
  return new Request(BASE + path, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded', origin: BASE, ...headers },
    body: new URLSearchParams(fields).toString(),
  });
}

describe.each(testDatabases())('authorization of dashboard actions ($name)', ({ open }) => {
  it('refuses every state-changing action without a session (or answers 404 everywhere until the dashboard is mounted)', async () => {
    const { app: a, db } = await app(open);
    const mounted = (await a.request(`${BASE}/signin`)).status === 200;
    for (const [path, fields] of DASHBOARD_ACTIONS) {
      const res = await a.request(form(path, fields));
      if (mounted) expect([401, 403], `POST ${path}`).toContain(res.status);
      else expect(res.status, `POST ${path}`).toBe(404);
    }
    expect((await db.listSites()).map((s) => s.key)).toEqual(['acme']);
    expect((await db.getSite('acme'))!.origins).not.toContain('https://evil.test');
    expect(await db.getUserByEmail('mallory@evil.test')).toBeUndefined();
  });

  it('refuses every action 403 with a session but a missing, wrong or cross-origin CSRF token', async () => {
    const { app: a, db } = await app(open);
    const cookie = await signIn(a);
    if (cookie === null) {
      // Not mounted yet: sign-in does not exist, so there is no session to test with.
      expect((await a.request(`${BASE}/signin`)).status).toBe(404);
      return;
    }
    for (const [path, fields] of DASHBOARD_ACTIONS) {
      const attempts = [
        form(path, fields, { cookie }),
        form(path, { ...fields, _csrf: 'forged-token' }, { cookie }),
        form(path, { ...fields, _csrf: newId() + newId() }, { cookie, 'x-csrf-token': 'forged-token' }),
        form(path, fields, { cookie, origin: 'https://evil.test' }),
      ];
      for (const req of attempts) {
        const res = await a.request(req);
        expect(res.status, `POST ${path}`).toBe(403);
      }
    }
    expect((await db.listSites()).map((s) => s.key)).toEqual(['acme']);
    expect(await db.getUserByEmail('mallory@evil.test')).toBeUndefined();
    // The session survived all of that (sign-out was refused too).
    const page = await a.request(`${BASE}/leads`, { headers: { cookie } });
    expect(page.status).toBe(200);
  });
});
