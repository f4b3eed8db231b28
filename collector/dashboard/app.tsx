// Mounts the dashboard at `/`: security headers, the session guard, CSRF, HTML error pages, then the pages.
import type { Context, Hono, MiddlewareHandler } from 'hono';
import { csrfProtection, csrfTokenFor } from '../auth/csrf';
import { dashboardSecurityHeaders } from '../auth/headers';
import { readSessionCookie, setSessionCookie } from '../auth/session-cookie';
import { systemClock, type Clock } from '../clock';
import type { Config } from '../config';
import type { Database } from '../db/repository';
import type { ApiContext } from '../api/context';
import type { LookupAll } from '../webhooks/ssrf';
import { ApiError } from '../errors';
import { authRoutes } from './auth-routes';
import { renderPage } from './layout';
import { ErrorPage } from './pages/error';
import { paths } from './paths';
import { leadRoutes } from './routes';
import { createSessionStore, SESSION_TTL_MS, type SessionStore, type SignedIn } from './session';
import { settingsRoutes } from './settings-routes';
import { staticAssets } from './static';
import type { Flash, PageContext } from './views';

export type DashboardEnv = { Variables: { session: SignedIn } };

export type DashboardDeps = {
  db: Database;
  config: Config;
  clock?: Clock;
  /** Shared with the API's `sessionAuth`, so both see the same sessions. */
  sessions?: SessionStore;
  /** The collector's public URL for the snippet; default: the origin the request came to. */
  publicUrl?: string;
  /** DNS resolution for the webhook SSRF check (tests pass a fake one). */
  lookup?: LookupAll;
};

/** The paths the dashboard answers (besides /static): its headers, guard and HTML errors apply to these only. */
const PAGE_PATH = /^\/(?:|signin|signout|leads(?:\/[^/]+(?:\/[a-z]+)?)?|funnel|sites(?:\/[^/]+\/origins)?|rules|webhooks(?:\/[^/]+\/delete)?|users(?:\/[^/]+\/delete)?|tokens(?:\/[^/]+\/delete)?)$/;
const PUBLIC_PATHS = new Set(['/signin']);

/** The page context (signed-in user and the CSRF token for forms) of a guarded route. */
export function pageContext(c: Context<DashboardEnv>): PageContext {
  const session = c.get('session');
  return { user: { email: session.email }, csrf: csrfTokenFor(session.csrfSecret) };
}

/** An HTML error page (with navigation when signed in). */
export function errorPage(c: Context, status: 400 | 401 | 403 | 404 | 409 | 429 | 500, message: string): Response {
  const session = (c as Context<DashboardEnv>).get('session') as SignedIn | undefined;
  const ctx = session ? pageContext(c as Context<DashboardEnv>) : undefined;
  return c.html(renderPage(<ErrorPage status={status} message={message} ctx={ctx} />), status);
}

/** Messages shown after a redirect (`?done=key`): a fixed list, so a link cannot make the page say anything else. */
const FLASHES: Record<string, Flash> = {
  accepted: { kind: 'ok', message: 'Accepted: the lead is now SAL.' },
  qualified: { kind: 'ok', message: 'Qualified: the lead is now SQL.' },
  rejected: { kind: 'ok', message: 'Rejected: the lead is recycled and must earn MQL again.' },
  erased: { kind: 'ok', message: 'The lead, its browsers and all their events were erased.' },
  site_added: { kind: 'ok', message: 'Site added. Paste its snippet into your pages.' },
  origins_saved: { kind: 'ok', message: 'Allowed origins saved: collectors use them within seconds.' },
  no_site: { kind: 'error', message: 'Add a site first: rules belong to a site.' },
  rules_saved: { kind: 'ok', message: 'Rules saved. New events use them now; run `piste rescore` to recompute existing leads from their history.' },
  webhook_deleted: { kind: 'ok', message: 'Webhook deleted.' },
  user_added: { kind: 'ok', message: 'User added.' },
  user_removed: { kind: 'ok', message: 'User removed: their sessions have ended.' },
  token_deleted: { kind: 'ok', message: 'Token revoked.' },
};

export function flashFrom(c: Context): Flash | undefined {
  const key = c.req.query('done');
  return key && Object.hasOwn(FLASHES, key) ? FLASHES[key] : undefined;
}

const LOCAL = 'http://piste.invalid';

/**
 * Only local paths: `next=//evil.example` or `next=https://…` would be an open redirect. Browsers drop tabs and
 * newlines from a URL and read `\` as `/`, so `/<TAB>/evil.example` is `//evil.example` to them: no control character
 * or backslash anywhere, and the path must still name this origin once parsed as a browser parses it.
 */
