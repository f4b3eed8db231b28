// Dashboard authorization and CSRF: every page and action refuses without a session, every action without a valid
// token or from another origin; sign-in is rate limited; cookies carry the right flags; sign-out ends the session.
import { describe, expect, it } from 'vitest';
import { testDatabases } from '../collector/db/test-databases';
import { DASHBOARD_CSP } from '../collector/auth/headers';
import { BASE, dashboardApp, EMAIL, NOW, PASSWORD } from '../collector/dashboard/testing';
import { newId } from '../collector/ids';

const UA = 'Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36';

/** A lead made the way production makes them: a form submission with an email, through POST /e. */
async function withLead(t: Awaited<ReturnType<typeof dashboardApp>>): Promise<string> {
  const res = await t.request('/e', {
    method: 'POST',
    headers: { 'content-type': 'text/plain', origin: 'http://localhost:8080', 'user-agent': UA },
    body: JSON.stringify({
      site: 'demo', sentAt: NOW,
      events: [{ id: newId(), type: 'form_submit', ts: NOW, vid: 'visitor-0001', sid: 'session-0001', url: 'http://localhost:8080/demo', email: 'grace@hopper.example', form: { kind: 'newsletter', fields: {} } }],
    }),
  });
  expect(res.status, await res.clone().text()).toBe(202);
  const lead = await t.db.getLeadByEmail('demo', 'grace@hopper.example');
  return lead!.id;
}

const PAGES = (leadId: string) => ['/', '/leads', `/leads/${leadId}`, '/funnel', '/sites', '/rules?site=demo', '/webhooks', '/users'];
const ACTIONS = (leadId: string): Array<[string, Record<string, string>]> => [
  [`/leads/${leadId}/accept`, {}],
  [`/leads/${leadId}/qualify`, {}],
  [`/leads/${leadId}/reject`, { reason: 'no budget' }],
  [`/leads/${leadId}/erase`, { confirm: 'yes' }],
  ['/sites', { key: 'shop', origins: 'https://shop.example' }],
  ['/sites/demo/origins', { origins: 'https://www.demo.example' }],
  ['/rules?site=demo', { site: 'demo', rules: '{}' }],
  ['/webhooks', { url: 'https://hooks.example.com/piste' }],
  ['/webhooks/someid/delete', {}],
  ['/users', { email: 'new@northwind.example', password: 'a long enough password' }],
  ['/users/someid/delete', {}],
  ['/tokens', { name: 'CRM' }],
  ['/tokens/someid/delete', {}],
  ['/signout', {}],
];

describe.each(testDatabases())('without a session ($name)', ({ open }) => {
  it('redirects every dashboard page to the sign-in, keeping where to come back', async () => {
    const t = await dashboardApp({}, open);
    const leadId = await withLead(t);
    for (const page of PAGES(leadId)) {
      const res = await t.request(page);
      expect(res.status, page).toBe(302);
      expect(res.headers.get('location'), page).toMatch(/^\/signin(\?next=%2F.*)?$/);
    }
    expect((await t.request('/leads?stage=mql')).headers.get('location')).toBe('/signin?next=%2Fleads%3Fstage%3Dmql');
  });

  it('refuses every action with 401 and changes nothing', async () => {
    const t = await dashboardApp({}, open);
    const leadId = await withLead(t);
    for (const [path, fields] of ACTIONS(leadId)) {
      const res = await t.post(path, '', fields);
      expect(res.status, path).toBe(401);
      expect(res.headers.get('content-type'), path).toMatch(/text\/html/);
    }
    expect(await t.db.getLead(leadId)).toBeDefined();
    expect((await t.db.listSites()).map((s) => s.key)).toEqual(['demo']);
    expect(await t.db.listUsers()).toHaveLength(1);
  });

  it('treats a made-up or expired session cookie as no session', async () => {
    const t = await dashboardApp({}, open);
    expect((await t.request('/leads', { headers: { cookie: 'piste_session=made-up' } })).status).toBe(302);
    const { cookie } = await t.signIn();
    t.clock.advance(7 * 24 * 3600 * 1000 + 1);
    expect((await t.request('/leads', { headers: { cookie } })).status).toBe(302);
  });

  it('ends a session 30 days after sign-in, however often it is used', async () => {
    const t = await dashboardApp({}, open);
    const { cookie } = await t.signIn();
    const DAY = 24 * 3600 * 1000;
    for (let day = 1; day < 30; day++) {
      t.clock.advance(DAY); // used every day: extended each time, within its 30 days
      expect((await t.request('/leads', { headers: { cookie } })).status, `day ${day}`).toBe(200);
    }
    t.clock.advance(DAY);
    expect((await t.request('/leads', { headers: { cookie } })).status).toBe(302);
  }, 60_000);
});

