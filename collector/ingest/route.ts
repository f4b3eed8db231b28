// POST /e (SPEC §2): validate, check site and origin, drop bots, correct timestamps, then store through the group writer.
import type { IncomingMessage } from 'node:http';
import { Hono, type Context } from 'hono';
import { isbot } from 'isbot';
import type { Clock } from '../clock';
import type { Config } from '../config';
import type { Repository } from '../db/repository';
import { ApiError } from '../errors';
import { createRateLimiter } from '../ratelimit';
import { readBeaconBody, requestHeader } from './body';
import { pageCategory } from './category';
import { identifyingEmail } from './email';
import { clientIp, truncateIp } from './ip';
import type { IngestMetrics } from './metrics';
import { processBatch, type BatchOutcome, type IngestHooks, type PreparedBatch, type PreparedEvent } from './process';
import { BatchSchema, parsePlainBatch, type WireBatch } from './schema';
import { createSiteCache } from './sites';
import { createGroupWriter, type GroupWriter } from './writer';

export const MAX_FUTURE_MS = 5 * 60 * 1000;
const DAY_MS = 86_400_000;

// Visitors send a handful of distinct User-Agents; remembering the verdict skips isbot's large regex on the hot path.
const botVerdicts = new Map<string, boolean>();
function isBotCached(ua: string): boolean {
  let verdict = botVerdicts.get(ua);
  if (verdict === undefined) {
    if (botVerdicts.size >= 1000) botVerdicts.clear();
    botVerdicts.set(ua, (verdict = isbot(ua)));
  }
  return verdict;
}

/** The batch as BatchSchema gives it, or a 400 naming the first problem. */
function validBatch(body: unknown): WireBatch {
  const parsed = BatchSchema.safeParse(body);
  if (parsed.success) return parsed.data;
  const issue = parsed.error.issues[0];
  const path = issue.path.join('.');
  const code = issue.path[0] === 'events' && issue.path.length > 1 ? 'invalid_event' : 'bad_request';
  throw new ApiError(400, code, issue.message, path || undefined);
}

/** What @hono/node-server passes as `c.env`; absent under app.request() in tests. */
type NodeEnv = { incoming?: IncomingMessage };

export type IngestDeps = {
  db: Repository;
  config: Config;
  clock: Clock;
  metrics: IngestMetrics;
  hooks?: IngestHooks;
};

export type Ingest = { routes: Hono; writer: GroupWriter<PreparedBatch, BatchOutcome> };

/**
 * The ingest route group and its writer (the server drains the writer on shutdown).
 *
 * Origin policy: a request with an `Origin` must name one of the site's allowed origins; a request without one is
 * accepted, because browsers always send `Origin` on a cross-site POST (fetch and sendBeacon alike), so a missing one
 * means a server-side or same-origin sender, which an allowlist cannot stop anyway. `Origin: null` is refused.
 */
