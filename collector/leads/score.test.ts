// Live scoring through POST /e: the issue-5 journey, anonymous points, demo forms, MQL grade, recycling, late events, merges.
import { describe, expect, it } from 'vitest';
import { testDatabases } from '../db/test-databases';
import { NOW, setup } from '../ingest/testing';
import { DEFAULT_RULES, scoreEvents, summarize, type ScoreState } from '../scoring';
import { newWebhookSecret } from '../webhooks/sign';
import { toLeadJson } from './json';
import { leadTraits, toScoringEvent } from './score';
import { transitionLead } from './stages';
import { beacon, DAY, decayed, form, HOUR, MIN, pageview, track } from './testing';

describe.each(testDatabases())('live scoring ($name)', ({ open }) => {
  it('scores the issue-5 journey exactly as the rules say: blog, pricing twice in two sessions, newsletter signup', async () => {
    const { post, db } = await setup({}, open);
    const t0 = NOW - 2 * DAY;
    const later = t0 + 4 * HOUR;
    const back = NOW - 10 * MIN;
    await post(beacon(pageview('/blog/why-leads', t0), pageview('/pricing', t0 + 5 * MIN)));
    await post(beacon(pageview('/pricing', later)));
    await post(beacon(pageview('/', back)));
    await post(beacon(form('newsletter', 'Ada@Acme.io', back + MIN, 'visitor-0001', { title: 'Head of Growth' }), track('newsletter_signup', back + MIN)));

    const lead = (await db.getLeadByEmail('acme', 'ada@acme.io'))!;
    const expected =
      decayed(1, t0) + decayed(1 + 15, t0 + 5 * MIN) + // session 1: blog, pricing
      decayed(1 + 15 + 5, later) + // session 2: pricing again, a returning visit
      decayed(1 + 5, back) + decayed(10 + 5, back + MIN); // session 3: back, the form with an email, the signup
    expect(toLeadJson(lead, NOW, DEFAULT_RULES)).toMatchObject({ score: Math.round(expected), grade: 'B', stage: 'mql', visits: 3, pageviews: 4 });
    expect(Math.round(expected)).toBe(58); // 59 points earned, some of them two days ago (90-day half-life)

    const summary = summarize(DEFAULT_RULES, lead.scoreState as ScoreState, NOW);
    expect(summary.breakdown.map(({ rule, count }) => [rule, count]).sort()).toEqual([
      ['category:pricing', 2], ['form_with_email', 1], ['pageview', 4], ['returning_visit', 2], ['track:newsletter_signup', 1],
    ]);
    expect(summary.breakdown.reduce((sum, r) => sum + r.points, 0)).toBe(58);
    expect(lead.fitPoints).toBe(20); // business domain +10, "head" +10
    expect((await db.listStageChanges(lead.id)).map((c) => [c.from, c.to, c.cause, c.actor])).toEqual([
      ['visitor', 'lead', 'identified', null],
      ['lead', 'mql', 'threshold:mql', null],
    ]);
  });

  it('carries an anonymous visitor’s points into the lead at identification', async () => {
    const { post, db } = await setup({}, open);
    await post(beacon(pageview('/pricing', NOW - 3 * HOUR), pageview('/docs', NOW - 3 * HOUR + MIN)));
    await post(beacon(pageview('/pricing', NOW - HOUR)));
    const anonymous = (await db.getVisitor('acme', 'visitor-0001'))!;
    expect(summarize(DEFAULT_RULES, anonymous.scoreState as ScoreState, NOW).rounded).toBe(Math.round(decayed(1 + 15 + 1, NOW - 3 * HOUR) + decayed(1 + 15 + 5, NOW - HOUR)));

    // In the same visit, so `identify` adds nothing (not even a returning visit).
    await post(beacon({ id: 'identify-0001', type: 'identify', ts: NOW - HOUR + MIN, vid: 'visitor-0001', email: 'ada@acme.io' }));
    const lead = (await db.getLeadByEmail('acme', 'ada@acme.io'))!;
    expect(lead.scoreKey).toBeCloseTo(anonymous.scoreKey, 9); // `identify` itself is worth nothing
  });

  it('moves a demo request straight to SQL and queues its webhook deliveries', async () => {
    const { post, db } = await setup({}, open);
    await db.createWebhook({ id: 'hook-1', site: null, url: 'https://hooks.example.com/piste', events: null, secret: newWebhookSecret(), createdAt: NOW });
    await db.createWebhook({ id: 'hook-2', site: 'other', url: 'https://hooks.example.com/other', events: null, secret: newWebhookSecret(), createdAt: NOW }).catch(() => {});
    await post(beacon(form('demo', 'cto@acme.io', NOW)));

    const lead = (await db.getLeadByEmail('acme', 'cto@acme.io'))!;
    expect(lead.stage).toBe('sql');
    expect((await db.listStageChanges(lead.id)).map((c) => c.cause)).toEqual(['identified', 'form:demo']);
    const deliveries = await db.listDeliveries('hook-1');
    expect(deliveries).toHaveLength(2);
    const payloads = deliveries.map((d) => JSON.parse(d.payload)).sort((a, b) => a.to.localeCompare(b.to));
    expect(payloads.map((p) => [p.type, p.from, p.to, p.cause])).toEqual([
      ['lead.stage_changed', 'visitor', 'lead', 'identified'],
      ['lead.stage_changed', 'lead', 'sql', 'form:demo'],
    ]);
    expect(payloads[1].lead).toEqual({ ...toLeadJson(lead, NOW, DEFAULT_RULES), stage: 'sql' });
    expect(await db.listDeliveries('hook-2')).toHaveLength(0);
  });

  it('needs grade C or better for MQL: the same visits from a free-mail address stay a lead', async () => {
    const { post, db } = await setup({}, open);
    for (const [vid, email] of [['browser-free', 'ada@gmail.com'], ['browser-work', 'ada@acme.io']] as const) {
      for (let day = 3; day >= 1; day--) await post(beacon(pageview('/pricing', NOW - day * DAY, vid)));
      await post(beacon(form('contact', email, NOW, vid)));
    }
    // 3 × (1 + 15) + 2 returning + 10 form ≈ 68 either way; only the grade differs.
    const free = (await db.getLeadByEmail('acme', 'ada@gmail.com'))!;
    const work = (await db.getLeadByEmail('acme', 'ada@acme.io'))!;
    expect([free.grade, free.stage]).toEqual(['F', 'lead']);
    expect([work.grade, work.stage]).toEqual(['C', 'mql']);
    expect(toLeadJson(free, NOW, DEFAULT_RULES).score).toBe(toLeadJson(work, NOW, DEFAULT_RULES).score);
  });

  it('requires new points after a rejection before a recycled lead becomes MQL again', async () => {
    const { post, db, clock } = await setup({}, open);
    for (let day = 3; day >= 1; day--) await post(beacon(pageview('/pricing', NOW - day * DAY)));
    await post(beacon(form('contact', 'ada@acme.io', NOW)));
    const lead = (await db.getLeadByEmail('acme', 'ada@acme.io'))!;
    expect(lead.stage).toBe('mql');

    const rejected = await transitionLead(db, lead.id, 'reject', { reason: '  student project ', actor: 'sales@acme.io', now: NOW + MIN });
    expect(rejected).toMatchObject({ ok: true, lead: { stage: 'recycled', rejectedAt: NOW + MIN }, change: { cause: 'reject: student project', actor: 'sales@acme.io' } });

    clock.set(NOW + DAY);
    await post({ ...beacon(pageview('/pricing', NOW + HOUR)), sentAt: NOW + DAY });
    expect((await db.getLead(lead.id))!.stage).toBe('recycled'); // 21 new points: not enough
    await post({ ...beacon(pageview('/pricing', NOW + 3 * HOUR), pageview('/pricing', NOW + 5 * HOUR)), sentAt: NOW + DAY });
    const back = (await db.getLead(lead.id))!;
    expect(back.stage).toBe('mql'); // 3 × 21 = 63 new points
    expect((await db.listStageChanges(lead.id)).at(-1)).toMatchObject({ from: 'recycled', to: 'mql', cause: 'threshold:mql', actor: null });
  });

  it('gives a late, out-of-order event the same score as scoring the whole history', async () => {
    const { post, db } = await setup({}, open);
    await post(beacon(form('contact', 'ada@acme.io', NOW - HOUR)));
    await post(beacon(pageview('/', NOW)));
    await post(beacon(pageview('/pricing', NOW - 2 * DAY))); // arrives last, happened first
    const lead = (await db.getLeadByEmail('acme', 'ada@acme.io'))!;
    const history = scoreEvents(DEFAULT_RULES, (await db.listLeadEvents(lead.id)).map(toScoringEvent));
    expect(lead.scoreState).toEqual(history);
    expect(summarize(DEFAULT_RULES, history, NOW).breakdown.find((r) => r.rule === 'category:pricing')?.count).toBe(1);
  });

  it('scores two browsers that give one email as one lead with both histories', async () => {
    const { post, db } = await setup({}, open);
    await post(beacon(pageview('/pricing', NOW - 2 * DAY, 'browser-home')));
    await post(beacon(pageview('/pricing', NOW - DAY, 'browser-work'), pageview('/docs', NOW - DAY + MIN, 'browser-work')));
    await post(beacon({ id: 'identify-home', type: 'identify', ts: NOW - HOUR, vid: 'browser-home', email: 'ada@acme.io' }));
    await post(beacon({ id: 'identify-work', type: 'identify', ts: NOW, vid: 'browser-work', email: 'ada@acme.io' }));
    expect(await db.countLeads('acme')).toBe(1);
    const lead = (await db.getLeadByEmail('acme', 'ada@acme.io'))!;
    const events = await db.listLeadEvents(lead.id);
    expect(new Set(events.map((e) => e.vid))).toEqual(new Set(['browser-home', 'browser-work']));
    expect(lead.scoreState).toEqual(scoreEvents(DEFAULT_RULES, events.map(toScoringEvent)));
    // pricing twice, 3 pageviews; every session after the first (work, and both identify visits) is a returning visit
    expect(summarize(DEFAULT_RULES, lead.scoreState as ScoreState, NOW).rounded).toBe(
      Math.round(decayed(16, NOW - 2 * DAY) + decayed(16 + 5, NOW - DAY) + decayed(1, NOW - DAY + MIN) + decayed(5, NOW - HOUR) + decayed(5, NOW)),
    );
  });
});

