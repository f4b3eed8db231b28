// /api/leads*: list filters and sorts, keyset paging, detail, transitions, CSV, personal-data export and erasure.
import { describe, expect, it } from 'vitest';
import { sqlRows, tableNames, testDatabases } from '../db/test-databases';
import { batch, event } from '../ingest/testing';
import { EASY_MQL, NOW, setupApi } from './testing';

type LeadRow = { id: string; email: string; score: number; stage: string; probability: number | null };

describe.each(testDatabases())('GET /api/leads ($name)', ({ open }) => {
  it('filters by stage, grade, minScore and q, and sorts by score descending by default', async () => {
    const t = await setupApi({}, open);
    await t.lead('ada@acme.com', { traits: { name: 'Ada Lovelace', company: 'Analytical' }, pages: ['/', '/pricing'] });
    await t.lead('bob@gmail.com', { traits: { name: 'Bob' } });
    const { body } = await t.json('/leads');
    expect(body.leads.map((l: LeadRow) => [l.email, l.score])).toEqual([['ada@acme.com', 17], ['bob@gmail.com', 1]]);
    expect((await t.json('/leads?minScore=17')).body.leads.map((l: LeadRow) => l.email)).toEqual(['ada@acme.com']);
    expect((await t.json('/leads?minScore=18')).body.leads).toEqual([]);
    expect((await t.json('/leads?minScore=16.2')).body.leads.map((l: LeadRow) => l.email)).toEqual(['ada@acme.com']);
    expect((await t.json('/leads?minScore=17.4')).body.leads).toEqual([]); // shown as 17: below 17.4
    expect((await t.json('/leads?grade=C')).body.leads.map((l: LeadRow) => l.email)).toEqual(['ada@acme.com']);
    expect((await t.json('/leads?grade=c,F')).body.leads).toHaveLength(2);
    expect((await t.json('/leads?q=LOVE')).body.leads.map((l: LeadRow) => l.email)).toEqual(['ada@acme.com']);
    expect((await t.json('/leads?q=analyt')).body.leads).toHaveLength(1);
    expect((await t.json('/leads?q=%25')).body.leads).toEqual([]); // a literal %, not a wildcard
    expect((await t.json('/leads?stage=lead&site=acme&sort=score')).body.leads.map((l: LeadRow) => l.email)).toEqual(['bob@gmail.com', 'ada@acme.com']);
    expect((await t.json('/leads?site=other')).body.leads).toEqual([]);
  });

  it.each([
    ['sort=name', 'sort'],
    ['sort=score;DROP', 'sort'],
    ['stage=customer', 'stage'],
    ['grade=E', 'grade.0'],
    ['grade=A,Z', 'grade.1'],
    ['minScore=-1', 'minScore'],
    ['minScore=abc', 'minScore'],
    ['limit=0', 'limit'],
    ['limit=201', 'limit'],
    ['limit=2.5', 'limit'],
    ['cursor=not-a-cursor', 'cursor'],
    [`cursor=${Buffer.from('{"s":"-score","v":1}').toString('base64url')}`, 'cursor'],
    [`cursor=${Buffer.from('{"s":"-createdAt","v":1,"id":"x"}').toString('base64url')}`, 'cursor'],
  ])('answers 400 for %s with path %s', async (query, path) => {
    const t = await setupApi({}, open);
    const res = await t.json(`/leads?${query}`);
    expect(res.status).toBe(400);
    expect(res.body.error).toMatchObject({ code: 'bad_request', path });
  });

  it('pages with a cursor without duplicates or gaps while new leads arrive', async () => {
    const t = await setupApi({}, open);
    for (let i = 0; i < 7; i++) await t.lead(`p${i}@acme.com`, { pages: Array(i + 1).fill('/') });
    for (const sort of ['-score', 'score', '-createdAt', 'lastSeen', '-probability']) {
      const seen: string[] = [];
      let cursor: string | null = null;
      let pages = 0;
      do {
        const res: { body: { leads: LeadRow[]; nextCursor: string | null } } = await t.json(`/leads?limit=3&sort=${sort}${cursor ? `&cursor=${cursor}` : ''}`);
        seen.push(...res.body.leads.map((l) => l.email));
        cursor = res.body.nextCursor;
        // A new lead between pages: at the top for most orders, never inside the pages already read.
        if (pages++ === 0) await t.lead(`new-${sort}@acme.com`, { pages: Array(20).fill('/') });
      } while (cursor);
      const originals = seen.filter((e) => e.startsWith('p'));
      expect(new Set(seen).size, sort).toBe(seen.length);
      expect(originals.sort(), sort).toEqual(['p0', 'p1', 'p2', 'p3', 'p4', 'p5', 'p6'].map((p) => `${p}@acme.com`));
    }
  });

  it('sorts NULL probabilities last in both directions', async () => {
    const t = await setupApi({}, open);
    const ids = [await t.lead('a@acme.com'), await t.lead('b@acme.com'), await t.lead('c@acme.com')];
    await sqlRows(t.db, 'UPDATE leads SET probability = ? WHERE id = ?', [0.2, ids[0]]);
    await sqlRows(t.db, 'UPDATE leads SET probability = ? WHERE id = ?', [0.9, ids[2]]);
    const order = async (sort: string) => {
      const a = (await t.json(`/leads?sort=${sort}&limit=1`)).body;
      const b = (await t.json(`/leads?sort=${sort}&limit=1&cursor=${a.nextCursor}`)).body;
      const c = (await t.json(`/leads?sort=${sort}&limit=1&cursor=${b.nextCursor}`)).body;
      expect(c.nextCursor).toBeNull();
      return [...a.leads, ...b.leads, ...c.leads].map((l: LeadRow) => l.probability);
    };
    expect(await order('-probability')).toEqual([0.9, 0.2, null]);
    expect(await order('probability')).toEqual([0.2, 0.9, null]);
  });
});

