import { describe, expect, it } from 'vitest';
import { parseRules } from '../scoring';
import { companySizeBucket, emailKindOf, extractFeatures, FEATURE_LABELS, FEATURE_NAMES, FEATURES, featureVector, seniorityOf, type PredictEvent } from './features';

const DAY = 86_400_000;
const T0 = Date.UTC(2025, 0, 10);
let n = 0;
const ev = (type: PredictEvent['type'], ts: number, sessionId: string, more: Partial<PredictEvent> = {}): PredictEvent => ({ id: `e${n++}`, type, ts, sessionId, ...more });
const at = (events: PredictEvent[], cutoff = T0 + 10 * DAY, traits = {}) =>
  extractFeatures({ events, traits, becameLeadAt: T0, cutoff, halfLifeDays: null });

describe('extractFeatures', () => {
  it.each([
    { name: 'no events', events: [], want: { pageviews: 0, sessions: 0, returning_visits: 0, engagement: 0 } },
    {
      name: 'pageviews counted per category, unknown categories as other',
      events: [ev('pageview', T0, 's1', { cat: 'pricing' }), ev('pageview', T0 + 1, 's1', { cat: 'pricing' }), ev('pageview', T0 + 2, 's1', { cat: 'docs' }), ev('pageview', T0 + 3, 's1', { cat: 'landing' }), ev('pageview', T0 + 4, 's1')],
      want: { pageviews: 5, pricing_views: 2, docs_views: 1, other_views: 2, careers_views: 0, sessions: 1, returning_visits: 0 },
    },
    {
      name: 'sessions and returning visits',
      events: [ev('pageview', T0, 'a'), ev('pageview', T0 + DAY, 'b'), ev('pageview', T0 + 2 * DAY, 'c'), ev('track', T0 + 2 * DAY + 1, 'c', { name: 'document_download' })],
      want: { sessions: 3, returning_visits: 2, tracked: 1, downloads: 1 },
    },
    {
      name: 'forms by kind, newsletter sign-ups from forms and tracks, email opens and clicks',
      events: [
        ev('form_submit', T0, 'a', { formKind: 'demo', hasEmail: true }),
        ev('form_submit', T0, 'a', { formKind: 'contact_sales', hasEmail: true }),
        ev('form_submit', T0, 'a', { formKind: 'newsletter', hasEmail: true }),
        ev('form_submit', T0, 'a', { formKind: 'signup' }),
        ev('form_submit', T0, 'a'),
        ev('track', T0, 'a', { name: 'newsletter_signup' }),
        ev('track', T0, 'a', { name: 'email_open' }),
        ev('track', T0, 'a', { name: 'email_click' }),
        ev('identify', T0, 'a'),
      ],
      want: { forms: 5, demo_forms: 1, contact_sales_forms: 1, newsletter_signups: 2, other_forms: 2, tracked: 3, email_engagement: 2, identifies: 1 },
    },
    {
      // SPEC §4 defaults: 2 pageviews +2, pricing once a session +15, returning visit +5, form with email +10
      name: 'engagement is the rules score at the cutoff',
      events: [ev('pageview', T0, 'a', { cat: 'pricing' }), ev('pageview', T0 + DAY, 'b'), ev('form_submit', T0 + DAY, 'b', { hasEmail: true })],
      want: { engagement: 32 },
    },
  ])('$name', ({ events, want }) => {
    expect(at(events)).toMatchObject(want);
  });

  it.each([
    { name: 'last activity 3 days before the cutoff', events: [ev('pageview', T0 + 7 * DAY, 'a')], days: 3 },
    { name: 'activity at the cutoff itself is not seen', events: [ev('pageview', T0, 'a'), ev('pageview', T0 + 10 * DAY, 'b')], days: 10 },
    { name: 'no activity counts as a year', events: [], days: 365 },
  ])('recency is log-scaled days: $name', ({ events, days }) => {
    expect(at(events).days_since_last).toBeCloseTo(Math.log1p(days), 12);
  });

  it('decays engagement with the half-life', () => {
    const events = [ev('form_submit', T0, 'a', { hasEmail: true })];
    const f = extractFeatures({ events, traits: {}, becameLeadAt: T0, cutoff: T0 + 90 * DAY, halfLifeDays: 90 });
    expect(f.engagement).toBeCloseTo(5, 9);
  });

  it("scores engagement with the site's rules when given", () => {
    const rules = parseRules({ halfLifeDays: null, engagement: [{ on: 'category', category: 'docs', points: 7 }] });
    const events = [ev('pageview', T0, 'a', { cat: 'docs' }), ev('pageview', T0 + 1, 'a', { cat: 'pricing' }), ev('pageview', T0 + 20 * DAY, 'a', { cat: 'docs' })];
    expect(extractFeatures({ events, traits: {}, becameLeadAt: T0, cutoff: T0 + DAY, halfLifeDays: 90, rules }).engagement).toBe(7);
  });

  it('does not count events outside any visit as a visit', () => {
    expect(at([ev('pageview', T0, 'a'), ev('track', T0 + DAY, '', { name: 'email_open' })])).toMatchObject({ sessions: 1, email_engagement: 1 });
  });

  it('changes nothing when events at or after the cutoff are added (no leakage)', () => {
    const before = [ev('pageview', T0, 'a', { cat: 'pricing' }), ev('form_submit', T0 + DAY, 'a', { hasEmail: true, formKind: 'newsletter' })];
    const cutoff = T0 + 5 * DAY;
    const after = [
      ev('pageview', cutoff, 'z', { cat: 'pricing' }),
      ev('form_submit', cutoff + DAY, 'z', { formKind: 'demo', hasEmail: true }),
      ev('track', cutoff + 2 * DAY, 'y', { name: 'email_click' }),
    ];
    const traits = { email: 'ada@acme.io', title: 'VP Sales', companySize: 300 };
    expect(at([...before, ...after], cutoff, traits)).toEqual(at(before, cutoff, traits));
    // and in any order
    expect(at([...after, ...before].reverse(), cutoff, traits)).toEqual(at(before, cutoff, traits));
  });

  it('reads fit traits', () => {
    expect(at([], T0, { email: 'Ada@Acme.io', title: 'Head of Growth', companySize: '250' })).toMatchObject({ business_email: 1, free_email: 0, title_seniority: 2, company_size: 3 });
    expect(at([], T0, { email: 'bob@gmail.com' })).toMatchObject({ business_email: 0, free_email: 1, title_seniority: 0, company_size: 0 });
  });

  it('has a label and a text for every feature, in a stable order', () => {
    expect(FEATURE_NAMES.length).toBe(new Set(FEATURE_NAMES).size);
    expect(FEATURE_NAMES.slice(0, 5)).toEqual(['pageviews', 'forms', 'identifies', 'tracked', 'pricing_views']);
    expect(FEATURE_LABELS.pricing_views).toBe('visits to pricing pages');
    expect(FEATURE_LABELS.days_since_last).toBe('days since last visit');
    for (const f of FEATURES) expect(f.text(1)).toMatch(/^[A-Z]/);
    const f = at([ev('pageview', T0, 'a', { cat: 'pricing' })]);
    expect(featureVector(f)).toEqual(FEATURE_NAMES.map((name) => f[name]));
  });
});

describe('fit traits', () => {
  it.each([
    ['ada@acme.io', 'business'],
    ['  BOB@GMAIL.COM ', 'free'],
    ['someone@yahoo.com', 'free'],
    ['not an email', 'none'],
    ['', 'none'],
    [null, 'none'],
  ] as const)('email %j is %s', (email, kind) => {
    expect(emailKindOf(email)).toBe(kind);
  });

  it.each([
    ['Co-founder & CEO', 3],
    ['Chief Revenue Officer', 3],
    ['VP Marketing', 2],
    ['Head of Data', 2],
    ['Engineering Director', 2],
    ['Product Manager', 1],
    ['Software Engineer', 0],
    ['Headless CMS developer', 0],
    [undefined, 0],
  ] as const)('title %j has seniority %i', (title, level) => {
    expect(seniorityOf(title)).toBe(level);
  });

  it.each([
    [undefined, 0],
    [0, 0],
    ['abc', 0],
    [1, 1],
    [9, 1],
    [10, 2],
    ['51-200', 2],
    [999, 3],
    ['1,500', 4],
    [250_000, 5],
  ] as const)('company size %j is bucket %i', (size, bucket) => {
    expect(companySizeBucket(size)).toBe(bucket);
  });
});
