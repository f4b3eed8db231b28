// Email links through the app: a signed open pixel or click records email_open / email_click for its lead, scored, outside any visit.
import { describe, expect, it } from 'vitest';
import { createCollector } from '../app';
import { fixedClock } from '../clock';
import { loadConfig } from '../config';
import { testDatabases } from '../db/test-databases';
import { NOW, setup } from '../ingest/testing';
import { DEFAULT_RULES } from '../scoring';
import { toLeadJson } from './json';
import { linkSecret, mintLinks } from './links';
import { beacon, form, MIN } from './testing';

const SECRET = 'a-long-operator-secret-0123456789';

describe.each(testDatabases())('email links ($name)', ({ open }) => {
  async function withLead(env: Record<string, string> = {}) {
    const ctx = await setup(env, open);
    await ctx.post(beacon(form('newsletter', 'ada@acme.io', NOW - 10 * MIN)));
    const lead = (await ctx.db.getLeadByEmail('acme', 'ada@acme.io'))!;
    const key = await linkSecret(ctx.db, loadConfig({ DATABASE_URL: ':memory:', ...env }));
    return { ...ctx, lead, key };
  }

  it('records an open and a click for the lead, scores them, and never counts them as visits', async () => {
    const { app, db, lead, key } = await withLead();
    const links = mintLinks(key, lead, { url: 'https://www.acme.test/pricing?utm_source=mail', campaign: 'june', baseUrl: 'http://localhost:8787/' });
    expect(links.openPixel).toMatch(/^http:\/\/localhost:8787\/o\/[\w-]+\.[\w-]+\.gif$/);

    const pixel = await app.request(links.openPixel);
    expect([pixel.status, pixel.headers.get('content-type')]).toEqual([200, 'image/gif']);
    const click = await app.request(links.clickUrl!);
    expect([click.status, click.headers.get('location')]).toEqual([302, 'https://www.acme.test/pricing?utm_source=mail']);

    const events = (await db.listLeadEvents(lead.id)).filter((e) => e.type === 'track');
    events.sort((a, b) => a.name!.localeCompare(b.name!)); // same ts (fixed clock)
    expect(events.map((e) => [e.name, e.sessionId, e.props])).toEqual([
      ['email_click', '', { campaign: 'june', url: 'https://www.acme.test/pricing?utm_source=mail' }],
      ['email_open', '', { campaign: 'june' }],
    ]);
    expect(events.every((e) => e.vid === 'visitor-0001')).toBe(true); // the lead's latest browser
    const after = (await db.getLead(lead.id))!;
    expect(after.visits).toBe(lead.visits);
    expect([toLeadJson(lead, NOW, DEFAULT_RULES).score, toLeadJson(after, NOW, DEFAULT_RULES).score]).toEqual([10, 15]); // form +10, then open +2 and click +3
  });

  it('records nothing for a tampered token or an unknown lead, and redirects nowhere', async () => {
    const { app, db, lead, key } = await withLead();
    const { openPixel, clickUrl } = mintLinks(key, lead, { url: 'https://www.acme.test/' });
    // Change the signature's first character, whatever it is (base64url also has '-' and '_').
    const at = clickUrl!.lastIndexOf('.') + 1;
    const tampered = `${clickUrl!.slice(0, at)}${clickUrl![at] === 'A' ? 'B' : 'A'}${clickUrl!.slice(at + 1)}`;
    expect(tampered).not.toBe(clickUrl);
    expect((await app.request(tampered)).status).toBe(404);
    expect((await app.request(openPixel.replace('/o/', '/o/x'))).status).toBe(200); // still a pixel, nothing recorded
    const ghost = mintLinks(key, { id: 'no-such-lead', site: 'acme' });
    expect((await app.request(ghost.openPixel)).status).toBe(200);
    expect((await db.listLeadEvents(lead.id)).filter((e) => e.type === 'track')).toEqual([]);
    expect(await db.listLeadEvents('no-such-lead')).toEqual([]);
  });

  it('signs with a key derived from PISTE_SECRET, else with one random key kept in the database', async () => {
    const { app, db, lead, key } = await withLead({ PISTE_SECRET: SECRET });
    const stored = await linkSecret(db, {}); // what a collector without PISTE_SECRET would use
    expect(stored.equals(key)).toBe(false);
    expect((await app.request(mintLinks(stored, lead, { url: 'https://www.acme.test/' }).clickUrl!)).status).toBe(404);
    expect((await app.request(mintLinks(key, lead, { url: 'https://www.acme.test/' }).clickUrl!)).status).toBe(302);

    // A second collector on the same database agrees on the stored key.
    const other = createCollector({ db, config: loadConfig({ DATABASE_URL: ':memory:' }), clock: fixedClock(NOW), script: null });
    expect((await other.app.request(mintLinks(stored, lead, { url: 'https://www.acme.test/' }).clickUrl!)).status).toBe(302);
    expect(await db.getSetting('link_secret')).toBe(stored.toString('base64url'));
  });
});
