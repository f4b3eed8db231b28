// Per-lead email links: the signing key, minting open/click links, and recording opens and clicks as lead events.
import { createHmac, randomBytes } from 'node:crypto';
import { Hono, type Context } from 'hono';
import type { Clock } from '../clock';
import type { Config } from '../config';
import type { Lead, Repository } from '../db/repository';
import { newId } from '../ids';
import type { BatchOutcome, PreparedBatch } from '../ingest/process';
import { linkRoutes, type EmailEvent } from '../links/routes';
import { createClickToken, createOpenToken } from '../links/tokens';

const SETTING = 'link_secret';
const secrets = new WeakMap<Repository, Promise<Buffer>>();

/**
 * The key that signs email links: derived from PISTE_SECRET (so every collector agrees), or else a random
 * key generated once and kept in the `settings` table (the first collector to store it wins).
 * @example const key = await linkSecret(db, config)
 */
export function linkSecret(db: Repository, config: Pick<Config, 'secret'>): Promise<Buffer> {
  if (config.secret) return Promise.resolve(createHmac('sha256', config.secret).update('piste/email-links').digest());
  let key = secrets.get(db);
  if (!key) {
    key = db.setSettingIfAbsent(SETTING, randomBytes(32).toString('base64url')).then((v) => Buffer.from(v, 'base64url'));
    key.catch(() => secrets.delete(db)); // a failed read is retried by the next caller
    secrets.set(db, key);
  }
  return key;
}

export type MintedLinks = { openPixel: string; clickUrl?: string };

/**
 * An open pixel (`/o/<token>.gif`) and, given a url, a click link (`/c/<token>`) for one lead. Absolute when
 * `baseUrl` is given (the collector's public origin, e.g. from the API request), else root-relative.
 * Throws when `url` is not http(s).
 * @example mintLinks(key, lead, { url: 'https://acme.com/pricing', campaign: 'june', baseUrl: 'https://t.acme.com' })
 */
export function mintLinks(secret: Buffer | string, lead: Pick<Lead, 'id' | 'site'>, opts: { url?: string; campaign?: string; baseUrl?: string } = {}): MintedLinks {
  const base = (opts.baseUrl ?? '').replace(/\/+$/, '');
  const input = { leadId: lead.id, site: lead.site, campaign: opts.campaign };
  const links: MintedLinks = { openPixel: `${base}/o/${createOpenToken(secret, input)}.gif` };
  if (opts.url !== undefined) links.clickUrl = `${base}/c/${createClickToken(secret, { ...input, url: opts.url })}`;
  return links;
}

/** The batch that records one email open or click for its lead, outside any visit (see PreparedEvent.forLead). */
export function emailEventBatch(site: NonNullable<Awaited<ReturnType<Repository['getSite']>>>, event: EmailEvent, now: number): PreparedBatch {
  const props: Record<string, string> = {};
  if (event.campaign !== undefined) props.campaign = event.campaign;
  if (event.url !== undefined) props.url = event.url;
  return {
    site,
    receivedAt: now,
    ip: null,
    ua: null,
    events: [
      {
        id: newId(), vid: '', type: 'track', ts: now, url: null, ref: null, title: null, cat: null, name: event.type,
        props: Object.keys(props).length > 0 ? props : null, email: null, traits: null, form: null, identity: null, forLead: event.leadId,
      },
    ],
  };
}

export type EmailLinkDeps = {
  db: Repository;
  config: Pick<Config, 'secret'>;
  clock: Clock;
  /** The ingest group writer: the event is stored and scored like any other. */
  write: (batch: PreparedBatch) => Promise<BatchOutcome>;
};

/**
 * `/o/:token.gif` and `/c/:token`, with the key resolved on first use and each valid link recorded as a
 * `track` event (`email_open` / `email_click`) of its lead.
 */
export function emailLinkRoutes({ db, config, clock, write }: EmailLinkDeps): Hono {
  const recordEmailEvent = async (event: EmailEvent) => {
    const site = await db.getSite(event.site);
    if (site) await write(emailEventBatch(site, event, clock.now()));
  };
  let routes: Promise<Hono> | undefined;
  const app = new Hono();
  const handle = async (c: Context) => {
    routes ??= linkSecret(db, config).then((secret) => linkRoutes({ secret, clock, recordEmailEvent }));
    const inner = await routes.catch((err) => {
      routes = undefined;
      throw err;
    });
    return inner.fetch(c.req.raw);
  };
  // Only these two paths: the app is mounted at the root beside the API and the dashboard.
  app.get('/o/:file', handle);
  app.get('/c/:token', handle);
  return app;
}
