// The dashboard's building blocks for the integrator: pages, shell, static assets, URLs and view types.
export { renderPage, Layout } from './layout';
export { staticAssets, assetUrl } from './static';
export { paths } from './paths';
export { safeHref } from './safe';
export { SignInPage } from './pages/signin';
export { ErrorPage } from './pages/error';
export { LeadsPage } from './pages/leads';
export { LeadPage, allowedActions, groupBySession } from './pages/lead';
export { FunnelPage, funnelSteps } from './pages/funnel';
export { SitesPage, snippetFor } from './pages/sites';
export { RulesPage } from './pages/rules';
export { WebhooksPage } from './pages/webhooks';
export { UsersPage } from './pages/users';
export type * from './views';
export { dashboard, type DashboardDeps } from './app';
export { ensureAdmin, GENERATED_ADMIN_EMAIL } from './admin';
export { createSessionStore, dashboardSessionAuth, SESSION_TTL_MS, type SessionStore } from './session';
