// Neither another connection's writes nor an erasure may leave the ingest scoring a visitor from a stale copy (a
// visitor cache kept between transactions once had to guard against both; it cost more memory than it saved).
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it, onTestFinished } from 'vitest';
import { createCollector } from '../app';
import { fixedClock } from '../clock';
import { loadConfig } from '../config';
import { openDatabase } from '../db/open';
import { beacon, form, MIN, pageview } from '../leads/testing';
import { NOW, ORIGIN, UA } from './testing';

async function collectorOn(url: string) {
  const db = await openDatabase(url);
  onTestFinished(() => db.close());
  const { app } = createCollector({ db, config: loadConfig({ DATABASE_URL: url }), clock: fixedClock(NOW), script: null });
  const post = (body: unknown) =>
    app.request('/e', { method: 'POST', headers: { 'content-type': 'text/plain', origin: ORIGIN, 'user-agent': UA }, body: JSON.stringify(body) });
  return { db, post };
}

function tempDatabase() {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'piste-stale-'));
  onTestFinished(() => fs.rmSync(dir, { recursive: true, force: true }));
  return `file:${path.join(dir, 'piste.db')}`;
}

describe('the ingest never scores a stale visitor (SQLite)', () => {
  it('sees what another connection wrote: a browser identified there is the lead\'s here', async () => {
    const url = tempDatabase();
    const a = await collectorOn(url);
    await a.db.createSite({ key: 'acme', name: 'Acme', origins: [ORIGIN] }, NOW);
    const b = await collectorOn(url);

    expect((await a.post(beacon(pageview('/', NOW - 30 * MIN, 'browser-1')))).status).toBe(202); // a reads and writes the visitor
    expect((await b.post(beacon(form('newsletter', 'ada@acme.io', NOW - 20 * MIN, 'browser-1')))).status).toBe(202);
    expect((await a.post(beacon(pageview('/pricing', NOW - 10 * MIN, 'browser-1')))).status).toBe(202);

    const lead = (await a.db.getLeadByEmail('acme', 'ada@acme.io'))!;
    expect((await a.db.listLeadEvents(lead.id)).map((e) => e.url)).toEqual([
      'https://www.acme.test/',
      'https://www.acme.test/',
      'https://www.acme.test/pricing',
    ]);
    expect((await a.db.getVisitor('acme', 'browser-1'))?.leadId).toBe(lead.id);
    expect((await a.db.getLead(lead.id))?.pageviews).toBe(2);
  });

  it('forgets the browsers of an erased lead: their next event starts a new anonymous visitor', async () => {
    const url = tempDatabase();
    const a = await collectorOn(url);
    await a.db.createSite({ key: 'acme', name: 'Acme', origins: [ORIGIN] }, NOW);
    await a.post(beacon(form('newsletter', 'ada@acme.io', NOW - 20 * MIN, 'browser-1')));
    const lead = (await a.db.getLeadByEmail('acme', 'ada@acme.io'))!;
    expect(await a.db.eraseLead(lead.id)).toBe(true);

    expect((await a.post(beacon(pageview('/', NOW - 10 * MIN, 'browser-1')))).status).toBe(202);
    const visitor = await a.db.getVisitor('acme', 'browser-1');
    expect(visitor).toMatchObject({ leadId: null, firstSeen: NOW - 10 * MIN, sessions: 1 });
  });
});