describe.each(testDatabases())('manual transitions ($name)', ({ open }) => {
  async function mqlLead(open: () => Promise<import('../db/repository').Database>) {
    const ctx = await setup({}, open);
    for (let day = 3; day >= 1; day--) await ctx.post(beacon(pageview('/pricing', NOW - day * DAY)));
    await ctx.post(beacon(form('contact', 'ada@acme.io', NOW)));
    const lead = (await ctx.db.getLeadByEmail('acme', 'ada@acme.io'))!;
    expect(lead.stage).toBe('mql');
    return { ...ctx, lead };
  }

  it('accepts exactly once when two people click accept at the same time', async () => {
    const { db, lead } = await mqlLead(open);
    const results = await Promise.all([1, 2].map((i) => transitionLead(db, lead.id, 'accept', { actor: `rep${i}@acme.io`, now: NOW + i })));
    expect(results.filter((r) => r.ok)).toHaveLength(1);
    expect(results.filter((r) => !r.ok)).toEqual([{ ok: false, code: 'invalid_transition' }]);
    expect((await db.listStageChanges(lead.id)).filter((c) => c.to === 'sal')).toHaveLength(1);
    expect((await db.getLead(lead.id))!.stage).toBe('sal');
  });

  it('refuses moves that make no sense, a reject without reason, and unknown leads, changing nothing', async () => {
    const { db, lead } = await mqlLead(open);
    expect(await transitionLead(db, lead.id, 'reject', { reason: '   ', actor: null, now: NOW })).toEqual({ ok: false, code: 'reason_required' });
    expect(await transitionLead(db, 'no-such-lead', 'accept', { actor: null, now: NOW })).toEqual({ ok: false, code: 'not_found' });
    expect(await transitionLead(db, lead.id, 'qualify', { actor: null, now: NOW })).toMatchObject({ ok: true, lead: { stage: 'sql' } });
    expect(await transitionLead(db, lead.id, 'accept', { actor: null, now: NOW })).toEqual({ ok: false, code: 'invalid_transition' });
    const stored = (await db.getLead(lead.id))!;
    expect([stored.stage, stored.rejectedAt]).toEqual(['sql', null]);
  });
});

