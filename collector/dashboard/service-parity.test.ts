// The dashboard's forms accept and refuse exactly what the API does: they go through the same service functions.
import { describe, expect, it } from 'vitest';
import type { Database } from '../db/repository';
import { testDatabases } from '../db/test-databases';
import { newId } from '../ids';
import { dashboardApp, NOW } from './testing';

const UA = 'Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36';

async function signedIn(open: () => Promise<Database>) {
  const t = await dashboardApp({ PISTE_API_TOKEN: 'parity-token-0123456789' }, open);
  const { cookie, csrf } = await t.signIn();
  const post = (path: string, fields: Record<string, string>) => t.post(path, cookie, { ...fields, _csrf: csrf });
  const get = (path: string) => t.request(path, { headers: { cookie } });
  const api = async (path: string, token = 'parity-token-0123456789') =>
    (await t.request(`/api${path}`, { headers: { authorization: `Bearer ${token}` } })).json();
  return { ...t, post, get, api };
}

describe.each(testDatabases())('sites ($name)', ({ open }) => {
  it('refuses the key "Demo" as the API does, with the message beside the form', async () => {
    const t = await signedIn(open);
    const res = await t.post('/sites', { key: 'Demo', name: 'Mixed case', origins: 'https://shop.example' });
    expect(res.status).toBe(400);
    const html = await res.text();
    expect(html).toContain('lower-case letters, digits, _ and -');
    expect(html).toContain('value="Demo"'); // the draft is refilled
    expect((await t.db.listSites()).map((s) => s.key)).toEqual(['demo']);
  });

  it('refuses an origin with a path, and a key that exists with 409', async () => {
    const t = await signedIn(open);
    const bad = await t.post('/sites', { key: 'shop', origins: 'https://shop.example/path' });
    expect(bad.status).toBe(400);
    expect(await bad.text()).toContain('expected an http(s) origin');
    expect((await t.post('/sites', { key: 'demo' })).status).toBe(409);
    expect((await t.db.listSites()).map((s) => s.key)).toEqual(['demo']);
  });

  it('adds a site the API then lists with normalized, de-duplicated origins', async () => {
    const t = await signedIn(open);
    const res = await t.post('/sites', { key: 'shop', name: 'Shop', origins: 'https://shop.example/\nhttps://shop.example, http://localhost:3000' });
    expect(res.status).toBe(303);
    const { sites } = await t.api('/sites');
    expect(sites[1]).toMatchObject({ key: 'shop', name: 'Shop', origins: ['https://shop.example', 'http://localhost:3000'] });
  });

  it("changes a site's allowed origins, with the API's checks and the refused text kept beside the form", async () => {
    const t = await signedIn(open);
    const page = await (await t.get('/sites')).text();
    expect(page).toContain('action="/sites/demo/origins"');
    expect(page).toMatch(/<textarea name="origins"[^>]*>http:\/\/localhost:8080<\/textarea>/);
    const bad = await t.post('/sites/demo/origins', { origins: 'https://www.demo.example\nhttps://demo.example/path' });
    expect(bad.status).toBe(400);
    const html = await bad.text();
    expect(html).toContain('expected an http(s) origin');
    expect(html).toContain('https://demo.example/path</textarea>'); // what was typed, to fix
    expect((await t.db.getSite('demo'))!.origins).toEqual(['http://localhost:8080']);
    const ok = await t.post('/sites/demo/origins', { origins: 'http://localhost:8080\nhttps://www.demo.example/' });
    expect(ok.status).toBe(303);
    expect(ok.headers.get('location')).toBe('/sites?done=origins_saved');
    expect((await t.api('/sites')).sites[0].origins).toEqual(['http://localhost:8080', 'https://www.demo.example']);
    expect((await t.post('/sites/nope/origins', { origins: 'https://a.example' })).status).toBe(404);
  });
});

describe.each(testDatabases())('webhooks ($name)', ({ open }) => {
  it('refuses a name that resolves to 127.0.0.1 (SSRF check after DNS), like POST /api/webhooks', async () => {
    const t = await signedIn(open);
    const res = await t.post('/webhooks', { url: 'https://intranet.example.com/hook' });
    expect(res.status).toBe(400);
    expect(await res.text()).toMatch(/127\.0\.0\.1 is private, loopback/);
    expect(await t.db.listWebhooks()).toEqual([]);
  });

  it('refuses a name that does not resolve, and an unknown site', async () => {
    const t = await signedIn(open);
    expect((await t.post('/webhooks', { url: 'https://nowhere.example.com/hook' })).status).toBe(400);
    expect((await t.post('/webhooks', { url: 'https://hooks.example.com/hook', site: 'nope' })).status).toBe(404);
    expect(await t.db.listWebhooks()).toEqual([]);
  });

  it('creates a public webhook, shows its secret once, and deletes it', async () => {
    const t = await signedIn(open);
    const res = await t.post('/webhooks', { url: 'https://hooks.example.com/piste', site: 'demo' });
    expect(res.status).toBe(201);
    const [hook] = await t.db.listWebhooks();
    expect(await res.text()).toContain(hook.secret);
    expect(hook.secret).toMatch(/^whsec_/);
    expect((await t.api('/webhooks')).webhooks).toEqual([expect.objectContaining({ id: hook.id, site: 'demo', url: 'https://hooks.example.com/piste' })]);
    expect(await (await t.get('/webhooks')).text()).not.toContain(hook.secret);
    expect((await t.post(`/webhooks/${hook.id}/delete`, {})).status).toBe(303);
    expect((await t.post(`/webhooks/${hook.id}/delete`, {})).status).toBe(404);
  });
});

