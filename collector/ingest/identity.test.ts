// Identity (SPEC §3) through POST /e: first email, history attached, several browsers, second person, concurrency.
import { describe, expect, it } from 'vitest';
import { batch, event, NOW, setup } from './testing';
import { testDatabases } from '../db/test-databases';

const MIN = 60_000;

describe.each(testDatabases())('identity ($name)', ({ open }) => {
  it('turns a visitor into a lead at its first email and attaches its earlier anonymous events', async () => {
    const { post, db } = await setup({}, open);
    await post(batch([event({ ts: NOW - 90 * MIN }), event({ ts: NOW - 80 * MIN, url: 'https://www.acme.test/pricing' })]));
    await post(batch([event({ ts: NOW - 10 * MIN })]));
    const res = await post(batch([event({ type: 'form_submit', email: '  Ada@Acme.IO ', traits: { name: 'Ada', company: 'Acme' }, form: { kind: 'newsletter', fields: { title: 'CTO' } } })]));
    expect(await res.json()).toEqual({ accepted: 1, duplicates: 0 });

    const lead = (await db.getLeadByEmail('acme', 'ada@acme.io'))!;
    expect(lead).toMatchObject({ stage: 'lead', name: 'Ada', company: 'Acme', title: 'CTO', pageviews: 3, visits: 2, firstSeen: NOW - 90 * MIN, lastSeen: NOW });
    expect((await db.listLeadEvents(lead.id)).map((e) => e.type)).toEqual(['pageview', 'pageview', 'pageview', 'form_submit']);
    expect(await db.listStageChanges(lead.id)).toEqual([{ id: expect.any(String), leadId: lead.id, from: 'visitor', to: 'lead', at: NOW, cause: 'identified', actor: null }]);
    expect((await db.getVisitor('acme', 'visitor-0001'))!.leadId).toBe(lead.id);
  });

  it('counts later events of an identified browser for its lead', async () => {
    const { post, db } = await setup({}, open);
    await post(batch([event({ type: 'identify', email: 'ada@acme.io', ts: NOW - 60 * MIN })]));
    await post(batch([event({ ts: NOW })]));
    const lead = (await db.getLeadByEmail('acme', 'ada@acme.io'))!;
    expect(lead).toMatchObject({ pageviews: 1, visits: 2 });
    expect(await db.listLeadEvents(lead.id)).toHaveLength(2);
  });

  it('makes one lead of several browsers that give the same email', async () => {
    const { post, db } = await setup({}, open);
    await post(batch([event({ vid: 'laptop-0001' }), event({ vid: 'laptop-0001', type: 'identify', email: 'ada@acme.io' })]));
    await post(batch([event({ vid: 'phone-00001' }), event({ vid: 'phone-00001', type: 'identify', email: 'ADA@acme.io' })]));
    expect(await db.countLeads('acme')).toBe(1);
    const lead = (await db.getLeadByEmail('acme', 'ada@acme.io'))!;
    expect(lead.pageviews).toBe(2);
    expect(new Set((await db.listLeadEvents(lead.id)).map((e) => e.vid))).toEqual(new Set(['laptop-0001', 'phone-00001']));
    expect(await db.listStageChanges(lead.id)).toHaveLength(1);
  });

  it('moves a shared browser to the second person without merging, leaving past events with the first', async () => {
    const { post, db } = await setup({}, open);
    await post(batch([event({ ts: NOW - 50 * MIN }), event({ ts: NOW - 49 * MIN, type: 'identify', email: 'ada@acme.io' })]));
    await post(batch([event({ ts: NOW - 5 * MIN, type: 'identify', email: 'bob@acme.io' }), event({ ts: NOW })]));
    const ada = (await db.getLeadByEmail('acme', 'ada@acme.io'))!;
    const bob = (await db.getLeadByEmail('acme', 'bob@acme.io'))!;
    expect((await db.listLeadEvents(ada.id)).map((e) => e.type)).toEqual(['pageview', 'identify']);
    expect((await db.listLeadEvents(bob.id)).map((e) => e.type)).toEqual(['identify', 'pageview']);
    expect(ada.pageviews).toBe(1);
    expect(bob).toMatchObject({ pageviews: 1, visits: 1 });
    expect((await db.getVisitor('acme', 'visitor-0001'))!.leadId).toBe(bob.id);
  });

  it.each(['test@test.com', 'a@a.a', 'null', 'undefined', 'noreply@acme.io', 'no-reply@acme.io', 'not an email', 'ada@', ''])(
    'does not identify with the placeholder or invalid address %j',
    async (email) => {
      const { post, db } = await setup({}, open);
      expect((await post(batch([event({ type: 'identify', email })]))).status).toBe(202);
      expect(await db.listLeads({ site: 'acme' })).toEqual([]);
      expect((await db.getVisitor('acme', 'visitor-0001'))!.leadId).toBeNull();
    },
  );

  it('keeps the latest non-empty trait', async () => {
    const { post, db } = await setup({}, open);
    await post(batch([event({ type: 'identify', email: 'ada@acme.io', ts: NOW - 2 * MIN, traits: { name: 'Ada', company: 'Acme', plan: 'pro' } })]));
    await post(batch([event({ type: 'identify', email: 'ada@acme.io', ts: NOW - MIN, traits: { name: '', company: 'Acme Ltd', plan: null } })]));
    const lead = (await db.getLeadByEmail('acme', 'ada@acme.io'))!;
    expect(lead).toMatchObject({ name: 'Ada', company: 'Acme Ltd', traits: { name: 'Ada', company: 'Acme Ltd', plan: 'pro' } });
  });

  it('makes exactly one lead from 50 concurrent requests with one new email', async () => {
    const { post, db } = await setup({}, open);
    const responses = await Promise.all(
      Array.from({ length: 50 }, (_, i) =>
        post(batch([event({ vid: `browser-${String(i).padStart(4, '0')}`, type: 'form_submit', email: 'new@acme.io' })])),
      ),
    );
    expect(responses.map((r) => r.status)).toEqual(Array(50).fill(202));
    expect(await db.countLeads('acme')).toBe(1);
    const lead = (await db.getLeadByEmail('acme', 'new@acme.io'))!;
    expect(await db.listLeadEvents(lead.id)).toHaveLength(50);
    // One lead, so one `identified` move (its 50 forms then score it forward, each stage once).
    const causes = (await db.listStageChanges(lead.id)).map((c) => c.cause);
    expect(causes.filter((c) => c === 'identified')).toHaveLength(1);
    expect(new Set(causes).size).toBe(causes.length);
    expect(lead.visits).toBe(50);
  });
});