describe('leadTraits', () => {
  const lead = (traits: Record<string, unknown>, profile: Partial<Record<'name' | 'company' | 'title', string | null>> = {}) =>
    ({ email: 'ada@acme.io', name: null, company: null, title: null, ...profile, traits }) as unknown as Parameters<typeof leadTraits>[0];

  it('gives the profile over the traits, company size under its usual names, and every other trait as it is', () => {
    const t = leadTraits(lead({ name: 'A. L.', company_size: '51-200', country: 'GB', plan: 'pro', title: 42 }, { name: 'Ada Lovelace', company: 'Acme' }));
    expect(t).toEqual({ email: 'ada@acme.io', name: 'Ada Lovelace', company: 'Acme', title: null, companySize: '51-200', country: 'GB', plan: 'pro', company_size: '51-200' });
    expect(leadTraits(lead({ employees: 12, company: 'Initech' }))).toMatchObject({ companySize: 12, company: 'Initech', name: undefined });
  });

  it('keeps a "__proto__" trait an ordinary key: the object keeps its prototype', () => {
    const t = leadTraits(lead(JSON.parse('{"__proto__": {"polluted": true}, "plan": "pro"}')));
    expect(Object.getPrototypeOf(t)).toBe(Object.prototype);
    expect(Object.hasOwn(t, '__proto__')).toBe(true);
    expect((t as Record<string, unknown>).polluted).toBeUndefined();
    expect(t.plan).toBe('pro');
  });
});
