// Settings services behind /api/sites, /api/webhooks and /api/tokens: validated writes, reads without secrets.
import { z, ZodError } from 'zod';
import { hashToken, newSecretToken } from '../auth/tokens';
import { ConflictError, type Site, type Webhook, type WebhookDelivery } from '../db/repository';
import { ApiError } from '../errors';
import { newId } from '../ids';
import { parseRules, type Rules } from '../scoring';
import { checkUrl, resolveAndCheck, WebhookUrlError } from '../webhooks/ssrf';
import { newWebhookSecret } from '../webhooks/sign';
import { STAGE_CHANGED } from '../leads/stages';
import type { ApiContext } from './context';
import { notFound, parseWith } from './validate';

const iso = (ms: number | null) => (ms === null ? null : new Date(ms).toISOString());

// --- sites ---

export const SITE_KEY = /^[a-z0-9][a-z0-9_-]{0,62}$/;

/** An http(s) origin exactly: scheme, host and port, no path, query, fragment or credentials (a trailing `/` is dropped). */
const Origin = z
  .string()
  .max(300)
  .transform((v, ctx) => {
    let url: URL | undefined;
    try {
      url = new URL(v);
    } catch {
      /* reported below */
    }
    const bare = url && (url.protocol === 'http:' || url.protocol === 'https:') && !url.username && !url.password;
    if (!url || !bare || url.origin !== v.replace(/\/$/, '')) {
      ctx.addIssue({ code: 'custom', message: 'expected an http(s) origin such as https://www.example.com (no path)' });
      return z.NEVER;
    }
    return url.origin;
  });
const Origins = z.array(Origin).max(100).transform((list) => [...new Set(list)]);

export const CreateSiteBody = z.strictObject({
  key: z.string().regex(SITE_KEY, 'lower-case letters, digits, _ and -, starting with a letter or digit, at most 63'),
  name: z.string().trim().min(1).max(200).optional(),
  origins: Origins.default([]),
});
export const UpdateSiteBody = z.strictObject({ origins: Origins });

export type SiteJson = { key: string; name: string; origins: string[]; createdAt: string };
const siteJson = (s: Site): SiteJson => ({ key: s.key, name: s.name, origins: s.origins, createdAt: iso(s.createdAt)! });

export async function listSites(ctx: ApiContext): Promise<SiteJson[]> {
  return (await ctx.db.listSites()).map(siteJson);
}

/** 400 on a bad key or origin (with `path`), 409 `conflict` when the key exists. */
export async function createSite(ctx: ApiContext, body: unknown): Promise<SiteJson> {
  const input = parseWith(CreateSiteBody, body);
  try {
    return siteJson(await ctx.db.createSite({ key: input.key, name: input.name ?? input.key, origins: input.origins }, ctx.clock.now()));
  } catch (err) {
    if (err instanceof ConflictError) throw new ApiError(409, 'conflict', `A site with key "${input.key}" already exists.`, 'key');
    throw err;
  }
}

/** Replaces a site's allowed origins. */
export async function updateSite(ctx: ApiContext, key: string, body: unknown): Promise<SiteJson> {
  const { origins } = parseWith(UpdateSiteBody, body);
  if (!(await ctx.db.updateSiteOrigins(key, origins))) throw notFound('site');
  return siteJson((await ctx.db.getSite(key))!);
}

async function requireSite(ctx: ApiContext, key: string): Promise<Site> {
  const site = await ctx.db.getSite(key);
  if (!site) throw notFound('site');
  return site;
}

/** The effective rules: what is stored, with every default filled in. */
export async function getSiteRules(ctx: ApiContext, key: string): Promise<{ site: string; rules: Rules }> {
  const site = await requireSite(ctx, key);
  return { site: key, rules: parseRules(site.rules) };
}

/**
 * Validates (`parseRules`; 400 `invalid_rules` with the zod `path`) and stores the rules as given (null resets
 * to the defaults). New events are scored with them at once; `piste rescore --site KEY` applies them to history.
 */
export async function putSiteRules(ctx: ApiContext, key: string, input: unknown): Promise<{ site: string; rules: Rules; rescore: string }> {
  await requireSite(ctx, key);
  const body = unwrapRules(input, key);
  let rules: Rules;
  try {
    rules = parseRules(body);
  } catch (err) {
    if (!(err instanceof ZodError)) throw err;
    const issue = err.issues[0];
    const path = issue.path.map(String).join('.');
    throw new ApiError(400, 'invalid_rules', path ? `${path}: ${issue.message}` : issue.message, path || undefined);
  }
  await ctx.db.updateSiteRules(key, body ?? null);
  return { site: key, rules, rescore: `Run \`piste rescore --site ${key}\` to apply these rules to past events.` };
}

