// Sites, scoring rules, webhooks, users and API tokens: the configuration pages and their form posts.
// Writes go through the API's service layer, so a form accepts and refuses exactly what /api does.
import type { Context, Hono } from 'hono';
import { createSite, updateSite, createToken, createWebhook, deleteToken, deleteWebhook, listTokens, listWebhooks, putSiteRules } from '../api/service';
import { hashPassword } from '../auth/password';
import { requestOrigin } from '../auth/request-origin';
import { ConflictError, type Site } from '../db/repository';
import { ApiError } from '../errors';
import { newId } from '../ids';
import { isUserEmail, normalizeUserEmail } from '../auth/user-email';
import { siteRules } from '../leads/rules';
import { DEFAULT_RULES } from '../scoring';
import { errorPage, flashFrom, htmlErrorFor, pageContext, type DashboardEnv, type FullDashboardDeps } from './app';
import { renderPage } from './layout';
import { RulesPage } from './pages/rules';
import { SitesPage } from './pages/sites';
import { UsersPage } from './pages/users';
import { WebhooksPage } from './pages/webhooks';
import { paths } from './paths';
import type { FieldError, SiteView } from './views';

const MIN_PASSWORD = 12;
const iso = (ms: number) => new Date(ms).toISOString();

type PageStatus = 200 | 201 | 400 | 404 | 409;

async function form(c: Context): Promise<Record<string, string>> {
  const body = await c.req.parseBody();
  return Object.fromEntries(Object.entries(body).filter((e): e is [string, string] => typeof e[1] === 'string'));
}

/**
 * A service's ApiError as the field error shown beside the form (its message already names the field in `path`,
 * which the page shows apart). Anything else is not a user mistake and goes on to `app.onError`.
 */
function fieldErrorOf(err: unknown, fallbackPath = ''): { errors: FieldError[]; status: PageStatus } {
  if (!(err instanceof ApiError)) throw err;
  const path = err.path ?? fallbackPath;
  const message = err.path && err.message.startsWith(`${err.path}: `) ? err.message.slice(err.path.length + 2) : err.message;
  const status = ([400, 404, 409] as const).find((s) => s === err.status) ?? 400;
  return { errors: [{ path, message }], status };
}

/** Stored rules were validated on the way in (putSiteRules), so they parse. */
const siteView = (site: Site): SiteView => ({ key: site.key, name: site.name, origins: site.origins, categories: siteRules(site).categories });

