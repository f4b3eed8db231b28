import { Hono } from 'hono';
import { describe, expect, it } from 'vitest';
import { csrfProtection, csrfTokenFor } from './csrf';
import { dashboardSecurityHeaders, DASHBOARD_CSP } from './headers';
import { clearSessionCookie, readSessionCookie, setSessionCookie } from './session-cookie';

const SECRET = 'session-csrf-secret';
const TOKEN = csrfTokenFor(SECRET);

function appWith(trustProxy = false) {
  const app = new Hono();
  // Only the cookie value "valid" names a live session in these tests.
  app.use('*', csrfProtection({ trustProxy, sessionCsrfSecret: (c) => (readSessionCookie(c) === 'valid' ? SECRET : null) }));
  app.post('/leads/x/accept', async (c) => c.json({ ok: true, body: await c.req.parseBody() }));
  app.get('/leads', (c) => c.text('list'));
  return app;
}

const form = (fields: Record<string, string>) => new URLSearchParams(fields).toString();
const FORM = 'application/x-www-form-urlencoded';

function post(headers: Record<string, string>, body?: string) {
  return appWith().request('http://localhost:8787/leads/x/accept', { method: 'POST', headers, body });
}

describe('csrfProtection', () => {
  it('lets a same-origin form post with the right _csrf field through, body still readable', async () => {
    const res = await post({ cookie: 'piste_session=valid', origin: 'http://localhost:8787', 'content-type': FORM },
      form({ _csrf: TOKEN, reason: 'x' }));
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({ body: { reason: 'x' } });
  });

  it('accepts the x-csrf-token header with a same-origin Referer', async () => {
    const res = await post({ cookie: 'piste_session=valid', referer: 'http://localhost:8787/leads', 'x-csrf-token': TOKEN });
    expect(res.status).toBe(200);
  });

  it('accepts Sec-Fetch-Site: same-origin when Origin and Referer are absent', async () => {
    const res = await post({ cookie: 'piste_session=valid', 'sec-fetch-site': 'same-origin', 'x-csrf-token': TOKEN });
    expect(res.status).toBe(200);
  });

  it.each([
    ['no token', { origin: 'http://localhost:8787' }, form({})],
    ['a wrong token', { origin: 'http://localhost:8787' }, form({ _csrf: TOKEN.slice(0, -1) + 'A' })],
    ['another origin', { origin: 'https://evil.example' }, form({ _csrf: TOKEN })],
    ['a null origin', { origin: 'null' }, form({ _csrf: TOKEN })],
    ['a cross-site referer', { referer: 'https://evil.example/x' }, form({ _csrf: TOKEN })],
    ['no origin information at all', {}, form({ _csrf: TOKEN })],
    ['Sec-Fetch-Site: same-site', { 'sec-fetch-site': 'same-site', origin: 'http://localhost:8787' }, form({ _csrf: TOKEN })],
    ['a different port', { origin: 'http://localhost:8080' }, form({ _csrf: TOKEN })],
  ])('refuses a session-cookie post with %s', async (_name, headers, body) => {
    const res = await post({ cookie: 'piste_session=valid', 'content-type': FORM, ...headers }, body);
    expect(res.status).toBe(403);
    expect(await res.json()).toMatchObject({ error: { code: 'csrf', message: expect.any(String) } });
  });

  it('exempts Bearer-token requests and requests without a session', async () => {
    expect((await post({ cookie: 'piste_session=valid', authorization: 'Bearer abc' })).status).toBe(200);
    expect((await post({})).status).toBe(200);
    expect((await post({ cookie: 'piste_session=expired' })).status).toBe(200);
  });

  it('never checks safe methods', async () => {
    const res = await appWith().request('http://localhost:8787/leads', { headers: { cookie: 'piste_session=valid', origin: 'https://evil.example' } });
    expect(res.status).toBe(200);
  });

  it('uses the forwarded origin only when the proxy is trusted', async () => {
    const headers = { cookie: 'piste_session=valid', origin: 'https://piste.example.com', 'x-csrf-token': TOKEN,
      'x-forwarded-proto': 'https', 'x-forwarded-host': 'piste.example.com' };
    const url = 'http://10.0.0.5:8787/leads/x/accept';
    expect((await appWith(true).request(url, { method: 'POST', headers })).status).toBe(200);
    expect((await appWith(false).request(url, { method: 'POST', headers })).status).toBe(403);
  });

  it('derives a token per secret', () => {
    expect(csrfTokenFor('a')).not.toBe(csrfTokenFor('b'));
    expect(csrfTokenFor('a')).toBe(csrfTokenFor('a'));
  });
});

describe('dashboard security headers and session cookie', () => {
  it('sets a strict CSP and the anti-framing headers', async () => {
    const app = new Hono();
    app.use('*', dashboardSecurityHeaders());
    app.get('/', (c) => c.html('<p>hi</p>'));
    const res = await app.request('/');
    expect(res.headers.get('content-security-policy')).toBe(DASHBOARD_CSP);
    expect(DASHBOARD_CSP).toContain("script-src 'self'");
    expect(DASHBOARD_CSP).not.toContain('unsafe');
    expect(res.headers.get('x-content-type-options')).toBe('nosniff');
    expect(res.headers.get('referrer-policy')).toBe('same-origin');
    expect(res.headers.get('x-frame-options')).toBe('DENY');
  });

  function cookieApp() {
    const app = new Hono();
    app.get('/in', (c) => { setSessionCookie(c, 'sid123', { trustProxy: true }); return c.text('ok'); });
    app.get('/out', (c) => { clearSessionCookie(c); return c.text('ok'); });
    app.get('/who', (c) => c.text(readSessionCookie(c) ?? 'nobody'));
    return app;
  }

  it('sets an HttpOnly, SameSite=Lax, Path=/ cookie, Secure only over https', async () => {
    const plain = (await cookieApp().request('http://localhost/in')).headers.get('set-cookie')!;
    expect(plain).toMatch(/^piste_session=sid123;/);
    expect(plain).toContain('HttpOnly');
    expect(plain).toContain('SameSite=Lax');
    expect(plain).toContain('Path=/');
    expect(plain).not.toContain('Secure');
    const proxied = await cookieApp().request('http://localhost/in', { headers: { 'x-forwarded-proto': 'https' } });
    expect(proxied.headers.get('set-cookie')).toContain('Secure');
    expect((await cookieApp().request('https://piste.example/in')).headers.get('set-cookie')).toContain('Secure');
  });

  it('reads and clears the cookie', async () => {
    expect(await (await cookieApp().request('/who', { headers: { cookie: 'piste_session=abc' } })).text()).toBe('abc');
    expect(await (await cookieApp().request('/who')).text()).toBe('nobody');
    expect((await cookieApp().request('/out')).headers.get('set-cookie')).toMatch(/piste_session=;.*Max-Age=0/);
  });
});
