// /api/sites, rules, webhooks (SSRF refusals, delivery log) and the funnel.
import { describe, expect, it, onTestFinished } from 'vitest';
import { testDatabases } from '../db/test-databases';
import { fixedClock } from '../clock';
import { loadConfig } from '../config';
import { createWebhook } from './admin';
import { batch, event } from '../ingest/testing';
import { EASY_MQL, NOW, setupApi } from './testing';

describe.each(testDatabases())('sites ($name)', ({ open }) => {
  it('creates, lists and updates sites with validated keys and origins', async () => {
    const t = await setupApi({}, open);
    const created = await t.json('/sites', { method: 'POST', body: JSON.stringify({ key: 'beta', origins: ['https://beta.test/', 'http://localhost:3000'] }) });
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({ key: 'beta', name: 'beta', origins: ['https://beta.test', 'http://localhost:3000'] });
    expect((await t.json('/sites')).body.sites.map((s: { key: string }) => s.key)).toEqual(['acme', 'beta']);
    expect((await t.json('/sites', { method: 'POST', body: '{"key":"beta"}' })).status).toBe(409);
    for (const [body, path] of [
      [{ key: 'Beta' }, 'key'],
      [{ key: '-x' }, 'key'],
      [{ key: 'ok', origins: ['https://a.test/path'] }, 'origins.0'],
      [{ key: 'ok', origins: ['ftp://a.test'] }, 'origins.0'],
      [{ key: 'ok', origins: 'https://a.test' }, 'origins'],
      [{ key: 'ok', extra: 1 }, ''],
    ] as const) {
      const res = await t.json('/sites', { method: 'POST', body: JSON.stringify(body) });
      expect(res.status, JSON.stringify(body)).toBe(400);
      expect(res.body.error.path ?? '').toBe(path);
    }
    expect((await t.json('/sites', { method: 'POST', body: '{' })).body.error.code).toBe('invalid_json');
    const updated = await t.json('/sites/beta', { method: 'PUT', body: JSON.stringify({ origins: ['https://www.beta.test'] }) });
    expect(updated.body.origins).toEqual(['https://www.beta.test']);
    expect((await t.json('/sites/nope', { method: 'PUT', body: '{"origins":[]}' })).status).toBe(404);
  });

  it('answers the effective rules and validates a PUT with the zod path', async () => {
    const t = await setupApi({}, open);
    const rules = (await t.json('/sites/acme/rules')).body.rules;
    expect(rules.mql).toEqual({ score: 50, minGrade: 'C' });
    expect(rules.halfLifeDays).toBe(90);
    const bad = await t.json('/sites/acme/rules', { method: 'PUT', body: JSON.stringify({ mql: { score: 'many' } }) });
    expect(bad.status).toBe(400);
    expect(bad.body.error).toMatchObject({ code: 'invalid_rules', path: 'mql.score' });
    const ok = await t.json('/sites/acme/rules', { method: 'PUT', body: JSON.stringify({ mql: { score: 40, minGrade: 'D' } }) });
    expect(ok.status).toBe(200);
    expect(ok.body.rescore).toContain('piste rescore');
    expect((await t.json('/sites/acme/rules')).body.rules.mql).toEqual({ score: 40, minGrade: 'D' });
    expect((await t.json('/sites/nope/rules')).status).toBe(404);
    // What GET answers can be edited and sent back as it is.
    const read = (await t.json('/sites/acme/rules')).body;
    read.rules.mql.score = 45;
    expect((await t.json('/sites/acme/rules', { method: 'PUT', body: JSON.stringify(read) })).status).toBe(200);
    expect((await t.json('/sites/acme/rules')).body.rules.mql.score).toBe(45);
    const elsewhere = await t.json('/sites/acme/rules', { method: 'PUT', body: JSON.stringify({ ...read, site: 'beta' }) });
    expect(elsewhere.body.error).toMatchObject({ code: 'invalid_rules', path: 'site' });
    expect((await t.json('/sites/acme/rules', { method: 'PUT', body: JSON.stringify({ rules: {}, extra: 1 }) })).body.error.path).toBe('extra');
  });

  it('keeps scores sane when the half-life changes: a lead keeps its own until it is scored again', async () => {
    const t = await setupApi({}, open);
    const vid = 'visitor-halflife-1';
    const id = await t.lead('hl@corp.example', { vid, pages: ['/pricing'] });
    const lead = async () => (await t.json(`/leads/${id}`)).body;
    expect((await lead()).lead.score).toBe(16); // pricing 15 + pageview 1
    // Keys built with a 90-day half-life read as if there were none gave 4985 points here (and a move to SQL).
    expect((await t.json('/sites/acme/rules', { method: 'PUT', body: JSON.stringify({ halfLifeDays: null }) })).status).toBe(200);
    expect((await lead()).lead.score).toBe(16);
    expect((await lead()).breakdown.map((r: { points: number }) => r.points).sort()).toEqual([1, 15]);
    // Its next event scores it again from history, with the new half-life.
    t.clock.advance(10_000);
    await t.post(batch([event({ vid, sid: 'session-0001', ts: t.clock.now() })], { sentAt: t.clock.now() }));
    const after = await lead();
    expect(after.lead).toMatchObject({ score: 17, stage: 'lead' });
    expect(after.stages.map((c: { to: string }) => c.to)).toEqual(['lead']);
  });

  it('applies URL categories set through the rules API to the pages stored from then on', async () => {
    const t = await setupApi({}, open);
    const rules = {
      categories: [{ category: 'pricing', prefixes: ['/offre'] }, { category: 'webinar', prefixes: ['/webinars'] }],
      engagement: [
        { on: 'category', category: 'webinar', points: 7 },
        { on: 'category', category: 'pricing', points: 15, cap: { perSession: 1 } },
      ],
    };
    expect((await t.json('/sites/acme/rules', { method: 'PUT', body: JSON.stringify(rules) })).status).toBe(200);
    const id = await t.lead('webinar@corp.example', { pages: ['/offre', '/webinars/q3', '/pricing'] });
    const detail = (await t.json(`/leads/${id}`)).body;
    expect(detail.events.map((e: { cat: string | null }) => e.cat)).toEqual(['pricing', 'webinar', null, null]);
    expect(detail.lead.score).toBe(22); // the list given replaces the default rules: no pageview points
    expect(detail.breakdown.map((r: { rule: string }) => r.rule).sort()).toEqual(['category:pricing', 'category:webinar']);
  });
});

