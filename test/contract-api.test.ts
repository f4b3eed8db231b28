// SPEC §5 walked route by route through app.request(), on data ingested through POST /e: status, keys, order and types.
import { describe, expect, it } from 'vitest';
import { setupApi, TOKEN, NOW } from '../collector/api/testing';
import { testDatabases } from '../collector/db/test-databases';
import { SITE_CACHE_TTL_MS } from '../collector/ingest/sites';
import { batch, event } from '../collector/ingest/testing';

const LEAD_KEYS = ['id', 'site', 'email', 'name', 'company', 'title', 'score', 'grade', 'stage', 'probability', 'firstSeen', 'lastSeen', 'visits', 'pageviews'];
const EVENT_KEYS = ['id', 'type', 'ts', 'url', 'title', 'ref', 'cat', 'name', 'props', 'form', 'sessionId'];
const STAGE_CHANGE_KEYS = ['from', 'to', 'at', 'cause', 'actor'];
const STAGES = ['visitor', 'lead', 'mql', 'sal', 'sql', 'recycled'];
const ISO = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/;
const HOUR = 3_600_000;

type Json = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

/** The one error shape, with nothing else in it. */
function expectError(body: Json, code: string) {
  expect(Object.keys(body)).toEqual(['error']);
  expect(body.error.code).toBe(code);
  expect(typeof body.error.message).toBe('string');
  expect(Object.keys(body.error).every((k) => ['code', 'message', 'path'].includes(k))).toBe(true);
}

function expectLead(lead: Json) {
  expect(Object.keys(lead)).toEqual(LEAD_KEYS);
  for (const key of ['id', 'site', 'email']) expect(typeof lead[key]).toBe('string');
  for (const key of ['name', 'company', 'title']) expect(lead[key] === null || typeof lead[key] === 'string').toBe(true);
  expect(Number.isInteger(lead.score)).toBe(true);
  expect(['A', 'B', 'C', 'D', 'F']).toContain(lead.grade);
  expect(STAGES).toContain(lead.stage);
  expect(lead.probability === null || (lead.probability >= 0 && lead.probability <= 1)).toBe(true);
  expect(lead.firstSeen).toMatch(ISO);
  expect(lead.lastSeen).toMatch(ISO);
  expect(Number.isInteger(lead.visits) && Number.isInteger(lead.pageviews)).toBe(true);
}

/**
 * Three people, as the script would send them: Ada reads the blog and pricing in two sessions, signs up for the
 * newsletter and identifies (stage lead); Grace books a demo (stage sql); Lin, after the MQL threshold is lowered
 * through the API, identifies and becomes an MQL.
 */
async function world(open: () => Promise<import('../collector/db/repository').Database>) {
  const t = await setupApi({}, open);
  const url = (p: string) => `https://www.acme.test${p}`;
  const ada = { vid: 'visitor-ada-0001' };
  const s1 = { ...ada, sid: 'session-ada-1' };
  const s2 = { ...ada, sid: 'session-ada-2' };
  const sent = await t.post(batch([
    event({ ...s1, ts: NOW - 5 * HOUR, url: url('/blog/closing-the-books'), title: 'Closing the books', ref: 'https://news.example/' }),
    event({ ...s1, ts: NOW - 5 * HOUR + 60_000, url: url('/pricing?utm_source=news'), title: 'Pricing' }),
    event({ ...s2, ts: NOW - HOUR, url: url('/pricing'), title: 'Pricing' }),
    event({ ...s2, ts: NOW - HOUR + 1000, type: 'track', name: 'newsletter_signup', props: { list: 'monthly' } }),
    event({ ...s2, ts: NOW - HOUR + 2000, type: 'identify', email: 'Ada@Northwind.example', traits: { name: 'Ada Lovelace', company: 'Northwind', title: 'VP Finance' } }),
    event({ vid: 'visitor-grace-01', sid: 'session-grace-1', ts: NOW - 30 * 60_000, type: 'form_submit', url: url('/demo'), email: 'grace@hopper.example',
      form: { id: 'demo', name: 'demo', action: '/demo', kind: 'demo', fields: { company: 'Hopper Inc' } } }),
  ]));
  expect(sent.status).toBe(202);
  expect(await sent.json()).toEqual({ accepted: 6, duplicates: 0 });
  const rules = await t.json('/sites/acme/rules', { method: 'PUT', body: JSON.stringify({ mql: { score: 1, minGrade: 'F' } }) });
  expect(rules.status).toBe(200);
  t.clock.advance(SITE_CACHE_TTL_MS); // every collector sees new rules within the site cache's lifetime
  const lin = { vid: 'visitor-lin-0001', sid: 'session-lin-1' };
  expect((await t.post(batch([event({ ...lin, ts: NOW - 70_000 }), event({ ...lin, ts: NOW - 60_000, type: 'identify', email: 'lin@acme-buyers.example' })]))).status).toBe(202);
  t.clock.advance(1000); // the API reads a moment after the beacons (a funnel period ends now, exclusive)
  const id = async (email: string) => (await t.db.getLeadByEmail('acme', email))!.id;
  return { t, ada: await id('ada@northwind.example'), grace: await id('grace@hopper.example'), lin: await id('lin@acme-buyers.example') };
}

