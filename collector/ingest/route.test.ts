// Contract tests for POST /e: every answer of SPEC §2, through app.request() on a fresh :memory: database.
import { describe, expect, it } from 'vitest';
import { batch, event, NOW, ORIGIN, setup, UA } from './testing';
import { testDatabases } from '../db/test-databases';

const MIN = 60_000;

describe.each(testDatabases())('POST /e ($name)', ({ open }) => {
  it('stores events and answers 202 with counts, reflecting the allowed origin', async () => {
    const { post, db } = await setup({}, open);
    const res = await post(batch([event(), event({ type: 'track', name: 'newsletter_signup' })]));
    expect(res.status).toBe(202);
    expect(await res.json()).toEqual({ accepted: 2, duplicates: 0 });
    expect(res.headers.get('access-control-allow-origin')).toBe(ORIGIN);
    expect(res.headers.get('vary')).toContain('Origin');
    expect(res.headers.get('content-type')).toMatch(/^application\/json/);
    expect(res.headers.get('access-control-expose-headers')).toContain('Retry-After');
    expect(await db.listVisitorEvents('acme', 'visitor-0001')).toHaveLength(2);
  });

  it('accepts application/json with a charset and requests without Origin', async () => {
    const { post } = await setup({}, open);
    const res = await post(batch([event()]), { 'content-type': 'application/json; charset=utf-8', origin: '' });
    expect(res.status).toBe(202);
  });

  it('counts a repeated event id as a duplicate, also within one request, and changes nothing', async () => {
    const { post, db } = await setup({}, open);
    const e = event();
    expect(await (await post(batch([e, e]))).json()).toEqual({ accepted: 1, duplicates: 1 });
    expect(await (await post(batch([e]))).json()).toEqual({ accepted: 0, duplicates: 1 });
    expect(await db.listVisitorEvents('acme', 'visitor-0001')).toHaveLength(1);
  });

  it('leaves the visitor as it was when a duplicate arrives after a session gap (no new session, no score)', async () => {
    const { post, db, clock } = await setup({}, open);
    const first = event({ url: 'https://www.acme.test/pricing' });
    await post(batch([first]));
    const before = await db.getVisitor('acme', 'visitor-0001');
    expect(before?.scoreKey).toBeGreaterThan(0);
    // The same event again, replayed an hour later beside a new visitor's first event (one request, one group).
    clock.advance(60 * MIN);
    const replay = { ...first, ts: NOW + 60 * MIN };
    const other = event({ vid: 'visitor-0002', ts: NOW + 60 * MIN });
    expect(await (await post(batch([replay, other], { sentAt: NOW + 60 * MIN }))).json()).toEqual({ accepted: 1, duplicates: 1 });
    expect(await db.getVisitor('acme', 'visitor-0001')).toEqual(before);
    expect((await db.getVisitor('acme', 'visitor-0002'))?.sessions).toBe(1);
  });

  it('refuses other media types with 415', async () => {
    const { post } = await setup({}, open);
    const res = await post(batch([event()]), { 'content-type': 'application/x-www-form-urlencoded' });
    expect(res.status).toBe(415);
    expect((await res.json()).error.code).toBe('unsupported_media_type');
  });

  it('answers 400 invalid_json for malformed JSON', async () => {
    const { post } = await setup({}, open);
    const res = await post('{"site": "acme", ');
    expect(res.status).toBe(400);
    expect(await res.json()).toEqual({ error: { code: 'invalid_json', message: expect.any(String) } });
  });

  it('answers 400 with the path of the field that breaks the schema, and stores nothing of the request', async () => {
    const { post, db } = await setup({}, open);
    const events = [event(), event(), event(), event({ email: 42 })];
    const res = await post(batch(events));
    expect(res.status).toBe(400);
    const body = await res.json();
    expect(body.error).toMatchObject({ code: 'invalid_event', path: 'events.3.email' });
    expect(await db.listVisitorEvents('acme', 'visitor-0001')).toHaveLength(0);
  });

  it('keeps events from other senders: short ids, long texts cut, categories lower-cased, numeric form values, no sentAt', async () => {
    const { post, db } = await setup({}, open);
    const longUrl = `https://www.acme.test/pricing?utm_campaign=${'x'.repeat(6000)}`;
    const res = await post({
      site: 'acme',
      events: [
        event({ id: 'e1', vid: 'v1', url: longUrl, title: 'T'.repeat(3000), cat: ' Pricing ' }),
        event({ id: 'e2', vid: 'v1', type: 'form_submit', form: { kind: 'newsletter', fields: { seats: 12, ok: true, note: 'n'.repeat(900) } } }),
      ],
    });
    expect(res.status).toBe(202);
    expect(await res.json()).toEqual({ accepted: 2, duplicates: 0 });
    const [view, form] = await db.listVisitorEvents('acme', 'v1');
    expect(view).toMatchObject({ id: 'e1', cat: 'pricing', ts: NOW });
    expect(view.url).toHaveLength(4096);
    expect(view.title).toHaveLength(1000);
    expect(form.form).toMatchObject({ fields: { seats: '12', ok: 'true', note: 'n'.repeat(500) } });
  });

  it('refuses ids with spaces or over 128 characters', async () => {
    const { post } = await setup({}, open);
    for (const [over, path] of [
      [{ id: 'has space' }, 'events.0.id'],
      [{ vid: 'v'.repeat(129) }, 'events.0.vid'],
    ] as const) {
      const res = await post(batch([event(over)]));
      expect(res.status).toBe(400);
      expect((await res.json()).error.path).toBe(path);
    }
  });

  it('never cuts an email: one over 320 characters is left out, and the rest of the batch is stored', async () => {
    const { post, db } = await setup({}, open);
    for (const form of [undefined, { kind: 'demo' }]) {
      const vid = form ? 'visitor-form-1' : 'visitor-identify';
      const res = await post(batch([event({ vid }), event({ vid, type: form ? 'form_submit' : 'identify', email: `${'a'.repeat(320)}@acme.io`, form })]));
      expect(await res.json()).toEqual({ accepted: 2, duplicates: 0 });
      const stored = await db.listVisitorEvents('acme', vid);
      expect(stored).toHaveLength(2);
      expect(stored.map((e) => e.email)).toEqual([null, null]);
    }
    expect(await db.countLeads('acme')).toBe(0);
  });

  it('cuts a page category over 100 characters instead of refusing the batch', async () => {
    const { post, db } = await setup({}, open);
    expect((await post(batch([event({ cat: `Pricing${'x'.repeat(200)}` })]))).status).toBe(202);
    expect((await db.listVisitorEvents('acme', 'visitor-0001'))[0].cat).toBe(`pricing${'x'.repeat(93)}`);
  });

  it('requires a name on track events', async () => {
    const { post } = await setup({}, open);
    const res = await post(batch([event({ type: 'track' })]));
    expect((await res.json()).error.path).toBe('events.0.name');
  });

  it('answers 403 for an unknown site and for an origin not on the allowlist', async () => {
    const { post } = await setup({}, open);
    const unknown = await post(batch([event()], { site: 'nope' }));
    expect(unknown.status).toBe(403);
    expect((await unknown.json()).error.code).toBe('unknown_site');
    const foreign = await post(batch([event()]), { origin: 'https://evil.test' });
    expect(foreign.status).toBe(403);
    expect((await foreign.json()).error.code).toBe('origin_not_allowed');
    // Readable by the page that sent it (no credentials): a 4xx it cannot read is a network error to the script,
    // which would retry it for ever. Storing is what the allowlist guards, and nothing was stored.
    expect(foreign.headers.get('access-control-allow-origin')).toBe('https://evil.test');
    expect(foreign.headers.get('access-control-allow-credentials')).toBeNull();
    expect((await post(batch([event()]), { origin: 'null' })).status).toBe(403);
  });

  it('makes every refusal readable by the sending page, so its script drops what will never be stored', async () => {
    const { app } = await setup({}, open);
    const send = (body: unknown, headers: Record<string, string> = {}) =>
      app.request('/e', { method: 'POST', body: typeof body === 'string' ? body : JSON.stringify(body), headers: { 'content-type': 'text/plain', origin: ORIGIN, 'user-agent': UA, ...headers } });
    const refusals = [
      await send('{not json'),
      await send(batch([event({ ts: -1 })])),
      await send(batch([event()]), { 'content-type': 'application/xml' }),
      await send(batch([event({ id: 'big', title: 'x'.repeat(40_000) })])),
      await send(batch([event()], { site: 'nope' })),
    ];
    expect(refusals.map((r) => r.status)).toEqual([400, 400, 415, 413, 403]);
    for (const res of refusals) {
      expect(res.headers.get('access-control-allow-origin')).toBe(ORIGIN);
      expect(res.headers.get('vary')).toContain('Origin');
      expect((await res.json()).error.code).toEqual(expect.any(String));
    }
  });

  it('answers 413 for a body over 500 KB, checking the bytes read and not only Content-Length', async () => {
    const { post } = await setup({}, open);
    const big = JSON.stringify(batch([event()])) + ' '.repeat(501 * 1024);
    expect((await post(big)).status).toBe(413);
    expect((await post(big, { 'content-length': '10' })).status).toBe(413);
    expect((await post('{}', { 'content-length': String(600 * 1024) })).status).toBe(413);
  });

  it('answers 413 for one event over 32 KB and for more than 100 events', async () => {
    const { post } = await setup({}, open);
    const fat = await post(batch([event(), event({ title: 'x'.repeat(33 * 1024) })]));
    expect(fat.status).toBe(413);
    expect((await fat.json()).error).toMatchObject({ code: 'payload_too_large', path: 'events.1' });
    const many = await post(batch(Array.from({ length: 101 }, () => event())));
    expect(many.status).toBe(413);
    expect((await many.json()).error.code).toBe('too_many_events');
    expect((await post(batch(Array.from({ length: 100 }, () => event())))).status).toBe(202);
  });

  it('answers bots and requests without User-Agent 202 but stores nothing', async () => {
    const { post, db, metrics } = await setup({}, open);
    const bot = await post(batch([event()]), { 'user-agent': 'Googlebot/2.1 (+http://www.google.com/bot.html)' });
    expect(bot.status).toBe(202);
    expect(await bot.json()).toEqual({ accepted: 0, duplicates: 0 });
    expect((await post(batch([event()]), { 'user-agent': '' })).status).toBe(202);
    expect(await db.listVisitorEvents('acme', 'visitor-0001')).toHaveLength(0);
    expect(metrics.botRequests).toBe(2);
  });

  it('corrects timestamps by the sentAt skew and clamps the future to now', async () => {
    const { post, db } = await setup({}, open);
    // The client clock is 10 minutes behind: its ts and sentAt both move forward by 10 minutes.
    await post(batch([event({ id: 'skewed-event', ts: NOW - 11 * MIN })], { sentAt: NOW - 10 * MIN }));
    await post(batch([event({ id: 'future-event', ts: NOW + 60 * MIN })]));
    const events = await db.listVisitorEvents('acme', 'visitor-0001');
    expect(events.find((e) => e.id === 'skewed-event')!.ts).toBe(NOW - MIN);
    expect(events.find((e) => e.id === 'future-event')!.ts).toBe(NOW);
  });

  it('refuses events older than the retention period', async () => {
    const { post } = await setup({ PISTE_RETENTION_DAYS: '30' }, open);
    const res = await post(batch([event(), event({ ts: NOW - 31 * 86_400_000 })]));
    expect(res.status).toBe(400);
    expect((await res.json()).error.path).toBe('events.1.ts');
    // Once the site and origin are known, errors are readable by the page's script, so it knows not to retry.
    expect(res.headers.get('access-control-allow-origin')).toBe(ORIGIN);
    expect(res.headers.get('vary')).toContain('Origin');
    expect(res.headers.get('content-type')).toMatch(/^application\/json/);
  });

  it('stores the client IP truncated, from X-Forwarded-For only behind a trusted proxy', async () => {
    const trusted = await setup({ PISTE_TRUST_PROXY: '1' }, open);
    await trusted.post(batch([event()]), { 'x-forwarded-for': '203.0.113.77, 10.0.0.1' });
    expect((await trusted.db.listVisitorEvents('acme', 'visitor-0001'))[0].ip).toBe('203.0.113.0');
    const direct = await setup({}, open);
    await direct.post(batch([event()]), { 'x-forwarded-for': '203.0.113.77' });
    expect((await direct.db.listVisitorEvents('acme', 'visitor-0001'))[0].ip).toBeNull(); // no socket in app.request()
  });

  it('answers 429 with Retry-After past the rate limit', async () => {
    const { post } = await setup({ PISTE_RATE_LIMIT: '1/2' }, open);
    const statuses = [];
    for (let i = 0; i < 3; i++) statuses.push((await post(batch([event()]))).status);
    expect(statuses).toEqual([202, 202, 429]);
    const res = await post(batch([event()]));
    expect(res.headers.get('retry-after')).toMatch(/^\d+$/);
    // The page's script can read it: the origin is allowed and Retry-After exposed.
    expect(res.headers.get('access-control-allow-origin')).toBe(ORIGIN);
    expect(res.headers.get('access-control-expose-headers')).toContain('Retry-After');
  });

  it('answers 405 in the error shape to any other method', async () => {
    const { app } = await setup({}, open);
    for (const method of ['GET', 'PUT', 'DELETE', 'PATCH']) {
      const res = await app.request('/e', { method });
      expect(res.status, method).toBe(405);
      expect(res.headers.get('allow')).toBe('POST, OPTIONS');
      expect((await res.json()).error.code).toBe('method_not_allowed');
    }
  });

  it('answers the CORS preflight for allowed origins only', async () => {
    const { app } = await setup({}, open);
    const ok = await app.request('/e', { method: 'OPTIONS', headers: { origin: ORIGIN, 'access-control-request-method': 'POST' } });
    expect(ok.status).toBe(204);
    expect(ok.headers.get('access-control-allow-origin')).toBe(ORIGIN);
    expect(ok.headers.get('access-control-allow-headers')).toContain('Content-Type');
    expect(ok.headers.get('access-control-max-age')).toBeTruthy();
    const evil = await app.request('/e', { method: 'OPTIONS', headers: { origin: 'https://evil.test' } });
    expect(evil.headers.get('access-control-allow-origin')).toBeNull();
  });

  it('derives server sessions with a 30-minute gap and page categories from URL rules', async () => {
    const { post, db } = await setup({}, open);
    await post(batch([
      event({ id: 'first-visit', ts: NOW - 100 * MIN, url: 'https://www.acme.test/fr/tarifs' }),
      event({ id: 'same-visit', ts: NOW - 80 * MIN, url: 'https://www.acme.test/blog/post' }),
      event({ id: 'second-visit', ts: NOW - 10 * MIN, url: 'https://www.acme.test/pricingfoo', cat: 'docs' }),
    ]));
    const events = await db.listVisitorEvents('acme', 'visitor-0001');
    expect(events.map((e) => e.cat)).toEqual(['pricing', 'blog', 'docs']);
    expect(events[0].sessionId).toBe(events[1].sessionId);
    expect(events[2].sessionId).not.toBe(events[1].sessionId);
    expect((await db.getVisitor('acme', 'visitor-0001'))!.sessions).toBe(2);
  });

  it("starts a visit when the page's session id changes, and after a 30-minute gap even under the same one", async () => {
    const { post, db } = await setup({}, open);
    const vid = 'visitor-sid-1';
    const send = (id: string, sid: string | undefined, ts: number) => post(batch([event({ id, vid, sid, ts })]));
    await send('a1', 'sid-a', NOW - 100 * MIN);
    await send('a2', 'sid-a', NOW - 95 * MIN); // same page session
    await send('b1', 'sid-b', NOW - 90 * MIN); // a new page session 5 minutes later: a new visit
    await send('b2', 'sid-b', NOW - 50 * MIN); // 40 minutes idle under the same sid: a new visit too
    await send('b3', 'sid-b', NOW - 45 * MIN); // … which goes on under that sid
    await send('late', 'sid-a', NOW - 94 * MIN); // a retry of an old page's event: its own visit, no new one
    await send('c1', undefined, NOW - 40 * MIN); // no sid: the server's 30-minute rule alone
    const events = await db.listVisitorEvents('acme', vid);
    const byId = Object.fromEntries(events.map((e) => [e.id, e.sessionId]));
    expect(byId.a2).toBe(byId.a1);
    expect(byId.late).toBe(byId.a1);
    expect(new Set([byId.a1, byId.b1, byId.b2]).size).toBe(3);
    expect(byId.b3).toBe(byId.b2);
    expect(byId.c1).toBe(byId.b2);
    expect((await db.getVisitor('acme', vid))!.sessions).toBe(3);
    // The same page session of another browser is another visit.
    await post(batch([event({ id: 'other', vid: 'visitor-sid-2', sid: 'sid-a', ts: NOW - 100 * MIN })]));
    expect((await db.listVisitorEvents('acme', 'visitor-sid-2'))[0].sessionId).not.toBe(byId.a1);
  });

  it('never answers 500, whatever the body', async () => {
    const { post } = await setup({}, open);
    const hostile = [
      '', 'null', '[]', '"x"', '{"site":null}', '{"site":"acme","sentAt":"x","events":[]}', '{"site":"acme","sentAt":1,"events":{}}',
      JSON.stringify(batch([null])), JSON.stringify(batch([{ id: '../../etc', type: 'pageview' }])),
      JSON.stringify(batch([event({ ts: 1e300 })])), JSON.stringify(batch([event({ props: { a: { b: 1 } } })])),
      JSON.stringify(batch([event({ traits: { __proto__: 'x', constructor: 1 } })])), '\u0000\uFFFF', '{"__proto__":{"polluted":1}}',
      JSON.stringify(batch([event({ email: 'a'.repeat(300) + '@x.io' })])), JSON.stringify(batch([event({ url: 'javascript:alert(1)' })])),
    ];
    for (const body of hostile) {
      const res = await post(body);
      expect(res.status, body.slice(0, 60)).toBeLessThan(500);
      const json = await res.json();
      if (res.status >= 400) expect(json.error.code, body.slice(0, 60)).toMatch(/^[a-z_]+$/);
    }
  });
});

describe.each(testDatabases())('GET /piste.js, /healthz and unknown paths ($name)', ({ open }) => {
  it('answers 404 in the error shape', async () => {
    const { app } = await setup({}, open);
    const res = await app.request('/nothing');
    expect(res.status).toBe(404);
    expect((await res.json()).error.code).toBe('not_found');
  });

  it('answers /healthz 200 while the database answers, 503 after it closed', async () => {
    const { app, db } = await setup({}, open);
    expect(await (await app.request('/healthz')).json()).toEqual({ ok: true });
    await db.close();
    expect((await app.request('/healthz')).status).toBe(503);
  });
});