describe.each(testDatabases())('GET /api/leads/:id ($name)', ({ open }) => {
  it('answers the lead, its chronological timeline, stage history, breakdown and fit', async () => {
    const t = await setupApi({}, open);
    const id = await t.lead('ada@acme.com', { pages: ['/', '/pricing'], traits: { title: 'CEO' } });
    const { status, body } = await t.json(`/leads/${id}`);
    expect(status).toBe(200);
    expect(body.lead).toMatchObject({ id, email: 'ada@acme.com', score: 17, stage: 'lead', grade: 'B' });
    expect(body.events.map((e: { type: string; url: string }) => [e.type, e.url])).toEqual([
      ['pageview', 'https://www.acme.test/'],
      ['pageview', 'https://www.acme.test/pricing'],
      ['identify', 'https://www.acme.test/'],
    ]);
    expect(Object.keys(body.events[0]).sort()).toEqual(['cat', 'form', 'id', 'name', 'props', 'ref', 'sessionId', 'title', 'ts', 'type', 'url']);
    expect(body.stages).toEqual([{ from: 'visitor', to: 'lead', at: expect.stringMatching(/Z$/), cause: 'identified', actor: null }]);
    expect(body.breakdown.reduce((s: number, r: { points: number }) => s + r.points, 0)).toBe(17);
    expect(body.fit).toEqual(expect.arrayContaining([{ rule: 'fit:business_email', points: 10 }]));
  });

  it('lists under fit the very rules its grade came from, company size and country traits included', async () => {
    const rules = { fit: { companySize: [{ min: 50, max: 1000, points: 10 }], countries: [{ countries: ['FR'], points: 5 }] } };
    const t = await setupApi({}, open);
    expect((await t.json('/sites/acme/rules', { method: 'PUT', body: JSON.stringify(rules) })).status).toBe(200);
    const id = await t.lead('ceo@acme.com', { traits: { company_size: '51-200', country: 'fr', title: 'CEO' } });
    const { body } = await t.json(`/leads/${id}`);
    const points = body.fit.reduce((sum: number, r: { points: number }) => sum + r.points, 0);
    expect(points).toBe(35); // business email 10, CEO 10, size 10, country 5
    expect(body.lead.grade).toBe('A');
  });

  it('counts a new page session as a returning visit (+5), minutes after the first one', async () => {
    const t = await setupApi({}, open);
    const vid = 'visitor-returning';
    await t.post(batch([event({ vid, sid: 'first-tab-session', ts: NOW - 10 * 60_000 })], { sentAt: NOW }));
    await t.post(batch([event({ vid, sid: 'next-session', ts: NOW - 60_000 }), event({ vid, sid: 'next-session', type: 'identify', email: 'back@corp.example', ts: NOW })], { sentAt: NOW }));
    const { body } = await t.json(`/leads/${(await t.db.getLeadByEmail('acme', 'back@corp.example'))!.id}`);
    expect(body.lead).toMatchObject({ visits: 2, pageviews: 2, score: 7 }); // 2 pageviews + a returning visit
    expect(body.breakdown).toEqual(expect.arrayContaining([expect.objectContaining({ rule: 'returning_visit', count: 1, points: 5 })]));
    expect(new Set(body.events.map((e: { sessionId: string }) => e.sessionId)).size).toBe(2);
  });

  it('answers 404 for an unknown lead', async () => {
    const t = await setupApi({}, open);
    expect((await t.json('/leads/nope')).body.error.code).toBe('not_found');
  });
});