describe.each(testDatabases())('SPEC §5 contract ($name)', ({ open }) => {
  it('GET /api/leads: { leads: [LEAD], nextCursor }, sorted, paged, filtered; a bad sort is 400', async () => {
    const { t, ada } = await world(open);
    const all = await t.json('/leads');
    expect(all.status).toBe(200);
    expect(Object.keys(all.body)).toEqual(['leads', 'nextCursor']);
    expect(all.body.nextCursor).toBeNull();
    expect(all.body.leads).toHaveLength(3);
    all.body.leads.forEach(expectLead);
    const scores = all.body.leads.map((l: Json) => l.score);
    expect(scores).toEqual([...scores].sort((a, b) => b - a)); // default -score
    const adaLead = all.body.leads.find((l: Json) => l.id === ada);
    // 3 pageviews + pricing in two sessions + a returning visit + the newsletter = 3 + 30 + 5 + 5.
    expect(adaLead).toMatchObject({ site: 'acme', email: 'ada@northwind.example', name: 'Ada Lovelace', company: 'Northwind', title: 'VP Finance', score: 43, grade: 'B', stage: 'lead', probability: null, visits: 2, pageviews: 3 });
    expect(adaLead.firstSeen).toBe(new Date(NOW - 5 * HOUR).toISOString());

    for (const sort of ['score', '-score', 'probability', '-probability', 'lastSeen', '-lastSeen', 'createdAt', '-createdAt']) {
      expect((await t.json(`/leads?sort=${sort}`)).status, sort).toBe(200);
    }
    const page1 = await t.json('/leads?limit=2&sort=createdAt');
    expect(page1.body.leads).toHaveLength(2);
    expect(typeof page1.body.nextCursor).toBe('string');
    const page2 = await t.json(`/leads?limit=2&sort=createdAt&cursor=${encodeURIComponent(page1.body.nextCursor)}`);
    expect(page2.body.leads).toHaveLength(1);
    expect(page2.body.nextCursor).toBeNull();
    expect((await t.json('/leads?stage=sql')).body.leads.map((l: Json) => l.email)).toEqual(['grace@hopper.example']);
    expect((await t.json('/leads?grade=B&minScore=40&q=northwind')).body.leads.map((l: Json) => l.id)).toEqual([ada]);
    for (const q of ['sort=email', 'stage=customer', 'grade=Z', 'minScore=-1', 'limit=0', 'cursor=garbage']) {
      const bad = await t.json(`/leads?${q}`);
      expect(bad.status, q).toBe(400);
      expectError(bad.body, 'bad_request');
    }
  });

  it('GET /api/leads/:id: lead, events, stages, breakdown summing to the score, fit; 404 in the error shape', async () => {
    const { t, ada } = await world(open);
    const { status, body } = await t.json(`/leads/${ada}`);
    expect(status).toBe(200);
    // `explain` (the model's reasons for `probability`, SPEC §4) comes after the documented keys.
    expect(Object.keys(body)).toEqual(['lead', 'events', 'stages', 'breakdown', 'fit', 'explain']);
    expectLead(body.lead);
    expect(body.events).toHaveLength(5);
    for (const e of body.events) {
      expect(Object.keys(e)).toEqual(EVENT_KEYS);
      expect(e.ts).toMatch(ISO);
      expect(['pageview', 'form_submit', 'identify', 'track']).toContain(e.type);
    }
    expect(body.events[0]).toMatchObject({ type: 'pageview', url: 'https://www.acme.test/blog/closing-the-books', ref: 'https://news.example/', cat: 'blog', sessionId: expect.any(String) });
    expect(body.events.find((e: Json) => e.type === 'track')).toMatchObject({ name: 'newsletter_signup', props: { list: 'monthly' } });
    expect(body.stages).toEqual([{ from: 'visitor', to: 'lead', at: expect.stringMatching(ISO), cause: expect.any(String), actor: null }]);
    for (const item of body.breakdown) expect(Object.keys(item)).toEqual(['rule', 'count', 'points']);
    expect(body.breakdown.reduce((sum: number, b: Json) => sum + b.points, 0)).toBe(body.lead.score);
    for (const item of body.fit) expect(Object.keys(item)).toEqual(['rule', 'points']);
    expect(body.fit.reduce((sum: number, f: Json) => sum + f.points, 0)).toBe(20); // business domain + VP: grade B

    const missing = await t.json('/leads/no-such-lead');
    expect(missing.status).toBe(404);
    expectError(missing.body, 'not_found');
  });

  it('POST accept / qualify / reject: the allowed moves answer { lead, change }, anything else 409, reject needs a reason', async () => {
    const { t, ada, grace, lin } = await world(open);
    const post = (id: string, action: string, body?: unknown) => t.json(`/leads/${id}/${action}`, { method: 'POST', body: body === undefined ? undefined : JSON.stringify(body) });

    expect((await t.json(`/leads/${lin}`)).body.lead.stage).toBe('mql');
    const accepted = await post(lin, 'accept');
    expect(accepted.status).toBe(200);
    expect(Object.keys(accepted.body)).toEqual(['lead', 'change']);
    expectLead(accepted.body.lead);
    expect(Object.keys(accepted.body.change)).toEqual(STAGE_CHANGE_KEYS);
    expect(accepted.body.change).toMatchObject({ from: 'mql', to: 'sal', actor: 'PISTE_API_TOKEN' });
    expect((await post(lin, 'qualify')).body.change).toMatchObject({ from: 'sal', to: 'sql' });

    for (const [id, action] of [[ada, 'accept'], [ada, 'qualify'], [ada, 'reject'], [grace, 'accept'], [grace, 'qualify'], [lin, 'accept']] as const) {
      const refused = await post(id, action, { reason: 'any' });
      expect(refused.status, `${action} from ${(await t.db.getLead(id))?.stage}`).toBe(409);
      expectError(refused.body, 'invalid_transition');
    }
    const noReason = await post(grace, 'reject');
    expect(noReason.status).toBe(400);
    expectError(noReason.body, 'bad_request');
    expect((await t.db.getLead(grace))?.stage).toBe('sql');
    const rejected = await post(grace, 'reject', { reason: 'student project' });
    expect(rejected.body.change).toMatchObject({ from: 'sql', to: 'recycled', cause: expect.stringContaining('student project') });
    const badJson = await t.json(`/leads/${ada}/reject`, { method: 'POST', body: '{' });
    expect(badJson.status).toBe(400);
    expectError(badJson.body, 'invalid_json');
    expect((await post('no-such-lead', 'accept')).status).toBe(404);
  });

  it('GET /api/leads.csv: a header row of the LEAD fields in order, then one row per lead, formula-safe', async () => {
    const { t } = await world(open);
    await t.post(batch([event({ vid: 'visitor-evil-001', sid: 'session-evil-1', type: 'identify', email: 'mallory@evil.example', traits: { name: '=HYPERLINK("https://evil.example")', company: '+cmd' } })]));
    const res = await t.api('/leads.csv?sort=createdAt');
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('text/csv; charset=utf-8');
    const lines = (await res.text()).trim().split(/\r?\n/);
    expect(lines[0]).toBe(LEAD_KEYS.join(','));
    expect(lines).toHaveLength(5);
    const mallory = lines.find((l) => l.includes('mallory@evil.example'))!;
    expect(mallory).not.toMatch(/,=|,\+|,"=|,"\+/);
    expect((await t.json('/leads.csv?sort=nope')).status).toBe(400);
  });

  it('GET /api/leads/:id/export and DELETE /api/leads/:id: everything about the person, then nothing left', async () => {
    const { t, ada } = await world(open);
    const exported = await t.api(`/leads/${ada}/export`);
    expect(exported.status).toBe(200);
    expect(exported.headers.get('content-disposition')).toContain('attachment');
    const data = await exported.json();
    expectLead(data.lead);
    expect(data.events).toHaveLength(5);
    expect(data.visitors.map((v: Json) => v.id)).toEqual(['visitor-ada-0001']);

    const erased = await t.api(`/leads/${ada}`, { method: 'DELETE' });
    expect(erased.status).toBe(204);
    expect(await erased.text()).toBe('');
    expect((await t.json(`/leads/${ada}`)).status).toBe(404);
    expect((await t.json(`/leads/${ada}/export`)).status).toBe(404);
    expect(await t.db.getVisitor('acme', 'visitor-ada-0001')).toBeUndefined();
    expect(await t.db.listVisitorEvents('acme', 'visitor-ada-0001')).toEqual([]);
    expect(await t.db.listStageChanges(ada)).toEqual([]);
    expect((await t.json('/leads')).body.leads.map((l: Json) => l.email)).not.toContain('ada@northwind.example');
    const again = await t.json(`/leads/${ada}`, { method: 'DELETE' });
    expect(again.status).toBe(404);
    expectError(again.body, 'not_found');
  });

  it('GET /api/funnel: counts per stage and conversion rates; site required', async () => {
    const { t } = await world(open);
    const { status, body } = await t.json('/funnel?site=acme');
    expect(status).toBe(200);
    expect(Object.keys(body)).toEqual(['site', 'from', 'to', 'stages', 'funnel']);
    expect(body.from).toMatch(ISO);
    expect(body.to).toMatch(ISO);
    expect(Object.keys(body.stages)).toEqual(STAGES);
    expect(body.funnel.map((s: Json) => s.stage)).toEqual(['visitor', 'lead', 'mql', 'sal', 'sql']);
    expect(body.funnel.map((s: Json) => s.count)).toEqual([3, 3, 2, 1, 1]);
    expect(body.funnel.map((s: Json) => s.rate)).toEqual([null, 1, 2 / 3, 0.5, 1]);
    expectError((await t.json('/funnel')).body, 'bad_request');
    expect((await t.json('/funnel?site=nope')).status).toBe(404);
    expect((await t.json('/funnel?site=acme&from=yesterday')).status).toBe(400);
  });

  it('sites and rules: GET/POST /api/sites, GET/PUT /api/sites/:key/rules', async () => {
    const { t } = await world(open);
    const sites = await t.json('/sites');
    expect(Object.keys(sites.body)).toEqual(['sites']);
    expect(sites.body.sites).toEqual([{ key: 'acme', name: 'Acme', origins: ['https://www.acme.test'], createdAt: expect.stringMatching(ISO) }]);
    const created = await t.json('/sites', { method: 'POST', body: JSON.stringify({ key: 'shop', origins: ['https://shop.example'] }) });
    expect(created.status).toBe(201);
    expect(Object.keys(created.body)).toEqual(['key', 'name', 'origins', 'createdAt']);
    expectError((await t.json('/sites', { method: 'POST', body: JSON.stringify({ key: 'Shop' }) })).body, 'bad_request');
    expectError((await t.json('/sites', { method: 'POST', body: JSON.stringify({ key: 'shop' }) })).body, 'conflict');
    const rules = await t.json('/sites/acme/rules');
    expect(Object.keys(rules.body)).toEqual(['site', 'rules']);
    expect(rules.body.rules.mql).toEqual({ score: 1, minGrade: 'F' });
    const bad = await t.json('/sites/acme/rules', { method: 'PUT', body: JSON.stringify({ halfLifeDays: 'soon' }) });
    expect(bad.status).toBe(400);
    expectError(bad.body, 'invalid_rules');
    expect(bad.body.error.path).toBe('halfLifeDays');
    expect((await t.json('/sites/nope/rules')).status).toBe(404);
  });

  it('webhooks: POST answers { id, secret } once, GET lists without secrets, DELETE 204 then 404; private targets 400', async () => {
    const { t } = await world(open);
    const created = await t.json('/webhooks', { method: 'POST', body: JSON.stringify({ url: 'https://93.184.215.14/piste', events: ['lead.stage_changed'] }) });
    expect(created.status).toBe(201);
    expect(Object.keys(created.body)).toEqual(['id', 'secret']);
    expect(created.body.secret).toMatch(/^whsec_[A-Za-z0-9+/=]+$/);
    const list = await t.json('/webhooks');
    expect(list.body).toEqual({ webhooks: [{ id: created.body.id, site: null, url: 'https://93.184.215.14/piste', events: ['lead.stage_changed'], createdAt: expect.stringMatching(ISO) }] });
    expect(JSON.stringify(list.body)).not.toContain(created.body.secret);
    const refused = await t.json('/webhooks', { method: 'POST', body: JSON.stringify({ url: 'http://169.254.169.254/latest' }) });
    expect(refused.status).toBe(400);
    expectError(refused.body, 'invalid_webhook_url');
    expect((await t.api(`/webhooks/${created.body.id}`, { method: 'DELETE' })).status).toBe(204);
    expectError((await t.json(`/webhooks/${created.body.id}`, { method: 'DELETE' })).body, 'not_found');
  });

  it('POST /api/leads/:id/links, then /o/:token.gif and /c/:token record email_open / email_click; tampered tokens record nothing', async () => {
    const { t, ada } = await world(open);
    const links = await t.json(`/leads/${ada}/links`, { method: 'POST', body: JSON.stringify({ url: 'https://www.acme.test/pricing', campaign: 'june' }) });
    expect(links.status).toBe(200);
    expect(Object.keys(links.body)).toEqual(['openPixel', 'clickUrl']);
    const path = (u: string) => new URL(u).pathname;
    const pixel = await t.app.request(path(links.body.openPixel));
    expect(pixel.status).toBe(200);
    expect(pixel.headers.get('content-type')).toBe('image/gif');
    expect(new Uint8Array(await pixel.arrayBuffer()).slice(0, 6)).toEqual(new TextEncoder().encode('GIF89a'));
    const click = await t.app.request(path(links.body.clickUrl));
    expect(click.status).toBe(302);
    expect(click.headers.get('location')).toBe('https://www.acme.test/pricing');
    const names = async () => (await t.json(`/leads/${ada}`)).body.events.filter((e: Json) => e.type === 'track').map((e: Json) => e.name).sort();
    expect(await names()).toEqual(['email_click', 'email_open', 'newsletter_signup']);

    const tamper = (p: string) => p.replace(/.(\.gif)?$/, (m) => (m[0] === 'A' ? 'B' : 'A') + m.slice(1));
    const badPixel = await t.app.request(tamper(path(links.body.openPixel)));
    expect(badPixel.status).toBe(200); // a mail client never shows a broken image
    const badClick = await t.app.request(tamper(path(links.body.clickUrl)));
    expect(badClick.status).toBe(404);
    expect(badClick.headers.get('location')).toBeNull();
    expectError(await badClick.json(), 'not_found');
    expect(await names()).toEqual(['email_click', 'email_open', 'newsletter_signup']);
    expect((await t.json(`/leads/${ada}/links`, { method: 'POST', body: JSON.stringify({ url: 'javascript:alert(1)' }) })).status).toBe(400);
  });

  it('GET /healthz is 200; every /api route needs credentials; unknown paths answer 404 in the one error shape', async () => {
    const { t, ada } = await world(open);
    const health = await t.app.request('/healthz');
    expect(health.status).toBe(200);
    expect(await health.json()).toEqual({ ok: true });
    const routes: Array<[string, string]> = [
      ['GET', '/leads'], ['GET', '/leads.csv'], ['GET', `/leads/${ada}`], ['POST', `/leads/${ada}/accept`], ['POST', `/leads/${ada}/qualify`],
      ['POST', `/leads/${ada}/reject`], ['GET', `/leads/${ada}/export`], ['DELETE', `/leads/${ada}`], ['POST', `/leads/${ada}/links`],
      ['GET', '/funnel?site=acme'], ['GET', '/sites'], ['POST', '/sites'], ['GET', '/sites/acme/rules'], ['PUT', '/sites/acme/rules'],
      ['POST', '/webhooks'], ['GET', '/webhooks'], ['DELETE', '/webhooks/x'], ['GET', '/nothing-here'],
    ];
    for (const [method, route] of routes) {
      for (const token of [null, 'wrong-token']) {
        const res = await t.json(route, { method, token, body: method === 'GET' || method === 'DELETE' ? undefined : '{}' });
        expect(res.status, `${method} ${route}`).toBe(401);
        expectError(res.body, 'unauthorized');
      }
    }
    expect(await t.db.getLead(ada)).toBeDefined();
    const unknownApi = await t.json('/nothing-here', { token: TOKEN });
    expect(unknownApi.status).toBe(404);
    expectError(unknownApi.body, 'not_found');
    for (const [method, route] of [['GET', '/nothing-here'], ['POST', '/nothing-here'], ['GET', '/o/'], ['GET', '/favicon.ico']]) {
      const res = await t.app.request(route, { method });
      expect(res.status, `${method} ${route}`).toBe(404);
      expect(res.headers.get('content-type')).toMatch(/^application\/json/);
      expectError(await res.json(), 'not_found');
    }
    const wrongMethod = await t.app.request('/e', { method: 'GET' }); // the path exists: 405, in the same shape
    expect(wrongMethod.status).toBe(405);
    expectError(await wrongMethod.json(), 'method_not_allowed');
  });
});
