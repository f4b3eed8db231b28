// API authentication: bearer tokens (configured or stored hashed), the dashboard session with CSRF, 401 everywhere else.
import { Hono } from 'hono';
import { describe, expect, it, onTestFinished } from 'vitest';
import { sqlRows, testDatabases } from '../db/test-databases';
import { csrfTokenFor } from '../auth/csrf';
import { fixedClock } from '../clock';
import { loadConfig } from '../config';
import { errorBody } from '../errors';
import { ApiError } from '../errors';
import { NOW, setupApi, TOKEN } from './testing';
import { apiRoutes } from './routes';

const ROUTES: Array<[string, string]> = [
  ['GET', '/leads'],
  ['GET', '/leads.csv'],
  ['GET', '/leads/x'],
  ['POST', '/leads/x/accept'],
  ['POST', '/leads/x/qualify'],
  ['POST', '/leads/x/reject'],
  ['GET', '/leads/x/export'],
  ['DELETE', '/leads/x'],
  ['POST', '/leads/x/links'],
  ['GET', '/funnel?site=acme'],
  ['GET', '/sites'],
  ['POST', '/sites'],
  ['PUT', '/sites/acme'],
  ['GET', '/sites/acme/rules'],
  ['PUT', '/sites/acme/rules'],
  ['POST', '/webhooks'],
  ['GET', '/webhooks'],
  ['DELETE', '/webhooks/x'],
  ['GET', '/webhooks/x/deliveries'],
  ['POST', '/tokens'],
  ['GET', '/tokens'],
  ['DELETE', '/tokens/x'],
  ['GET', '/no-such-route'],
  ['PATCH', '/leads'],
];

describe.each(testDatabases())('API authentication ($name)', ({ open }) => {
  it.each(ROUTES)('%s /api%s answers 401 with WWW-Authenticate without credentials', async (method, path) => {
    const { api } = await setupApi({}, open);
    const res = await api(path, { method, token: null, body: method === 'GET' || method === 'DELETE' ? undefined : '{}' });
    expect(res.status).toBe(401);
    expect(res.headers.get('www-authenticate')).toMatch(/^Bearer/);
    expect((await res.json()).error.code).toBe('unauthorized');
  });

  it('refuses a wrong token, a malformed header and another scheme', async () => {
    const { api } = await setupApi({}, open);
    for (const authorization of ['Bearer nope-nope-nope-nope', 'Bearer', `Basic ${btoa('a:b')}`, `Bearer ${TOKEN} extra`]) {
      const res = await api('/sites', { headers: { authorization } });
      expect(res.status, authorization).toBe(401);
    }
  });

  it('accepts PISTE_API_TOKEN', async () => {
    const { api } = await setupApi({}, open);
    const res = await api('/sites');
    expect(res.status).toBe(200);
    expect((await res.json()).sites.map((s: { key: string }) => s.key)).toEqual(['acme']);
  });

  it('creates stored tokens that work, are hashed at rest, show last use at most once a minute, and stop working once deleted', async () => {
    const { json, api, db, clock } = await setupApi({}, open);
    const created = await json('/tokens', { method: 'POST', body: JSON.stringify({ name: 'crm sync' }) });
    expect(created.status).toBe(201);
    const { id, token } = created.body;
    expect(token).toMatch(/^[A-Za-z0-9_-]{43}$/);

    const dump = JSON.stringify(await sqlRows(db, 'SELECT * FROM api_tokens'));
    expect(dump).not.toContain(token);

    expect((await api('/leads', { token })).status).toBe(200);
    const first = (await json('/tokens')).body.tokens.find((t: { id: string }) => t.id === id);
    expect(first).toEqual({ id, name: 'crm sync', createdAt: new Date(NOW).toISOString(), lastUsedAt: new Date(NOW).toISOString() });
    expect(JSON.stringify(first)).not.toContain(token);

    clock.advance(30_000);
    await api('/leads', { token });
    expect((await json('/tokens')).body.tokens[0].lastUsedAt).toBe(new Date(NOW).toISOString());
    clock.advance(31_000);
    await api('/leads', { token });
    expect((await json('/tokens')).body.tokens[0].lastUsedAt).toBe(new Date(NOW + 61_000).toISOString());

    expect((await api(`/tokens/${id}`, { method: 'DELETE' })).status).toBe(204);
    expect((await api('/leads', { token })).status).toBe(401);
    expect((await api(`/tokens/${id}`, { method: 'DELETE' })).status).toBe(404);
  });

  it('validates token names', async () => {
    const { json } = await setupApi({}, open);
    const res = await json('/tokens', { method: 'POST', body: JSON.stringify({ name: '  ' }) });
    expect(res.status).toBe(400);
    expect(res.body.error.path).toBe('name');
  });
});

describe.each(testDatabases())('API with a dashboard session ($name)', ({ open }) => {
  const SESSION = { userId: 'u1', email: 'sales@acme.test', csrfSecret: 'csrf-secret-of-the-session' };
  async function sessionApp() {
    const db = await open();
    onTestFinished(() => db.close());
    const clock = fixedClock(NOW);
    await db.createSite({ key: 'acme', name: 'Acme', origins: [] }, NOW);
    const config = loadConfig({ DATABASE_URL: ':memory:', PISTE_API_TOKEN: TOKEN });
    const app = new Hono();
    // The dashboard's callback reads the piste_session cookie; this stand-in accepts one fixed cookie value.
    const sessionAuth = async (c: { req: { header(name: string): string | undefined } }) =>
      (c.req.header('cookie') ?? '').includes('piste_session=good') ? SESSION : null;
    app.route('/api', apiRoutes({ db, config, clock, sessionAuth }));
    app.onError((err, c) => (err instanceof ApiError ? c.json(err.toBody(), err.status) : c.json(errorBody('internal', String(err)), 500)));
    return app;
  }

  it('reads with the session cookie alone', async () => {
    const app = await sessionApp();
    expect((await app.request('/api/sites', { headers: { cookie: 'piste_session=good' } })).status).toBe(200);
    expect((await app.request('/api/sites', { headers: { cookie: 'piste_session=bad' } })).status).toBe(401);
  });

  it('needs the CSRF token and our origin to change anything, and records the user as actor', async () => {
    const app = await sessionApp();
    const body = JSON.stringify({ key: 'beta', origins: [] });
    const base = { cookie: 'piste_session=good', 'content-type': 'application/json' };
    const without = await app.request('http://localhost/api/sites', { method: 'POST', headers: { ...base, origin: 'http://localhost' }, body });
    expect(without.status).toBe(403);
    expect((await without.json()).error.code).toBe('csrf');
    const crossSite = await app.request('http://localhost/api/sites', {
      method: 'POST',
      headers: { ...base, origin: 'https://evil.test', 'x-csrf-token': csrfTokenFor(SESSION.csrfSecret) },
      body,
    });
    expect(crossSite.status).toBe(403);
    const ok = await app.request('http://localhost/api/sites', {
      method: 'POST',
      headers: { ...base, origin: 'http://localhost', 'x-csrf-token': csrfTokenFor(SESSION.csrfSecret) },
      body,
    });
    expect(ok.status).toBe(201);
  });

  it('never falls back to the cookie when an Authorization header is present', async () => {
    const app = await sessionApp();
    const res = await app.request('/api/sites', { headers: { cookie: 'piste_session=good', authorization: 'Bearer wrong-token-wrong' } });
    expect(res.status).toBe(401);
  });
});
