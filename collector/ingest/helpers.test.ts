// Unit tests for the small ingest helpers: IP truncation, email normalization, URL categories, group writer.
import { describe, expect, it } from 'vitest';
import { pageCategory } from './category';
import { identifyingEmail } from './email';
import { clientIp, truncateIp } from './ip';
import { createGroupWriter } from './writer';

describe('truncateIp', () => {
  it.each([
    ['203.0.113.77', '203.0.113.0'],
    ['::ffff:203.0.113.77', '203.0.113.0'],
    ['2001:db8:abcd:12:34::1', '2001:db8:abcd::'],
    ['2001:0db8::1', '2001:db8:0::'],
    ['::1', '0:0:0::'],
    ['fe80::1%eth0', 'fe80:0:0::'],
    ['not-an-ip', null],
    ['', null],
  ])('%s → %s', (ip, expected) => expect(truncateIp(ip)).toBe(expected));

  it('takes X-Forwarded-For only when the proxy is trusted', () => {
    expect(clientIp('10.0.0.1', '198.51.100.7, 10.0.0.1', true)).toBe('198.51.100.7');
    expect(clientIp('10.0.0.1', '198.51.100.7', false)).toBe('10.0.0.1');
  });
});

describe('identifyingEmail', () => {
  it('trims and lower-cases', () => expect(identifyingEmail('  Ada@Acme.IO ')).toBe('ada@acme.io'));
  it.each(['mark@mark.io', 'testing@test.com', 'ada@example.com', 'reply@acme.io'])('identifies %s', (email) => expect(identifyingEmail(email)).toBe(email));
  it.each(['test@test.com', 'A@A.A', 'NoReply@x.io', 'donotreply@x.io', 'no_reply@x.io', 'do.not.reply@x.io', 'test@test.de', 'Test@Test.co.uk', 'asdf@asdf.net', 'x@localhost', 'a b@x.io', 'null', undefined, 42 as never])(
    'refuses %j',
    (email) => expect(identifyingEmail(email)).toBeNull(),
  );
});

describe('pageCategory', () => {
  const defaults = { rules: null };
  it.each([
    ['https://x.io/pricing', 'pricing'],
    ['https://x.io/pricing/team?utm_source=x', 'pricing'],
    ['https://x.io/fr/tarifs', 'pricing'],
    ['https://x.io/en-gb/careers/', 'careers'],
    ['https://x.io/Docs/api', 'docs'],
    ['https://x.io/pricingfoo', null],
    ['https://x.io/blog-pricing', null],
    ['https://x.io/', null],
    ['not a url at all %%%', null],
  ])('%s → %s', (url, cat) => expect(pageCategory(defaults, url)).toBe(cat));

  it("uses the site's rules as the rules API stores them (a list of categories and their prefixes)", () => {
    const site = { rules: { categories: [{ category: 'pricing', prefixes: ['/offre'] }, { category: 'webinar', prefixes: ['/webinars'] }] } };
    expect(pageCategory(site, 'https://x.io/offre')).toBe('pricing');
    expect(pageCategory(site, 'https://x.io/webinars/q3')).toBe('webinar');
    expect(pageCategory(site, 'https://x.io/pricing')).toBeNull(); // the site's list replaces the defaults
    expect(pageCategory(defaults, 'https://x.io/webinars/q3')).toBeNull(); // remembered per rules, not per URL alone
  });
});

describe('createGroupWriter', () => {
  it('commits requests arriving while a group runs together in the next group, and isolates failures', async () => {
    const groups: number[][] = [];
    const writer = createGroupWriter<number, number>(async (items) => {
      groups.push(items);
      await new Promise((r) => setTimeout(r, 5));
      return items.map((i) => (i === 3 ? { ok: false, error: new Error('bad') } : { ok: true, value: i * 10 }));
    });
    const first = writer.write(1);
    await new Promise((r) => setImmediate(r));
    const later = [writer.write(2), writer.write(3), writer.write(4)];
    expect(await first).toBe(10);
    const settled = await Promise.allSettled(later);
    expect(settled.map((s) => s.status)).toEqual(['fulfilled', 'rejected', 'fulfilled']);
    expect(groups).toEqual([[1], [2, 3, 4]]);
    await writer.drain();
  });
});
