// The dashboard's URLs in one place, so pages and the routes the integrator writes agree.
import type { LeadFilters } from './views';

type Query = Record<string, string | number | undefined | null>;

function withQuery(path: string, query: Query): string {
  const params = new URLSearchParams();
  for (const [key, value] of Object.entries(query)) {
    if (value !== undefined && value !== null && value !== '') params.set(key, String(value));
  }
  const qs = params.toString();
  return qs ? `${path}?${qs}` : path;
}

const enc = encodeURIComponent;

function filterQuery(filters: LeadFilters): Query {
  return { site: filters.site, stage: filters.stage, grade: filters.grade, minScore: filters.minScore, q: filters.q, sort: filters.sort };
}

/**
 * GET pages and POST actions of the dashboard. Exports and CSV go straight to the JSON API, which accepts the session.
 * POST forms carry `_csrf`; `leadAction(id, 'reject')` also `reason`, `leadAction(id, 'erase')` also `confirm=yes`.
 */
export const paths = {
  home: '/',
  signIn: '/signin',
  signOut: '/signout',
  leads: (filters: LeadFilters = {}, cursor?: string) => withQuery('/leads', { ...filterQuery(filters), cursor }),
  leadsCsv: (filters: LeadFilters = {}) => withQuery('/api/leads.csv', filterQuery(filters)),
  lead: (id: string) => `/leads/${enc(id)}`,
  leadAction: (id: string, action: 'accept' | 'qualify' | 'reject' | 'erase') => `/leads/${enc(id)}/${action}`,
  leadExport: (id: string) => `/api/leads/${enc(id)}/export`,
  funnel: (query: { site?: string; from?: string; to?: string } = {}) => withQuery('/funnel', query),
  sites: '/sites',
  siteOrigins: (key: string) => `/sites/${enc(key)}/origins`,
  rules: (site?: string) => withQuery('/rules', { site }),
  webhooks: '/webhooks',
  webhookDelete: (id: string) => `/webhooks/${enc(id)}/delete`,
  users: '/users',
  userDelete: (id: string) => `/users/${enc(id)}/delete`,
  tokens: '/tokens',
  tokenDelete: (id: string) => `/tokens/${enc(id)}/delete`,
} as const;
