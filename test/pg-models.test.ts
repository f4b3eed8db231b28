// Predictive models in the repository, the same on both dialects: versions, the active model seen by ingest,
// probabilities, training pages (leads with their events and first sql time), and two trainings at once.
import { describe, expect, it } from 'vitest';
import { testDatabases } from '../collector/db/test-databases';
import { batch, event, NOW, setup } from '../collector/ingest/testing';

const DAY = 86_400_000;
const PARAMS = { weights: { b: 2, a: 1 }, bias: -0.5 }; // key order kept: answers are byte for byte the same

describe.each(testDatabases())('stored models ($name)', ({ open }) => {
  it('versions per site, one active at a time, and ingest transactions see the newest at once', async () => {
    const { db } = await setup({}, open);
    const live = async () => {
      const [r] = await db.writeGroup(['acme'], async (tx, site) => ({ ref: await tx.activeModelRef(site), model: await tx.getActiveModel(site) }));
      if (!r.ok) throw r.error;
      return r.value;
    };
    expect(await live()).toEqual({ ref: undefined, model: undefined });
    const v1 = await db.saveModel('acme', PARAMS, { auc: 0.9 }, NOW);
    const v2 = await db.saveModel('acme', { ...PARAMS, bias: 1 }, null, NOW + DAY);
    expect([v1.version, v2.version]).toEqual([1, 2]);
    expect(await db.listModels('acme')).toEqual([
      { id: v2.id, site: 'acme', version: 2, createdAt: NOW + DAY, params: { ...PARAMS, bias: 1 }, metrics: null, active: true },
      { id: v1.id, site: 'acme', version: 1, createdAt: NOW, params: PARAMS, metrics: { auc: 0.9 }, active: false },
    ]);
    expect(JSON.stringify((await db.getActiveModel('acme'))!.params)).toBe('{"weights":{"b":2,"a":1},"bias":1}');
    expect(await live()).toEqual({ ref: { id: v2.id, version: 2 }, model: await db.getActiveModel('acme') });
  });

  it('gives two trainings saved at once distinct versions and leaves exactly one active', async () => {
    const { db } = await setup({}, open);
    const saved = await Promise.all(Array.from({ length: 4 }, (_, i) => db.saveModel('acme', { ...PARAMS, bias: i }, null, NOW)));
    expect(saved.map((s) => s.version).sort()).toEqual([1, 2, 3, 4]);
    expect((await db.listModels('acme')).filter((m) => m.active).map((m) => m.version)).toEqual([4]);
  });

  it('pages through training leads in id order with their events and when they first reached sql', async () => {
    const { db, post } = await setup({}, open);
    for (const [i, kind] of ['newsletter', 'demo', 'newsletter'].entries()) {
      const vid = `visitor-${i}`;
      const res = await post(batch([
        event({ vid, ts: NOW - 2000 }),
        event({ vid, type: 'form_submit', ts: NOW - 1000, email: `person${i}@acme.io`, form: { kind, fields: {} } }),
      ]));
      expect(res.status).toBe(202);
    }
    const ids = (await db.listLeads({ site: 'acme', sort: 'createdAt' })).map((l) => l.id).sort();
    const first = await db.listTrainingLeads('acme', null, 2);
    const second = await db.listTrainingLeads('acme', first[1].lead.id, 2);
    expect([...first, ...second].map((t) => t.lead.id)).toEqual(ids);
    const demo = [...first, ...second].find((t) => t.lead.email === 'person1@acme.io')!;
    expect(demo.reachedSqlAt).toBe(NOW);
    expect(demo.events.map((e) => [e.type, e.ts])).toEqual([['pageview', NOW - 2000], ['form_submit', NOW - 1000]]);
    expect([...first, ...second].filter((t) => t !== demo).map((t) => t.reachedSqlAt)).toEqual([null, null]);

    const [r] = await db.writeGroup([demo.lead.id], (tx, id) => tx.updateLeadProbability(id, 0.25));
    expect(r.ok).toBe(true);
    expect((await db.getLead(demo.lead.id))!.probability).toBe(0.25);
  });
});