describe.each(testDatabases())('rules ($name)', ({ open }) => {
  it('shows the API validation path in place and stores nothing; valid rules reach GET /api/sites/:key/rules', async () => {
    const t = await signedIn(open);
    const bad = await t.post('/rules?site=demo', { site: 'demo', rules: '{"mql":{"score":"many"}}' });
    expect(bad.status).toBe(400);
    expect(await bad.text()).toContain('<code>mql.score</code>');
    const notJson = await t.post('/rules?site=demo', { site: 'demo', rules: '{' });
    expect(notJson.status).toBe(400);
    expect(await notJson.text()).toContain('not valid JSON');
    expect((await t.db.getSite('demo'))?.rules).toBeNull();
    expect((await t.post('/rules?site=demo', { site: 'demo', rules: '{"mql":{"score":40,"minGrade":"D"}}' })).status).toBe(303);
    expect((await t.api('/sites/demo/rules')).rules.mql).toEqual({ score: 40, minGrade: 'D' });
  });
});

describe.each(testDatabases())('tokens ($name)', ({ open }) => {
  it('creates a token that works as a bearer token, and refuses an empty name in place', async () => {
    const t = await signedIn(open);
    const empty = await t.post('/tokens', { name: '  ' });
    expect(empty.status).toBe(400);
    expect(await t.db.listApiTokens()).toEqual([]);
    const res = await t.post('/tokens', { name: 'CRM' });
    expect(res.status).toBe(201);
    const token = /<code>(pst_[^<]+|[A-Za-z0-9_-]{20,})<\/code>/.exec(await res.text())?.[1];
    expect(token).toBeDefined();
    expect((await t.api('/sites', token)).sites).toHaveLength(1);
  });
});

describe.each(testDatabases())('funnel ($name)', ({ open }) => {
  it('draws the numbers of GET /api/funnel for the chosen site, and reports a bad period in place', async () => {
    const t = await signedIn(open);
    const beacon = await t.request('/e', {
      method: 'POST',
      headers: { 'content-type': 'text/plain', origin: 'http://localhost:8080', 'user-agent': UA },
      body: JSON.stringify({
        site: 'demo', sentAt: NOW,
        events: [
          { id: newId(), type: 'pageview', ts: NOW - 1000, vid: 'visitor-0001', sid: 'session-0001', url: 'http://localhost:8080/' },
          { id: newId(), type: 'pageview', ts: NOW - 900, vid: 'visitor-0002', sid: 'session-0002', url: 'http://localhost:8080/' },
          { id: newId(), type: 'form_submit', ts: NOW, vid: 'visitor-0001', sid: 'session-0001', url: 'http://localhost:8080/demo', email: 'grace@hopper.example', form: { kind: 'demo', fields: {} } },
        ],
      }),
    });
    expect(beacon.status).toBe(202);
    t.clock.advance(1000); // the period ends now, exclusive: look a second later
    const api = await t.api('/funnel?site=demo');
    expect(api.funnel.map((s: { count: number }) => s.count)).toEqual([2, 1, 1, 1, 1]);
    const html = await (await t.get('/funnel')).text();
    const cells = [...html.matchAll(/<tr><td>(Visitors|Leads|MQL|SAL|SQL)<\/td><td class="num">(\d+)<\/td><td class="num">([^<]+)<\/td>/g)];
    expect(cells.map((m) => [m[1], Number(m[2]), m[3]])).toEqual([
      ['Visitors', 2, '—'], ['Leads', 1, '50%'], ['MQL', 1, '100%'], ['SAL', 1, '100%'], ['SQL', 1, '100%'],
    ]);
    const bad = await t.get('/funnel?site=demo&from=2026-02-01&to=2026-01-01');
    expect(bad.status).toBe(200);
    expect(await bad.text()).toContain('from must be before to');
    expect((await t.get('/funnel?site=nope')).status).toBe(404);
  });
});
