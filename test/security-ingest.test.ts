// POST /e under abuse: per client IP and site rate limit (429 + Retry-After, bounded memory), IP truncation before storage, bots dropped.
import { describe, expect, it } from 'vitest';
import type { Database } from '../collector/db/repository';
import { sqlRows, testDatabases } from '../collector/db/test-databases';
import { batch, event, NOW, ORIGIN, setup } from '../collector/ingest/testing';

const BOT_UAS = [
  'Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)',
  'Mozilla/5.0 (compatible; bingbot/2.0; +http://www.bing.com/bingbot.htm)',
  'Mozilla/5.0 AppleWebKit/537.36 (KHTML, like Gecko; compatible; GPTBot/1.2; +https://openai.com/gptbot)',
  'Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) HeadlessChrome/131.0.0.0 Safari/537.36',
  'curl/8.5.0',
  'python-requests/2.32.3',
  'facebookexternalhit/1.1 (+http://www.facebook.com/externalhit_uatext.php)',
];

async function trusted(open: () => Promise<Database>, env: Record<string, string> = {}) {
  const s = await setup({ PISTE_TRUST_PROXY: '1', ...env }, open);
  const stored = async () => (await sqlRows(s.db, 'SELECT count(*) AS n FROM events'))[0].n as number;
  const from = (ip: string, events: unknown[] = [event()]) => s.post(batch(events), { 'x-forwarded-for': ip });
  return { ...s, stored, from };
}

describe.each(testDatabases())('rate limit on POST /e ($name)', ({ open }) => {
  it('allows a burst of 100 per client IP by default, then answers 429 with Retry-After in the error shape and stores nothing', async () => {
    const s = await trusted(open);
    for (let i = 0; i < 100; i++) expect((await s.from('198.51.100.7')).status).toBe(202);
    const before = await s.stored();
    const refused = await s.from('198.51.100.7');
    expect(refused.status).toBe(429);
    expect(Number(refused.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
    expect(await refused.json()).toEqual({ error: { code: 'rate_limited', message: expect.any(String) } });
    expect(await s.stored()).toBe(before);
  });

  it('leaves other client IPs unaffected, and refills at 50 a second', async () => {
    const s = await trusted(open);
    for (let i = 0; i < 100; i++) await s.from('198.51.100.7');
    expect((await s.from('198.51.100.7')).status).toBe(429);
    expect((await s.from('198.51.100.8')).status).toBe(202);
    expect((await s.from('2001:db8::1')).status).toBe(202);
    s.clock.advance(1000);
    const statuses = [];
    for (let i = 0; i < 51; i++) statuses.push((await s.from('198.51.100.7')).status);
    expect(statuses.filter((x) => x === 202)).toHaveLength(50);
    expect(statuses.at(-1)).toBe(429);
  });

  it('counts per client IP, whatever the site, and counts refused requests too', async () => {
    const s = await trusted(open);
    await s.db.createSite({ key: 'beta', name: 'Beta', origins: [ORIGIN] }, NOW);
    for (let i = 0; i < 50; i++) await s.from('198.51.100.7');
    for (let i = 0; i < 50; i++) expect((await s.post('{not json', { 'x-forwarded-for': '198.51.100.7' })).status).toBe(400);
    const other = await s.post(batch([event()], { site: 'beta' }), { 'x-forwarded-for': '198.51.100.7' });
    expect(other.status).toBe(429);
    expect((await s.post('{not json', { 'x-forwarded-for': '198.51.100.7' })).status).toBe(429); // not even read
  });

  it('reads PISTE_RATE_LIMIT as RATE/BURST', async () => {
    const s = await trusted(open, { PISTE_RATE_LIMIT: '2/3' });
    const statuses = [];
    for (let i = 0; i < 4; i++) statuses.push((await s.from('198.51.100.9')).status);
    expect(statuses).toEqual([202, 202, 202, 429]);
    s.clock.advance(500);
    expect((await s.from('198.51.100.9')).status).toBe(202);
  });

  it('keeps its memory bounded under many client IPs: past 10 000 the least recently seen are forgotten', async () => {
    const s = await trusted(open, { PISTE_RATE_LIMIT: '1/1' });
    expect((await s.from('198.51.100.1', [])).status).toBe(202);
    expect((await s.from('198.51.100.1', [])).status).toBe(429);
    // 10 000 other addresses (an attacker rotating IPs): the limiter forgets the oldest instead of growing.
    for (let i = 0; i < 10_000; i++) {
      const res = await s.from(`10.${(i >> 16) & 255}.${(i >> 8) & 255}.${i & 255}`, []);
      if (res.status !== 202) expect.fail(`request ${i} answered ${res.status}`);
    }
    // The clock never moved, so only eviction can explain a fresh bucket for the first address.
    expect((await s.from('198.51.100.1', [])).status).toBe(202);
  }, 60_000);
});

describe.each(testDatabases())('client IP truncation ($name)', ({ open }) => {
  const cases: Array<[string, string]> = [
    ['203.0.113.77', '203.0.113.0'],
    ['2001:db8:85a3:8d3:1319:8a2e:370:7348', '2001:db8:85a3::'],
    ['2001:0db8:0000:0000:0000:0000:0000:0001', '2001:db8:0::'],
    ['::ffff:203.0.113.77', '203.0.113.0'],
    ['::FFFF:203.0.113.77', '203.0.113.0'],
    ['::ffff:cb00:714d', '203.0.113.0'],
    ['0:0:0:0:0:ffff:203.0.113.77', '203.0.113.0'],
    ['fe80::1%eth0', 'fe80:0:0::'],
  ];
  for (const [given, kept] of cases) {
    it(`stores ${given} as ${kept}`, async () => {
      const s = await trusted(open);
      expect((await s.from(given)).status).toBe(202);
      expect((await s.db.listVisitorEvents('acme', 'visitor-0001'))[0].ip).toBe(kept);
    });
  }

  it('stores no address at all for something that is not one', async () => {
    const s = await trusted(open);
    await s.from('<script>alert(1)</script>');
    expect((await s.db.listVisitorEvents('acme', 'visitor-0001'))[0].ip).toBeNull();
  });
});

describe.each(testDatabases())('bots ($name)', ({ open }) => {
  for (const ua of BOT_UAS) {
    it(`answers 202 and stores nothing for ${ua.slice(0, 60)}`, async () => {
      const s = await trusted(open);
      const res = await s.post(batch([event(), event()]), { 'user-agent': ua });
      expect(res.status).toBe(202);
      expect(await res.json()).toEqual({ accepted: 0, duplicates: 0 });
      expect(await s.stored()).toBe(0);
      expect(s.metrics.botEvents).toBe(2);
    });
  }
});