describe.each(testDatabases())('with a session ($name)', ({ open }) => {
  it('shows every page, with the strict CSP and no caching', async () => {
    const t = await dashboardApp({}, open);
    const leadId = await withLead(t);
    const { cookie } = await t.signIn();
    for (const page of PAGES(leadId).slice(1)) {
      const res = await t.request(page, { headers: { cookie } });
      expect(res.status, page).toBe(200);
      expect(res.headers.get('content-security-policy'), page).toBe(DASHBOARD_CSP);
      expect(res.headers.get('x-frame-options'), page).toBe('DENY');
      expect(res.headers.get('cache-control'), page).toBe('no-store');
    }
  });

  it('refuses every action with a missing or wrong _csrf, or from another origin (403, HTML)', async () => {
    const t = await dashboardApp({}, open);
    const leadId = await withLead(t);
    const { cookie, csrf } = await t.signIn();
    for (const [path, fields] of ACTIONS(leadId)) {
      for (const [name, res] of [
        ['no token', await t.post(path, cookie, fields)],
        ['wrong token', await t.post(path, cookie, { ...fields, _csrf: csrf.slice(0, -2) + 'xx' })],
        ['another origin', await t.post(path, cookie, { ...fields, _csrf: csrf }, { origin: 'https://evil.example' })],
        ['cross-site fetch', await t.post(path, cookie, { ...fields, _csrf: csrf }, { origin: '', 'sec-fetch-site': 'cross-site' })],
      ] as const) {
        expect(res.status, `${path}: ${name}`).toBe(403);
        expect(res.headers.get('content-type'), `${path}: ${name}`).toMatch(/text\/html/);
      }
    }
    // Nothing above changed anything, and the session still works.
    expect((await t.db.getLead(leadId))?.stage).toBe('lead');
    expect((await t.db.listSites()).map((s) => s.key)).toEqual(['demo']);
    expect((await t.request('/leads', { headers: { cookie } })).status).toBe(200);
  });

  it('lets the same actions through with the token from the same origin', async () => {
    const t = await dashboardApp({}, open);
    const leadId = await withLead(t);
    const { cookie, csrf } = await t.signIn();
    const ok = async (path: string, fields: Record<string, string>) => (await t.post(path, cookie, { ...fields, _csrf: csrf })).status;
    expect(await ok('/sites', { key: 'shop', origins: 'https://shop.example' })).toBe(303);
    expect(await ok('/tokens', { name: 'CRM' })).toBe(201);
    expect(await ok('/users', { email: 'new@northwind.example', password: 'a long enough password' })).toBe(303);
    // A lead at stage "lead" cannot be accepted: a readable 409 page, not a crash.
    const conflict = await t.post(`/leads/${leadId}/accept`, cookie, { _csrf: csrf });
    expect(conflict.status).toBe(409);
    expect(await conflict.text()).toContain('Not changed');
    expect(await ok(`/leads/${leadId}/erase`, {})).toBe(400); // no confirm=yes: nothing erased
    expect(await t.db.getLead(leadId)).toBeDefined();
    expect(await ok(`/leads/${leadId}/erase`, { confirm: 'yes' })).toBe(303);
    expect(await t.db.getLead(leadId)).toBeUndefined();
    expect(await ok('/signout', {})).toBe(303);
  });

  it('answers unknown leads with an HTML 404 page', async () => {
    const t = await dashboardApp({}, open);
    const { cookie } = await t.signIn();
    const res = await t.request('/leads/nope', { headers: { cookie } });
    expect(res.status).toBe(404);
    expect(res.headers.get('content-type')).toMatch(/text\/html/);
    expect(res.headers.get('content-security-policy')).toBe(DASHBOARD_CSP);
  });
});