export function safeNext(value: string | undefined): string {
  if (!value || !/^\/(?![/\\])/.test(value) || /[\x00-\x1f\x7f\\]/.test(value)) return paths.leads();
  return new URL(value, LOCAL).origin === LOCAL ? value : paths.leads();
}

function requireSession(sessions: SessionStore, config: Config): MiddlewareHandler<DashboardEnv> {
  return async (c, next) => {
    if (PUBLIC_PATHS.has(c.req.path)) return next();
    const session = await sessions.load(readSessionCookie(c));
    if (!session) {
      if (c.req.method === 'GET' || c.req.method === 'HEAD') {
        const target = c.req.path === '/' ? paths.signIn : `${paths.signIn}?next=${encodeURIComponent(c.req.path + new URL(c.req.url).search)}`;
        return c.redirect(target, 302);
      }
      return errorPage(c, 401, 'Your session has ended. Sign in again.');
    }
    if (session.extended) setSessionCookie(c, readSessionCookie(c)!, { trustProxy: config.trustProxy, maxAgeSec: SESSION_TTL_MS / 1000 });
    c.set('session', session);
    return next();
  };
}

/** `csrfProtection`, answering with an HTML page instead of JSON when it refuses. */
function csrfGuard(config: Config): MiddlewareHandler<DashboardEnv> {
  const guard = csrfProtection({ trustProxy: config.trustProxy, sessionCsrfSecret: (c) => (c as Context<DashboardEnv>).get('session')?.csrfSecret });
  return async (c, next) => {
    let passed = false;
    const refused = await guard(c, async () => {
      passed = true;
      await next();
    });
    if (!passed) {
      const body = refused instanceof Response ? ((await refused.clone().json().catch(() => null)) as { error?: { message?: string } } | null) : null;
      const reason = body?.error?.message === 'Cross-origin request refused.' ? 'This request came from another site and was refused.' : 'This form has expired. Go back, reload the page and try again.';
      return errorPage(c, 403, reason);
    }
  };
}

/**
 * Adds the dashboard to the collector app.
 * @example createApp({ db, config, mount: [dashboard({ db, config })] })
 */
export function dashboard(deps: DashboardDeps): (app: Hono) => void {
  const clock = deps.clock ?? systemClock;
  const sessions = deps.sessions ?? createSessionStore({ db: deps.db, clock });
  // The API's service context: the dashboard validates and writes through the same functions as /api.
  const api: ApiContext = { db: deps.db, config: deps.config, clock, lookup: deps.lookup };
  const full = { ...deps, clock, sessions, api };
  return (app) => {
    app.route('/', staticAssets());
    const guarded = app as unknown as Hono<DashboardEnv>;
    const pageOnly = (mw: MiddlewareHandler<DashboardEnv>): MiddlewareHandler<DashboardEnv> => (c, next) => (PAGE_PATH.test(c.req.path) ? mw(c, next) : next());
    guarded.use('*', pageOnly(dashboardSecurityHeaders()));
    guarded.use('*', pageOnly(async (c, next) => {
      await next();
      c.header('Cache-Control', 'no-store');
    }));
    guarded.use('*', pageOnly(requireSession(sessions, deps.config)));
    guarded.use('*', pageOnly(csrfGuard(deps.config)));
    const before = app.routes.length;
    guarded.get('/', (c) => c.redirect(paths.leads(), 302));
    authRoutes(guarded, full);
    leadRoutes(guarded, full);
    settingsRoutes(guarded, full);
    // The session and CSRF checks run on PAGE_PATH only (the collector's other routes share this app): a page route
    // outside it would run unguarded, so refuse to start rather than serve it.
    for (const route of app.routes.slice(before)) {
      if (!PAGE_PATH.test(route.path.replace(/:[^/]+/g, 'x'))) {
        throw new Error(`dashboard route ${route.method} ${route.path} is outside PAGE_PATH: it would skip the session and CSRF checks`);
      }
    }
  };
}

export type FullDashboardDeps = Required<Pick<DashboardDeps, 'db' | 'config' | 'clock' | 'sessions'>> & Pick<DashboardDeps, 'publicUrl'> & { api: ApiContext };

/** Turns an ApiError thrown by a service into the dashboard's HTML error page. */
export function htmlErrorFor(c: Context, err: unknown): Response {
  if (err instanceof ApiError) {
    const status = ([400, 401, 403, 404, 409, 429] as const).find((s) => s === err.status) ?? 400;
    return errorPage(c, status, err.message);
  }
  throw err;
}
