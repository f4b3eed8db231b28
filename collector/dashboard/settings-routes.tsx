// Sites, scoring rules, webhooks, users and API tokens: the configuration pages and their form posts.
import type { Context, Hono } from 'hono';
import { ZodError } from 'zod';
import { hashPassword } from '../auth/password';
import { hashToken, newSecretToken } from '../auth/tokens';
import { requestOrigin } from '../auth/request-origin';
import { ConflictError, type Site } from '../db/repository';
import { newId } from '../ids';
import { siteRules } from '../leads/rules';
import { DEFAULT_RULES, parseRules } from '../scoring';
import { newWebhookSecret } from '../webhooks/sign';
import { checkUrl } from '../webhooks/ssrf';
import { errorPage, flashFrom, pageContext, type DashboardEnv, type FullDashboardDeps } from './app';
import { renderPage } from './layout';
import { RulesPage } from './pages/rules';
import { SitesPage } from './pages/sites';
import { UsersPage } from './pages/users';
import { WebhooksPage } from './pages/webhooks';
import { paths } from './paths';
import type { FieldError, SiteView } from './views';

const SITE_KEY = /^[A-Za-z0-9_-]{1,64}$/;
const MIN_PASSWORD = 12;
const iso = (ms: number) => new Date(ms).toISOString();

async function form(c: Context): Promise<Record<string, string>> {
  const body = await c.req.parseBody();
  return Object.fromEntries(Object.entries(body).filter((e): e is [string, string] => typeof e[1] === 'string'));
}