describe.each(testDatabases())('webhooks ($name)', ({ open }) => {
  it.each(['http://127.0.0.1/x', 'http://localhost:8787/x', 'http://10.0.0.5/x', 'http://169.254.169.254/latest', 'http://[::1]/x', 'http://2130706433/', 'file:///etc/passwd'])(
    'refuses %s with invalid_webhook_url',
    async (url) => {
      const t = await setupApi({}, open);
      const res = await t.json('/webhooks', { method: 'POST', body: JSON.stringify({ url }) });
      expect(res.status).toBe(400);
      expect(res.body.error).toMatchObject({ code: 'invalid_webhook_url', path: 'url' });
      expect((await t.json('/webhooks')).body.webhooks).toEqual([]);
    },
  );

  it('refuses a host name that resolves to a private address (checked after DNS)', async () => {
    const db = await open();
    onTestFinished(() => db.close());
    const ctx = { db, config: loadConfig({ DATABASE_URL: ':memory:' }), clock: fixedClock(NOW), lookup: async () => [{ address: '192.168.1.10', family: 4 as const }] };
    await expect(createWebhook(ctx, { url: 'https://hooks.example.com/x' })).rejects.toMatchObject({ status: 400, code: 'invalid_webhook_url' });
    const publicCtx = { ...ctx, lookup: async () => [{ address: '93.184.216.34', family: 4 as const }] };
    expect((await createWebhook(publicCtx, { url: 'https://hooks.example.com/x' })).secret).toMatch(/^whsec_/);
  });

  it('creates (secret once), lists without secrets, logs deliveries, and deletes', async () => {
    const t = await setupApi({ PISTE_WEBHOOK_ALLOW_PRIVATE: '1' }, open);
    await t.db.updateSiteRules('acme', EASY_MQL);
    const created = await t.json('/webhooks', { method: 'POST', body: JSON.stringify({ url: 'http://127.0.0.1:9/hook', site: 'acme' }) });
    expect(created.status).toBe(201);
    expect(created.body.secret).toMatch(/^whsec_/);
    expect((await t.json('/webhooks', { method: 'POST', body: JSON.stringify({ url: 'http://169.254.169.254/' }) })).status).toBe(400);
    expect((await t.json('/webhooks', { method: 'POST', body: JSON.stringify({ url: 'https://x.test', site: 'nope' }) })).status).toBe(404);
    expect((await t.json('/webhooks', { method: 'POST', body: JSON.stringify({ url: 'https://x.test', events: ['lead.deleted'] }) })).body.error.path).toBe('events.0');
    const list = await t.api('/webhooks');
    const text = await list.text();
    expect(text).not.toContain(created.body.secret);
    expect(JSON.parse(text).webhooks).toEqual([{ id: created.body.id, site: 'acme', url: 'http://127.0.0.1:9/hook', events: ['lead.stage_changed'], createdAt: new Date(NOW).toISOString() }]);

    await t.lead('ada@acme.com'); // visitor→lead→mql: two stage changes, two deliveries
    const deliveries = (await t.json(`/webhooks/${created.body.id}/deliveries`)).body.deliveries;
    expect(deliveries).toHaveLength(2);
    expect(deliveries[0]).toMatchObject({ webhookId: created.body.id, type: 'lead.stage_changed', status: 'pending', attempts: 0, lastStatus: null, deliveredAt: null });
    expect(deliveries[0]).not.toHaveProperty('payload');

    expect((await t.api(`/webhooks/${created.body.id}`, { method: 'DELETE' })).status).toBe(204);
    expect((await t.api(`/webhooks/${created.body.id}`, { method: 'DELETE' })).status).toBe(404);
    expect((await t.json(`/webhooks/${created.body.id}/deliveries`)).status).toBe(404);
  });
});