/**
 * The rules document of a PUT: as is, or inside what GET answers (`{ site, rules }`), so a client can edit what it read
 * and send it back. A `site` naming another site is refused. (No rules document has keys called `site` or `rules`.)
 */
function unwrapRules(body: unknown, key: string): unknown {
  if (!body || typeof body !== 'object' || Array.isArray(body) || !Object.hasOwn(body, 'rules')) return body;
  const { site, rules, ...rest } = body as Record<string, unknown>;
  if (site !== undefined && site !== key) throw new ApiError(400, 'invalid_rules', `site: these are the rules of "${key}"`, 'site');
  const extra = Object.keys(rest)[0];
  if (extra !== undefined) throw new ApiError(400, 'invalid_rules', `${extra}: send the rules document alone, or { site, rules } as GET answers it`, extra);
  return rules;
}

// --- webhooks ---

export const CreateWebhookBody = z.strictObject({
  url: z.string().min(1).max(2000),
  events: z.array(z.literal(STAGE_CHANGED)).min(1).optional(),
  site: z.string().max(64).optional(),
});

export type WebhookJson = { id: string; site: string | null; url: string; events: string[]; createdAt: string };
export type DeliveryJson = Omit<WebhookDelivery, 'payload' | 'nextAttemptAt' | 'createdAt' | 'deliveredAt'> & {
  nextAttemptAt: string;
  createdAt: string;
  deliveredAt: string | null;
};

const webhookJson = (w: Webhook): WebhookJson => ({ id: w.id, site: w.site, url: w.url, events: w.events ?? [STAGE_CHANGED], createdAt: iso(w.createdAt)! });

/**
 * Registers a webhook after the SSRF check of SPEC §5 (scheme, literal addresses, then every DNS answer;
 * 400 `invalid_webhook_url` for loopback, private, link-local or metadata targets unless the operator allows
 * private ones). Answers the signing secret, which is never shown again.
 */
export async function createWebhook(ctx: ApiContext, body: unknown): Promise<{ id: string; secret: string }> {
  const input = parseWith(CreateWebhookBody, body);
  if (input.site !== undefined) await requireSite(ctx, input.site);
  const allowPrivate = ctx.config.webhookAllowPrivate;
  try {
    const url = checkUrl(input.url, { allowPrivate });
    await resolveAndCheck(url.hostname, { allowPrivate, lookup: ctx.lookup });
  } catch (err) {
    if (err instanceof WebhookUrlError) throw new ApiError(400, 'invalid_webhook_url', err.message, 'url');
    throw err;
  }
  const webhook: Webhook = { id: newId(), site: input.site ?? null, url: input.url, events: input.events ?? null, secret: newWebhookSecret(), createdAt: ctx.clock.now() };
  await ctx.db.createWebhook(webhook);
  return { id: webhook.id, secret: webhook.secret };
}

export async function listWebhooks(ctx: ApiContext): Promise<WebhookJson[]> {
  return (await ctx.db.listWebhooks()).map(webhookJson);
}

export async function deleteWebhook(ctx: ApiContext, id: string): Promise<void> {
  if (!(await ctx.db.deleteWebhook(id))) throw notFound('webhook');
}

/** The delivery log of one webhook, newest first (at most 100). */
export async function listWebhookDeliveries(ctx: ApiContext, id: string): Promise<DeliveryJson[]> {
  if (!(await ctx.db.listWebhooks()).some((w) => w.id === id)) throw notFound('webhook');
  return (await ctx.db.listDeliveries(id)).map(({ payload: _payload, ...d }) => ({
    ...d,
    nextAttemptAt: iso(d.nextAttemptAt)!,
    createdAt: iso(d.createdAt)!,
    deliveredAt: iso(d.deliveredAt),
  }));
}

// --- API tokens ---

export const CreateTokenBody = z.strictObject({ name: z.string().trim().min(1).max(100) });
export type TokenJson = { id: string; name: string | null; createdAt: string; lastUsedAt: string | null };

/** A new API token, shown once: only its SHA-256 is stored. */
export async function createToken(ctx: ApiContext, body: unknown): Promise<{ id: string; name: string; token: string }> {
  const { name } = parseWith(CreateTokenBody, body);
  const token = newSecretToken();
  const id = newId();
  await ctx.db.createApiToken({ id, name, tokenHash: hashToken(token), createdAt: ctx.clock.now(), lastUsedAt: null });
  return { id, name, token };
}

export async function listTokens(ctx: ApiContext): Promise<TokenJson[]> {
  return (await ctx.db.listApiTokens()).map((t) => ({ id: t.id, name: t.name, createdAt: iso(t.createdAt)!, lastUsedAt: iso(t.lastUsedAt) }));
}

export async function deleteToken(ctx: ApiContext, id: string): Promise<void> {
  if (!(await ctx.db.deleteApiToken(id))) throw notFound('token');
}