export function createIngest({ db, config, clock, metrics, hooks }: IngestDeps): Ingest {
  const sites = createSiteCache(db, clock);
  const writer = createGroupWriter<PreparedBatch, BatchOutcome>((items) => db.writeGroup(items, (tx, batch) => processBatch(tx, batch, hooks)));
  const limiter = createRateLimiter({ ratePerSec: config.rateLimit.perSecond, burst: config.rateLimit.burst, clock });
  const routes = new Hono();

  routes.options('/e', async (c) => {
    const origin = c.req.header('origin');
    c.header('Vary', 'Origin');
    if (origin && (await sites.isKnownOrigin(origin))) {
      c.header('Access-Control-Allow-Origin', origin);
      c.header('Access-Control-Allow-Methods', 'POST, OPTIONS');
      c.header('Access-Control-Allow-Headers', 'Content-Type');
      c.header('Access-Control-Max-Age', '86400');
    }
    return c.body(null, 204);
  });

  routes.post('/e', async (c) => {
    // Answer headers as a plain object: the 202 is built from it directly (hono's c.header builds a web Headers per
    // request, then @hono/node-server copies it out again); an error's answer gets them through c.header (onError).
    const headers: Record<string, string> = { 'content-type': 'application/json', vary: 'Origin' };
    // Every answer is readable by the page that sent it, refusals included: a browser that cannot read a 4xx sees a
    // network error, and the script would retry for ever what will be refused for ever (and everything queued after
    // it). Answers carry nothing but counts and the error, and no credentials are allowed.
    const origin = requestHeader(c.req.raw, (c.env as NodeEnv | undefined)?.incoming, 'origin') || undefined;
    if (origin) {
      headers['access-control-allow-origin'] = origin;
      headers['access-control-expose-headers'] = 'Retry-After'; // the script honours it on 429 and 503
    }
    try {
      return await accept(c, headers, origin);
    } catch (error) {
      for (const name in headers) if (name !== 'content-type') c.header(name, headers[name]);
      throw error;
    }
  });

  routes.all('/e', (c) => {
    c.header('Allow', 'POST, OPTIONS');
    throw new ApiError(405, 'method_not_allowed', 'Send events with POST.');
  });

  async function accept(c: Context, headers: Record<string, string>, origin: string | undefined): Promise<Response> {
    const answer = (outcome: BatchOutcome) => new Response(JSON.stringify(outcome), { status: 202, headers });
    const incoming = (c.env as NodeEnv | undefined)?.incoming;
    const header = (name: string) => requestHeader(c.req.raw, incoming, name);
    // Per client IP (SPEC §2), before anything is read: a flood of junk is throttled like a flood of beacons.
    const rawIp = clientIp(incoming?.socket?.remoteAddress, header('x-forwarded-for'), config.trustProxy);
    const allowed = limiter.take(rawIp ?? 'unknown');
    if (!allowed.ok) {
      c.header('Retry-After', String(allowed.retryAfterSec));
      throw new ApiError(429, 'rate_limited', 'Too many requests: slow down.');
    }
    const body = await readBeaconBody(c.req.raw, incoming);
    const batch = parsePlainBatch(body) ?? validBatch(body);

    const site = await sites.get(batch.site);
    if (!site) throw new ApiError(403, 'unknown_site', 'No site has this key.', 'site');
    if (origin !== undefined && !site.origins.includes(origin)) {
      throw new ApiError(403, 'origin_not_allowed', `The origin ${origin.slice(0, 200)} is not allowed for this site.`);
    }

    const ua = header('user-agent');
    if (!ua || isBotCached(ua)) {
      metrics.botRequests++;
      metrics.botEvents += batch.events.length;
      return answer({ accepted: 0, duplicates: 0 });
    }

    const now = clock.now();
    const skew = batch.sentAt === undefined ? 0 : now - batch.sentAt;
    const oldest = now - config.retentionDays * DAY_MS;
    const events: PreparedEvent[] = batch.events.map((e, i) => {
      let ts = e.ts + skew;
      if (ts > now + MAX_FUTURE_MS) ts = now;
      if (ts < oldest) throw new ApiError(400, 'invalid_event', 'The event is older than the retention period.', `events.${i}.ts`);
      return {
        id: e.id, vid: e.vid, sid: e.sid ?? null, type: e.type, ts, url: e.url ?? null, ref: e.ref ?? null, title: e.title ?? null,
        cat: e.cat ?? pageCategory(site, e.url), name: e.name ?? null, props: e.props ?? null, email: e.email ?? null,
        traits: e.traits ?? null, form: e.form ?? null, identity: identifyingEmail(e.email),
      };
    });
    events.sort((a, b) => a.ts - b.ts); // stable: same-ts events keep the page's order

    // A busy or unreachable database (isTransientDbError) becomes 503 + Retry-After in app.onError: the script retries.
    const outcome = await writer.write({ site, receivedAt: now, ip: truncateIp(rawIp), ua: ua.slice(0, 500), events });
    metrics.accepted += outcome.accepted;
    metrics.duplicates += outcome.duplicates;
    return answer(outcome);
  }

  return { routes, writer };
}