describe.each(testDatabases())('GET /api/funnel ($name)', ({ open }) => {
  it('counts people who reached each stage in the period, with step conversion rates', async () => {
    const t = await setupApi({}, open);
    await t.db.updateSiteRules('acme', EASY_MQL);
    // Two anonymous browsers, three leads that all become MQL; one accepted, then qualified.
    for (const vid of ['anon-visitor-01', 'anon-visitor-02']) {
      await t.post({ site: 'acme', sentAt: NOW, events: [{ id: `${vid}-e`, type: 'pageview', ts: NOW, vid, sid: 'session-0001', url: 'https://www.acme.test/' }] });
    }
    const ids = [await t.lead('a@acme.com'), await t.lead('b@acme.com'), await t.lead('c@acme.com')];
    await t.api(`/leads/${ids[0]}/accept`, { method: 'POST' });
    await t.api(`/leads/${ids[0]}/qualify`, { method: 'POST' });
    await t.api(`/leads/${ids[1]}/qualify`, { method: 'POST' }); // mql → sql, skipping sal

    const { status, body } = await t.json('/funnel?site=acme&from=2026-01-01&to=2026-01-31');
    expect(status).toBe(200);
    expect(body).toMatchObject({ site: 'acme', from: '2026-01-01T00:00:00.000Z', to: '2026-02-01T00:00:00.000Z' });
    expect(body.stages).toEqual({ visitor: 5, lead: 3, mql: 3, sal: 1, sql: 2, recycled: 0 });
    expect(body.funnel).toEqual([
      { stage: 'visitor', count: 5, rate: null },
      { stage: 'lead', count: 3, rate: 3 / 5 },
      { stage: 'mql', count: 3, rate: 1 },
      { stage: 'sal', count: 2, rate: 2 / 3 }, // the lead that jumped mql→sql passed sal too
      { stage: 'sql', count: 2, rate: 1 },
    ]);
    const before = (await t.json('/funnel?site=acme&from=2025-01-01&to=2025-12-31')).body;
    expect(before.funnel.map((s: { count: number; rate: number | null }) => [s.count, s.rate])).toEqual([[0, null], [0, null], [0, null], [0, null], [0, null]]);
  });

  it('validates the query', async () => {
    const t = await setupApi({}, open);
    expect((await t.json('/funnel')).body.error.path).toBe('site');
    expect((await t.json('/funnel?site=acme&from=yesterday')).body.error.path).toBe('from');
    expect((await t.json('/funnel?site=acme&from=2026-02-01&to=2026-01-01')).body.error.path).toBe('from');
    expect((await t.json('/funnel?site=nope')).status).toBe(404);
  });
});