describe.each(testDatabases())('transitions ($name)', ({ open }) => {
  it('accepts, qualifies and rejects with the actor recorded; other moves are 409 and change nothing', async () => {
    const t = await setupApi({}, open);
    await t.db.updateSiteRules('acme', EASY_MQL);
    const id = await t.lead('ada@acme.com');
    expect((await t.json(`/leads/${id}`)).body.lead.stage).toBe('mql');

    const accepted = await t.json(`/leads/${id}/accept`, { method: 'POST', body: '{}' });
    expect(accepted.status).toBe(200);
    expect(accepted.body.lead.stage).toBe('sal');
    expect(accepted.body.change).toMatchObject({ from: 'mql', to: 'sal', actor: 'PISTE_API_TOKEN' });

    const again = await t.json(`/leads/${id}/accept`, { method: 'POST' });
    expect(again.status).toBe(409);
    expect(again.body.error.code).toBe('invalid_transition');
    const before = (await t.json(`/leads/${id}`)).body;
    expect(before.lead.stage).toBe('sal');

    const noReason = await t.json(`/leads/${id}/reject`, { method: 'POST', body: '{"reason":"  "}' });
    expect(noReason.status).toBe(400);
    expect(noReason.body.error.path).toBe('reason');
    expect((await t.json(`/leads/${id}`)).body).toEqual(before);

    expect((await t.json(`/leads/${id}/qualify`, { method: 'POST' })).body.lead.stage).toBe('sql');
    const rejected = await t.json(`/leads/${id}/reject`, { method: 'POST', body: JSON.stringify({ reason: 'student' }) });
    expect(rejected.body.change).toMatchObject({ from: 'sql', to: 'recycled', cause: 'reject: student' });
    expect((await t.json(`/leads/${id}/qualify`, { method: 'POST' })).status).toBe(409);
    expect((await t.json('/leads/nope/accept', { method: 'POST' })).status).toBe(404);
    // What is wrong with the lead comes before what is wrong with the request.
    expect((await t.json('/leads/nope/reject', { method: 'POST', body: '{}' })).status).toBe(404);
    expect((await t.json(`/leads/${id}/reject`, { method: 'POST', body: '{}' })).status).toBe(409); // already recycled
    expect((await t.json(`/leads/${id}/reject`, { method: 'POST', body: '{"reason":' })).body.error.code).toBe('invalid_json');
  });
});

describe.each(testDatabases())('GET /api/leads.csv ($name)', ({ open }) => {
  it('streams every matching lead with a header row and neutralizes formulas', async () => {
    const t = await setupApi({}, open);
    await t.lead('eve@acme.com', { traits: { name: '=HYPERLINK("http://evil.test","x")', company: '@cmd, "Inc"' } });
    for (let i = 0; i < 3; i++) await t.lead(`n${i}@acme.com`);
    const res = await t.api('/leads.csv?sort=createdAt');
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('text/csv; charset=utf-8');
    expect(res.headers.get('content-disposition')).toMatch(/^attachment/);
    const lines = (await res.text()).split('\r\n');
    expect(lines[0]).toBe('id,site,email,name,company,title,score,grade,stage,probability,firstSeen,lastSeen,visits,pageviews');
    expect(lines).toHaveLength(6); // header, 4 leads, trailing empty
    expect(lines.find((l) => l.includes('eve@acme.com'))).toContain(`,"'=HYPERLINK(""http://evil.test"",""x"")","'@cmd, ""Inc""",`);
    expect((await t.api('/leads.csv?sort=bogus')).status).toBe(400);
  });
});