describe.each(testDatabases())('sign-in ($name)', ({ open }) => {
  it('gives the same answer for a wrong password and an unknown email', async () => {
    const t = await dashboardApp({}, open);
    const attempt = (email: string, password: string) => t.post('/signin', '', { email, password });
    const wrong = await attempt(EMAIL, 'wrong password');
    const unknown = await attempt('nobody@northwind.example', PASSWORD);
    expect(wrong.status).toBe(401);
    expect(unknown.status).toBe(401);
    const message = (html: string) => /<p class="flash[^>]*>([^<]*)</.exec(html)?.[1];
    expect(message(await wrong.text())).toBe('The email or password is wrong.');
    expect(message(await unknown.text())).toBe('The email or password is wrong.');
    expect(wrong.headers.get('set-cookie')).toBeNull();
  });

  it('refuses a sign-in posted from another site (login CSRF)', async () => {
    const t = await dashboardApp({}, open);
    const res = await t.post('/signin', '', { email: EMAIL, password: PASSWORD }, { origin: 'https://evil.example' });
    expect(res.status).toBe(403);
    expect(res.headers.get('set-cookie')).toBeNull();
  });

  it('allows 5 attempts a minute per client and email, then answers 429 with Retry-After', async () => {
    const t = await dashboardApp({}, open);
    for (let i = 0; i < 5; i++) expect((await t.post('/signin', '', { email: EMAIL, password: `guess ${i}` })).status).toBe(401);
    const limited = await t.post('/signin', '', { email: EMAIL, password: PASSWORD });
    expect(limited.status).toBe(429);
    expect(Number(limited.headers.get('retry-after'))).toBeGreaterThan(0);
    expect(limited.headers.get('set-cookie')).toBeNull();
    // Another email is another bucket; and a minute later the right password works again.
    expect((await t.post('/signin', '', { email: 'other@northwind.example', password: 'x' })).status).toBe(401);
    t.clock.advance(60_000);
    expect((await t.signIn()).res.status).toBe(303);
  });

  it('does not count successful sign-ins, and limits failures per client whatever the email', async () => {
    const t = await dashboardApp({}, open);
    for (let i = 0; i < 8; i++) expect((await t.post('/signin', '', { email: EMAIL, password: PASSWORD })).status).toBe(303);
    // One password tried on many accounts from one client: 20 failures a minute, then 429 even for a new email.
    for (let i = 0; i < 20; i++) expect((await t.post('/signin', '', { email: `user${i}@northwind.example`, password: 'Winter2026!' })).status).toBe(401);
    expect((await t.post('/signin', '', { email: 'user99@northwind.example', password: 'Winter2026!' })).status).toBe(429);
    expect((await t.post('/signin', '', { email: EMAIL, password: PASSWORD })).status).toBe(429);
    t.clock.advance(60_000);
    expect((await t.signIn()).res.status).toBe(303);
  }, 60_000);

  it('sets an HttpOnly, SameSite=Lax cookie, Secure only behind https (trusted proxy)', async () => {
    const plain = (await (await dashboardApp({}, open)).signIn()).setCookie;
    expect(plain).toContain('HttpOnly');
    expect(plain).toContain('SameSite=Lax');
    expect(plain).not.toContain('Secure');
    const proxied = await dashboardApp({ PISTE_TRUST_PROXY: '1' }, open);
    const https = await proxied.signIn(EMAIL, PASSWORD, { 'x-forwarded-proto': 'https', 'x-forwarded-host': 'localhost:8787', origin: 'https://localhost:8787' });
    expect(https.setCookie).toContain('Secure');
    expect(https.setCookie).toContain('HttpOnly');
  });

  it('stores only a hash of the session id and never redirects off-site after sign-in', async () => {
    const t = await dashboardApp({}, open);
    const res = await t.request('/signin?next=%2F%2Fevil.example', {
      method: 'POST',
      headers: { origin: BASE, 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ email: EMAIL, password: PASSWORD }).toString(),
    });
    expect(res.headers.get('location')).toBe('/leads');
    const id = /piste_session=([^;]+)/.exec(res.headers.get('set-cookie')!)![1];
    expect(await t.db.getAuthSession(id, NOW)).toBeUndefined();
  });

  it.each(['//evil.example', '/\\evil.example', '/%09/evil.example', '/%0A/evil.example', '/%5C/evil.example', 'https://evil.example', '/\t/evil.example'])(
    'sends a signed-in user with next=%s to the leads, not off-site',
    async (next) => {
      const t = await dashboardApp({}, open);
      const { cookie } = await t.signIn();
      const res = await t.request(`/signin?next=${next.includes('%') ? next : encodeURIComponent(next)}`, { headers: { cookie } });
      expect(res.status).toBe(302);
      expect(res.headers.get('location')).toBe('/leads');
    },
  );

  it('keeps a local next, query included', async () => {
    const t = await dashboardApp({}, open);
    const { cookie } = await t.signIn();
    const res = await t.request(`/signin?next=${encodeURIComponent('/leads?stage=mql&q=a%20b')}`, { headers: { cookie } });
    expect(res.headers.get('location')).toBe('/leads?stage=mql&q=a%20b');
  });
});

