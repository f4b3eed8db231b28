import { describe, expect, it } from 'vitest';
import { ZodError } from 'zod';
import { DEFAULT_RULES, categoryOf, parseRules } from './rules';

describe('DEFAULT_RULES', () => {
  it('are the SPEC §4 engagement table, with readable stable ids', () => {
    const table = DEFAULT_RULES.engagement.map((r) => [r.id, r.points, r.cap]);
    expect(table).toEqual([
      ['pageview', 1, { perDay: 10 }],
      ['category:pricing', 15, { perSession: 1 }],
      ['category:careers', -10, { perSession: 1 }],
      ['returning_visit', 5, {}],
      ['form_with_email', 10, {}],
      ['track:newsletter_signup', 5, {}],
      ['track:document_download', 1, {}],
      ['track:email_open', 2, {}],
      ['track:email_click', 3, {}],
      ['form_kind:demo', 30, {}],
      ['form_kind:contact_sales', 30, {}],
    ]);
  });

  it('have the SPEC §4 fit rules, grades, thresholds and decay', () => {
    expect(DEFAULT_RULES.halfLifeDays).toBe(90);
    expect(DEFAULT_RULES.fit.email).toEqual({ business: 10, free: -10, extraFreeDomains: [] });
    expect(DEFAULT_RULES.fit.titles.map((t) => [t.id, t.points])).toEqual([
      ['fit:title_senior', 10],
      ['fit:title_manager', 5],
    ]);
    expect(DEFAULT_RULES.grades).toEqual({ A: 30, B: 20, C: 10, D: 0 });
    expect(DEFAULT_RULES.mql).toEqual({ score: 50, minGrade: 'C' });
    expect(DEFAULT_RULES.sql).toEqual({ score: 100 });
    expect(DEFAULT_RULES.sqlFormKinds).toEqual(['demo', 'contact_sales']);
  });

  it('are frozen so no caller changes them for everyone', () => {
    expect(Object.isFrozen(DEFAULT_RULES.engagement[0].cap)).toBe(true);
  });
});

describe('parseRules', () => {
  it('gives the defaults for nothing, an empty object or its JSON text', () => {
    expect(parseRules(null)).toEqual(DEFAULT_RULES);
    expect(parseRules({})).toEqual(DEFAULT_RULES);
    expect(parseRules('{"halfLifeDays":null}')).toEqual({ ...DEFAULT_RULES, halfLifeDays: null });
  });

  it('fills missing parts inside a partial object and replaces a given list', () => {
    const rules = parseRules({ mql: { score: 60 }, engagement: [{ on: 'track', name: 'webinar', points: 7 }] });
    expect(rules.mql).toEqual({ score: 60, minGrade: 'C' });
    expect(rules.engagement).toEqual([{ id: 'track:webinar', on: 'track', name: 'webinar', points: 7, cap: {} }]);
    expect(rules.fit).toEqual(DEFAULT_RULES.fit);
  });

  it('returns rules a caller may change without touching the defaults', () => {
    const rules = parseRules({});
    rules.engagement[0].points = 99;
    expect(DEFAULT_RULES.engagement[0].points).toBe(1);
  });

  it.each([
    ['an unknown key', { halfLifeDays: 90, typo: 1 }],
    ['points as text', { engagement: [{ on: 'returning_visit', points: '5' }] }],
    ['an unknown rule kind', { engagement: [{ on: 'moon_phase', points: 5 }] }],
    ['duplicate rule ids', { engagement: [{ on: 'returning_visit', points: 5 }, { on: 'returning_visit', points: 1 }] }],
    ['a reserved id', { engagement: [{ id: '__proto__', on: 'returning_visit', points: 5 }] }],
    ['the floor row id', { engagement: [{ id: 'floor', on: 'returning_visit', points: 5 }] }],
    ['a half-life too short to keep keys finite', { halfLifeDays: 3 }],
    ['a zero cap', { engagement: [{ on: 'returning_visit', points: 5, cap: { perDay: 0 } }] }],
    ['grades out of order', { grades: { A: 10, B: 20, C: 10, D: 0 } }],
    ['a trait rule with equals and contains', { fit: { traits: [{ trait: 'x', equals: 'a', contains: 'b', points: 1 }] } }],
    ['a category prefix without a slash', { categories: [{ category: 'x', prefixes: ['pricing'] }] }],
    ['an unknown grade', { mql: { minGrade: 'E' } }],
    ['an array', []],
    ['invalid JSON text', '{"halfLifeDays":'],
  ])('refuses %s with a zod error', (_, input) => {
    expect(() => parseRules(input)).toThrow(ZodError);
  });

  it('accepts decay off as 0 or null', () => {
    expect(parseRules({ halfLifeDays: 0 }).halfLifeDays).toBe(0);
    expect(parseRules({ halfLifeDays: null }).halfLifeDays).toBeNull();
  });
});

describe('categoryOf', () => {
  it.each([
    ['https://acme.com/pricing', 'pricing'],
    ['https://acme.com/pricing/', 'pricing'],
    ['https://acme.com/pricing/team?utm_source=x', 'pricing'],
    ['https://acme.com/PRICING', 'pricing'],
    ['/plans', 'pricing'],
    ['https://acme.com/fr/tarifs', 'pricing'],
    ['https://acme.com/fr/prix/', 'pricing'],
    ['https://acme.com/en-gb/careers/42', 'careers'],
    ['https://acme.com/jobs', 'careers'],
    ['https://acme.com/carri%C3%A8res', null],
    ['https://acme.com/carrieres', 'careers'],
    ['https://acme.com/demo', 'contact'],
    ['https://acme.com/blog/why-us', 'blog'],
    ['https://acme.com/docs/api', 'docs'],
    ['https://acme.com/pricingx', null],
    ['https://acme.com/blog-pricing', null],
    ['https://acme.com/product/pricing', null],
    ['https://acme.com/', null],
    ['https://acme.com/%E0%A4%A/pricing', null],
    ['', null],
    [null, null],
  ])('%s → %s', (url, category) => {
    expect(categoryOf(DEFAULT_RULES, url)).toBe(category);
  });

  it('prefers the longest matching prefix', () => {
    const rules = parseRules({
      categories: [
        { category: 'docs', prefixes: ['/docs'] },
        { category: 'pricing', prefixes: ['/docs/pricing'] },
      ],
    });
    expect(categoryOf(rules, '/docs/pricing/faq')).toBe('pricing');
    expect(categoryOf(rules, '/docs/setup')).toBe('docs');
  });
});