describe.each(testDatabases())('personal data ($name)', ({ open }) => {
  it('exports everything about the lead as an attachment', async () => {
    const t = await setupApi({}, open);
    const id = await t.lead('ada@acme.com', { vid: 'visitor-ada-0001', traits: { company: 'Acme' } });
    const res = await t.api(`/leads/${id}/export`);
    expect(res.headers.get('content-disposition')).toBe(`attachment; filename="lead-${id}.json"`);
    const body = await res.json();
    expect(body.lead.email).toBe('ada@acme.com');
    expect(body.traits).toMatchObject({ company: 'Acme' });
    expect(body.events).toHaveLength(2);
    expect(body.events[1]).toMatchObject({ type: 'identify', email: 'ada@acme.com', visitorId: 'visitor-ada-0001' });
    expect(body.visitors).toEqual([expect.objectContaining({ id: 'visitor-ada-0001', sessions: 1 })]);
    expect(body.stages[0]).toMatchObject({ to: 'lead' });
  });

  it('erases the lead, its browsers, their events, stage changes and webhook deliveries, leaving nothing behind', async () => {
    const t = await setupApi({ PISTE_WEBHOOK_ALLOW_PRIVATE: '1' }, open);
    await t.db.updateSiteRules('acme', EASY_MQL);
    await t.json('/webhooks', { method: 'POST', body: JSON.stringify({ url: 'http://127.0.0.1:9/hook' }) });
    const id = await t.lead('ada@acme.com', { vid: 'visitor-ada-0001' });
    await t.lead('ada@acme.com', { vid: 'visitor-ada-0002' }); // a second browser of the same person
    const other = await t.lead('bob@acme.com', { vid: 'visitor-bob-0001' });
    const mentions = async () => {
      let n = 0;
      for (const name of await tableNames(t.db)) {
        for (const row of await sqlRows(t.db, `SELECT * FROM "${name}"`)) {
          const text = JSON.stringify(row);
          if ([id, 'ada@acme.com', 'visitor-ada-0001', 'visitor-ada-0002'].some((s) => text.includes(s))) n++;
        }
      }
      return n;
    };
    expect(await mentions()).toBeGreaterThan(5);
    expect((await t.api(`/leads/${id}`, { method: 'DELETE' })).status).toBe(204);
    expect(await mentions()).toBe(0);
    expect((await t.json(`/leads/${other}`)).status).toBe(200);
    expect((await t.api(`/leads/${id}`, { method: 'DELETE' })).status).toBe(404);
  });

  it("keeps another person's events on a shared browser when erasing its later lead", async () => {
    const t = await setupApi({}, open);
    const ada = await t.lead('ada@acme.com', { vid: 'visitor-shared-01', pages: ['/', '/pricing'] });
    const bob = await t.lead('bob@acme.com', { vid: 'visitor-shared-01', pages: ['/docs'] });
    const before = (await t.json(`/leads/${ada}`)).body.events.length;
    expect(before).toBe(4); // her two pages and identify, and /docs, seen before Bob gave his email
    expect((await t.api(`/leads/${bob}`, { method: 'DELETE' })).status).toBe(204);
    expect((await t.json(`/leads/${ada}`)).body.events).toHaveLength(before); // Ada's past stays hers (SPEC §3)
    expect(await t.db.getLeadByEmail('acme', 'bob@acme.com')).toBeUndefined();
  });
});

describe.each(testDatabases())('POST /api/leads/:id/links ($name)', ({ open }) => {
  it('mints absolute open and click links on the request origin', async () => {
    const t = await setupApi({}, open);
    const id = await t.lead('ada@acme.com');
    const res = await t.json(`/leads/${id}/links`, { method: 'POST', body: JSON.stringify({ url: 'https://www.acme.test/pricing', campaign: 'june' }) });
    expect(res.status).toBe(200);
    expect(res.body.openPixel).toMatch(/^http:\/\/localhost\/o\/[^/]+\.gif$/);
    expect(res.body.clickUrl).toMatch(/^http:\/\/localhost\/c\//);
    const click = await t.app.request(res.body.clickUrl.replace('http://localhost', ''));
    expect(click.headers.get('location')).toBe('https://www.acme.test/pricing');
    expect((await t.json(`/leads/${id}/links`, { method: 'POST', body: '{"url":"javascript:alert(1)"}' })).body.error.path).toBe('url');
    expect((await t.json('/leads/nope/links', { method: 'POST' })).status).toBe(404);
  });
});