/** `https://www.example.com` from what a user typed; paths, queries and other schemes are refused. */
function parseOrigin(value: string): string {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw new Error(`"${value}" is not a URL (expected an origin like https://www.example.com).`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new Error(`"${value}" is not an http(s) origin.`);
  if (url.pathname !== '/' || url.search || url.hash || url.username || url.password) throw new Error(`"${value}" is not an origin: use ${url.origin}.`);
  return url.origin;
}

function siteView(site: Site): SiteView {
  let categories: SiteView['categories'];
  try {
    categories = siteRules(site).categories;
  } catch {
    categories = DEFAULT_RULES.categories;
  }
  return { key: site.key, name: site.name, origins: site.origins, categories };
}

/** zod issues as field errors next to the rules editor. */
function zodErrors(err: ZodError): FieldError[] {
  return err.issues.slice(0, 20).map((i) => ({ path: i.path.map(String).join('.'), message: i.message }));
}

export function settingsRoutes(app: Hono<DashboardEnv>, { db, config, clock, publicUrl }: FullDashboardDeps): void {
  // --- sites ---
  const sitesPage = async (c: Context<DashboardEnv>, extra: { errors?: FieldError[]; draft?: { key?: string; name?: string; origins?: string } } = {}, status: 200 | 400 | 409 = 200) => {
    const sites = (await db.listSites()).map(siteView);
    const collectorUrl = publicUrl ?? requestOrigin(c, { trustProxy: config.trustProxy });
    return c.html(renderPage(<SitesPage {...pageContext(c)} sites={sites} collectorUrl={collectorUrl} flash={flashFrom(c)} {...extra} />), status);
  };
  app.get(paths.sites, (c) => sitesPage(c));
  app.post(paths.sites, async (c) => {
    const f = await form(c);
    const draft = { key: f.key ?? '', name: f.name ?? '', origins: f.origins ?? '' };
    const errors: FieldError[] = [];
    const key = draft.key.trim();
    if (!SITE_KEY.test(key)) errors.push({ path: 'key', message: 'Use 1–64 letters, digits, - or _.' });
    const origins: string[] = [];
    for (const line of draft.origins.split(/[\s,]+/).filter(Boolean).slice(0, 50)) {
      try {
        origins.push(parseOrigin(line));
      } catch (err) {
        errors.push({ path: 'origins', message: (err as Error).message });
      }
    }
    if (errors.length) return sitesPage(c, { errors, draft }, 400);
    try {
      await db.createSite({ key, name: draft.name.trim().slice(0, 200) || key, origins: [...new Set(origins)] }, clock.now());
    } catch (err) {
      if (err instanceof ConflictError) return sitesPage(c, { errors: [{ path: 'key', message: `A site "${key}" already exists.` }], draft }, 409);
      throw err;
    }
    return c.redirect(`${paths.sites}?done=site_added`, 303);
  });

  // --- rules ---
  const rulesPage = async (c: Context<DashboardEnv>, site: Site | undefined, text?: string, errors?: FieldError[]) => {
    const sites = (await db.listSites()).map((s) => s.key);
    if (!site) return sites.length ? errorPage(c, 404, 'No site with this key.') : c.redirect(`${paths.sites}?done=no_site`, 302);
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
    try {
      parseRules(text);
    } catch (err) {
      if (err instanceof ZodError) return rulesPage(c, site, text, zodErrors(err));
      throw err;
    }
    // Stored as written (parseRules accepted it): defaults the user left out stay defaults.
    await db.updateSiteRules(site.key, JSON.parse(text));
    return c.redirect(`${paths.rules(site.key)}&done=rules_saved`, 303);
  });

  // --- webhooks ---
  const webhooksPage = async (c: Context<DashboardEnv>, extra: { created?: { id: string; url: string; secret: string }; errors?: FieldError[] } = {}, status: 200 | 201 | 400 = 200) => {
    const [hooks, deliveries, sites] = await Promise.all([db.listWebhooks(), db.listDeliveries(undefined, 50), db.listSites()]);
    return c.html(renderPage(
      <WebhooksPage {...pageContext(c)} sites={sites.map((s) => s.key)} flash={flashFrom(c)} {...extra}
        webhooks={hooks.map((w) => ({ id: w.id, site: w.site, url: w.url, events: w.events ?? [], createdAt: iso(w.createdAt) }))}
        deliveries={deliveries.map((d) => ({ ...d, leadId: d.leadId ?? '', createdAt: iso(d.createdAt), deliveredAt: d.deliveredAt === null ? null : iso(d.deliveredAt) }))} />,
    ), status);
  };
  app.get(paths.webhooks, (c) => webhooksPage(c));
  app.post(paths.webhooks, async (c) => {
    const f = await form(c);
    let url: string;
    try {
      url = checkUrl((f.url ?? '').trim().slice(0, 2048), { allowPrivate: config.webhookAllowPrivate }).href;
    } catch (err) {
      return webhooksPage(c, { errors: [{ path: 'url', message: (err as Error).message }] }, 400);
    }
    const site = f.site ? await db.getSite(f.site) : undefined;
    if (f.site && !site) return webhooksPage(c, { errors: [{ path: 'site', message: 'No site with this key.' }] }, 400);
    const webhook = { id: newId(), site: site?.key ?? null, url, events: null, secret: newWebhookSecret(), createdAt: clock.now() };
    await db.createWebhook(webhook);
    // The secret is shown in this response only: it is not in any URL, log or later page.
    return webhooksPage(c, { created: { id: webhook.id, url, secret: webhook.secret } }, 201);
  });
  app.post('/webhooks/:id/delete', async (c) => {
    if (!(await db.deleteWebhook(c.req.param('id')))) return errorPage(c, 404, 'No webhook with this id.');
    return c.redirect(`${paths.webhooks}?done=webhook_deleted`, 303);
  });

  // --- users and API tokens ---
  const usersPage = async (c: Context<DashboardEnv>, extra: { newToken?: { name: string; token: string }; userErrors?: FieldError[]; tokenErrors?: FieldError[] } = {}, status: 200 | 201 | 400 | 409 = 200) => {
    const [users, tokens] = await Promise.all([db.listUsers(), db.listApiTokens()]);
    return c.html(renderPage(
      <UsersPage {...pageContext(c)} flash={flashFrom(c)} {...extra}
        users={users.map((u) => ({ id: u.id, email: u.email, createdAt: iso(u.createdAt) }))}
        tokens={tokens.map((t) => ({ id: t.id, name: t.name ?? '(unnamed)', createdAt: iso(t.createdAt), lastUsedAt: t.lastUsedAt === null ? null : iso(t.lastUsedAt) }))} />,
    ), status);
  };
  app.get(paths.users, (c) => usersPage(c));
  app.post(paths.users, async (c) => {
    const f = await form(c);
    const email = (f.email ?? '').trim().toLowerCase();
    const password = f.password ?? '';
    const userErrors: FieldError[] = [];
    if (!/^[^\s@]{1,64}@[^\s@]{1,255}$/.test(email)) userErrors.push({ path: 'email', message: 'Enter an email address.' });
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
    const name = (f.name ?? '').trim().slice(0, 100);
    if (!name) return usersPage(c, { tokenErrors: [{ path: 'name', message: 'Name the token (what it is for).' }] }, 400);
    const token = newSecretToken();
    await db.createApiToken({ id: newId(), name, tokenHash: hashToken(token), createdAt: clock.now(), lastUsedAt: null });
    return usersPage(c, { newToken: { name, token } }, 201);
  });
  app.post('/tokens/:id/delete', async (c) => {
    if (!(await db.deleteApiToken(c.req.param('id')))) return errorPage(c, 404, 'No token with this id.');
    return c.redirect(`${paths.users}?done=token_deleted`, 303);
  });
}