export function settingsRoutes(app: Hono<DashboardEnv>, { db, config, clock, publicUrl, api }: FullDashboardDeps): void {
  // --- sites ---
  type SitesExtra = { errors?: FieldError[]; draft?: { key?: string; name?: string; origins?: string }; originErrors?: { site: string; origins: string; errors: FieldError[] } };
  const sitesPage = async (c: Context<DashboardEnv>, extra: SitesExtra = {}, status: PageStatus = 200) => {
    const sites = (await db.listSites()).map(siteView);
    const collectorUrl = publicUrl ?? requestOrigin(c, { trustProxy: config.trustProxy });
    return c.html(renderPage(<SitesPage {...pageContext(c)} sites={sites} collectorUrl={collectorUrl} flash={flashFrom(c)} {...extra} />), status);
  };
  app.get(paths.sites, (c) => sitesPage(c));
  app.post(paths.sites, async (c) => {
    const f = await form(c);
    const draft = { key: f.key ?? '', name: f.name ?? '', origins: f.origins ?? '' };
    const origins = draft.origins.split(/[\s,]+/).filter(Boolean);
    try {
      await createSite(api, { key: draft.key.trim(), name: draft.name.trim() || undefined, origins });
    } catch (err) {
      const { errors, status } = fieldErrorOf(err);
      return sitesPage(c, { errors, draft }, status);
    }
    return c.redirect(`${paths.sites}?done=site_added`, 303);
  });
  // Replaces a site's allowed origins (PUT /api/sites/:key, same checks).
  app.post('/sites/:key/origins', async (c) => {
    const key = c.req.param('key');
    const text = (await form(c)).origins ?? '';
    try {
      await updateSite(api, key, { origins: text.split(/[\s,]+/).filter(Boolean) });
    } catch (err) {
      if (err instanceof ApiError && err.status === 404) return errorPage(c, 404, 'No site with this key.');
      const { errors, status } = fieldErrorOf(err, 'origins');
      return sitesPage(c, { originErrors: { site: key, origins: text, errors } }, status);
    }
    return c.redirect(`${paths.sites}?done=origins_saved`, 303);
  });

  // --- rules ---
  const rulesPage = async (c: Context<DashboardEnv>, site: Site | undefined, text?: string, errors?: FieldError[]) => {
    const sites = (await db.listSites()).map((s) => s.key);
    if (!site) return sites.length ? errorPage(c, 404, 'No site with this key.') : c.redirect(`${paths.sites}?done=no_site`, 302);
    // The rules as stored (what the user wrote; defaults left out stay defaults), or the defaults.
    const rulesJson = text ?? JSON.stringify(site.rules ?? DEFAULT_RULES, null, 2);
    return c.html(renderPage(<RulesPage {...pageContext(c)} sites={sites} site={site.key} rulesJson={rulesJson} errors={errors} flash={flashFrom(c)} />), errors ? 400 : 200);
  };
  app.get('/rules', async (c) => {
    const key = c.req.query('site') ?? (await db.listSites())[0]?.key;
    return rulesPage(c, key ? await db.getSite(key) : undefined);
  });
  app.post('/rules', async (c) => {
    const f = await form(c);
    const site = await db.getSite(c.req.query('site') ?? f.site ?? '');
    if (!site) return errorPage(c, 404, 'No site with this key.');
    const text = (f.rules ?? '').slice(0, 200_000);
    let rules: unknown;
    try {
      rules = JSON.parse(text);
    } catch (err) {
      return rulesPage(c, site, text, [{ path: '', message: `The rules are not valid JSON: ${(err as Error).message}` }]);
    }
    try {
      await putSiteRules(api, site.key, rules);
    } catch (err) {
      return rulesPage(c, site, text, fieldErrorOf(err).errors);
    }
    return c.redirect(`${paths.rules(site.key)}&done=rules_saved`, 303);
  });

  // --- webhooks ---
  const webhooksPage = async (c: Context<DashboardEnv>, extra: { created?: { id: string; url: string; secret: string }; errors?: FieldError[] } = {}, status: PageStatus = 200) => {
    const [webhooks, deliveries, sites] = await Promise.all([listWebhooks(api), db.listDeliveries(undefined, 50), db.listSites()]);
    return c.html(renderPage(
      <WebhooksPage {...pageContext(c)} sites={sites.map((s) => s.key)} flash={flashFrom(c)} {...extra} webhooks={webhooks}
        deliveries={deliveries.map((d) => ({ ...d, leadId: d.leadId ?? '', createdAt: iso(d.createdAt), deliveredAt: d.deliveredAt === null ? null : iso(d.deliveredAt) }))} />,
    ), status);
  };
  app.get(paths.webhooks, (c) => webhooksPage(c));
  app.post(paths.webhooks, async (c) => {
    const f = await form(c);
    const url = (f.url ?? '').trim();
    let created: { id: string; secret: string };
    try {
      // The same SSRF check as POST /api/webhooks, DNS resolution included.
      created = await createWebhook(api, { url, site: f.site || undefined });
    } catch (err) {
      const { errors, status } = fieldErrorOf(err, f.site ? 'site' : 'url');
      return webhooksPage(c, { errors }, status);
    }
    // The secret is shown in this response only: it is not in any URL, log or later page.
    return webhooksPage(c, { created: { ...created, url } }, 201);
  });
  app.post('/webhooks/:id/delete', async (c) => {
    try {
      await deleteWebhook(api, c.req.param('id'));
    } catch (err) {
      return htmlErrorFor(c, err);
    }
    return c.redirect(`${paths.webhooks}?done=webhook_deleted`, 303);
  });

  // --- users and API tokens ---
  const usersPage = async (c: Context<DashboardEnv>, extra: { newToken?: { name: string; token: string }; userErrors?: FieldError[]; tokenErrors?: FieldError[] } = {}, status: PageStatus = 200) => {
    const [users, tokens] = await Promise.all([db.listUsers(), listTokens(api)]);
    return c.html(renderPage(
      <UsersPage {...pageContext(c)} flash={flashFrom(c)} {...extra}
        users={users.map((u) => ({ id: u.id, email: u.email, createdAt: iso(u.createdAt), you: u.id === c.get('session').userId }))}
        tokens={tokens.map((t) => ({ ...t, name: t.name ?? '(unnamed)' }))} />,
    ), status);
  };
  app.get(paths.users, (c) => usersPage(c));
  // Takes a user's access away at once (their sessions go with them). Not yourself: the dashboard keeps a user.
  app.post('/users/:id/delete', async (c) => {
    const id = c.req.param('id');
    if (id === c.get('session').userId) return errorPage(c, 409, 'You cannot remove yourself: ask another user, or use the CLI.');
    if (!(await db.deleteUser(id))) return errorPage(c, 404, 'No such user.');
    return c.redirect(`${paths.users}?done=user_removed`, 303);
  });
  app.post(paths.users, async (c) => {
    const f = await form(c);
    const email = normalizeUserEmail(f.email ?? '');
    const password = f.password ?? '';
    const userErrors: FieldError[] = [];
    if (!isUserEmail(email)) userErrors.push({ path: 'email', message: 'Enter an email address.' });
    if (password.length < MIN_PASSWORD || password.length > 1024) userErrors.push({ path: 'password', message: `Use at least ${MIN_PASSWORD} characters.` });
    if (userErrors.length) return usersPage(c, { userErrors }, 400);
    try {
      await db.createUser({ id: newId(), email, passwordHash: await hashPassword(password), createdAt: clock.now() });
    } catch (err) {
      if (err instanceof ConflictError) return usersPage(c, { userErrors: [{ path: 'email', message: 'This user already exists.' }] }, 409);
      throw err;
    }
    return c.redirect(`${paths.users}?done=user_added`, 303);
  });
  app.post(paths.tokens, async (c) => {
    const f = await form(c);
    try {
      const { name, token } = await createToken(api, { name: f.name ?? '' });
      return usersPage(c, { newToken: { name, token } }, 201);
    } catch (err) {
      return usersPage(c, { tokenErrors: fieldErrorOf(err, 'name').errors }, 400);
    }
  });
  app.post('/tokens/:id/delete', async (c) => {
    try {
      await deleteToken(api, c.req.param('id'));
    } catch (err) {
      return htmlErrorFor(c, err);
    }
    return c.redirect(`${paths.users}?done=token_deleted`, 303);
  });
}
