// Test data for the dashboard pages: every visitor-controlled string filled with the same given value.
import type { EventView, LeadDetailView, LeadView, SiteView } from './views';

export const CSRF = 'csrf-token-for-tests';
export const USER = { email: 'admin@northwind.example' };

export function leadWith(s: string, overrides: Partial<LeadView> = {}): LeadView {
  return {
    id: 'L8x2kQ9vTn3bYw7pR4mZaA', site: s, email: s, name: s, company: s, title: s, score: 87, grade: 'B', stage: 'mql',
    probability: 0.42, firstSeen: '2024-11-20T09:12:00.000Z', lastSeen: '2024-11-23T14:05:00.000Z', visits: 4, pageviews: 17,
    ...overrides,
  };
}

export function eventsWith(s: string): EventView[] {
  const base = { url: s, title: s, ref: s, cat: s, name: s, props: null, form: null };
  return [
    { ...base, id: 'e1', type: 'pageview', ts: '2024-11-20T09:12:00.000Z', sessionId: 's1' },
    { ...base, id: 'e2', type: 'pageview', ts: '2024-11-20T09:14:00.000Z', sessionId: 's1', url: 'https://northwind.example/pricing?utm_source=newsletter' },
    { ...base, id: 'e3', type: 'track', ts: '2024-11-20T09:15:00.000Z', sessionId: 's1', props: { [s]: s, n: 3, ok: true } },
    {
      ...base, id: 'e4', type: 'form_submit', ts: '2024-11-23T14:05:00.000Z', sessionId: 's2',
      form: { id: s, name: s, action: s, kind: s, fields: { [s]: s, company: s, message: s } },
    },
    { ...base, id: 'e5', type: 'identify', ts: '2024-11-23T14:05:01.000Z', sessionId: s },
  ];
}

export function detailWith(s: string, overrides: Partial<LeadView> = {}): LeadDetailView {
  return {
    lead: leadWith(s, overrides),
    events: eventsWith(s),
    stages: [
      { from: 'visitor', to: 'lead', at: '2024-11-20T09:16:00.000Z', cause: s, actor: null },
      { from: 'lead', to: 'mql', at: '2024-11-23T14:05:00.000Z', cause: s, actor: s },
    ],
    breakdown: [
      { rule: 'pageview', count: 17, points: 12 },
      { rule: s, count: 1, points: 15 },
      { rule: 'careers', count: 1, points: -10 },
    ],
    fit: [{ rule: 'business_email', points: 10 }, { rule: s, points: 10 }],
  };
}

export function siteWith(s: string): SiteView {
  return { key: s, name: s, origins: [s, 'https://www.northwind.example'], categories: [{ category: s, prefixes: [s, '/pricing'] }] };
}