describe.each(testDatabases())('removing a user ($name)', ({ open }) => {
  it('ends their sessions at once, refuses to remove yourself, and answers 404 for no one', async () => {
    const t = await dashboardApp({}, open);
    const admin = await t.signIn();
    expect((await t.post('/users', admin.cookie, { email: 'bob@northwind.example', password: 'a long enough password', _csrf: admin.csrf })).status).toBe(303);
    const bob = await t.signIn('bob@northwind.example', 'a long enough password');
    expect((await t.request('/leads', { headers: { cookie: bob.cookie } })).status).toBe(200);
    const page = await (await t.request('/users', { headers: { cookie: admin.cookie } })).text();
    const bobId = (await t.db.getUserByEmail('bob@northwind.example'))!.id;
    const adminId = (await t.db.getUserByEmail(EMAIL))!.id;
    expect(page).toContain(`action="/users/${bobId}/delete"`);
    expect(page).not.toContain(`action="/users/${adminId}/delete"`);
    expect((await t.post(`/users/${adminId}/delete`, admin.cookie, { _csrf: admin.csrf })).status).toBe(409);
    const removed = await t.post(`/users/${bobId}/delete`, admin.cookie, { _csrf: admin.csrf });
    expect(removed.headers.get('location')).toBe('/users?done=user_removed');
    expect((await t.request('/leads', { headers: { cookie: bob.cookie } })).status).toBe(302); // signed out
    expect(await t.db.getUserByEmail('bob@northwind.example')).toBeUndefined();
    expect((await t.post(`/users/${bobId}/delete`, admin.cookie, { _csrf: admin.csrf })).status).toBe(404);
    expect((await t.request('/leads', { headers: { cookie: admin.cookie } })).status).toBe(200);
  });
});

describe.each(testDatabases())('sign-out ($name)', ({ open }) => {
  it('deletes the session on the server: the old cookie no longer works', async () => {
    const t = await dashboardApp({}, open);
    const { cookie, csrf } = await t.signIn();
    const out = await t.post('/signout', cookie, { _csrf: csrf });
    expect(out.status).toBe(303);
    expect(out.headers.get('set-cookie')).toMatch(/piste_session=;.*Max-Age=0/);
    expect((await t.request('/leads', { headers: { cookie } })).status).toBe(302);
  });
});
