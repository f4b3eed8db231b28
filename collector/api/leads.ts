// The lead service behind /api/leads (and the dashboard): list, detail, transitions, CSV, personal-data export, erasure.
import { z } from 'zod';
import { LEAD_SORTS, type Lead, type LeadCursor, type LeadFilter, type StageChange, type StoredEvent } from '../db/repository';
import { ApiError } from '../errors';
import { toLeadJson, type LeadJson } from '../leads/json';
import { linkSecret, mintLinks } from '../leads/links';
import { leadTraits } from '../leads/score';
import { siteRules } from '../leads/rules';
import { transitionLead } from '../leads/stages';
import { explainProbability } from '../predict/live';
import type { Reason } from '../predict/train';
import { DEFAULT_RULES, emptyState, fitOf, GRADES, scoreKeyFor, summarize, type Rules, type ScoreState } from '../scoring';
import { STAGES, type ManualAction } from '../stages';
import type { ApiContext } from './context';
import { csvRow } from './csv';
import { decodeCursor, encodeCursor, sortValue } from './cursor';
import { notFound, parseWith, withoutEmpty } from './validate';

const iso = (ms: number) => new Date(ms).toISOString();

/**
 * `grade` is one grade or a comma list (`A,B`): leads with any of them. `minScore` compares with the score as
 * shown (decayed at now, rounded). Unknown query parameters are ignored; empty ones count as absent.
 */
export const LeadsQuerySchema = z.object({
  site: z.string().max(64).optional(),
  stage: z.enum(STAGES).optional(),
  grade: z
    .string()
    .transform((v) => [...new Set(v.split(',').map((g) => g.trim().toUpperCase()))])
    .pipe(z.array(z.enum(GRADES)).min(1))
    .optional(),
  minScore: z.coerce.number().min(0).max(1e12).optional(),
  q: z.string().max(200).optional(),
  sort: z.enum(LEAD_SORTS).default('-score'),
  limit: z.coerce.number().int().min(1).max(200).default(50),
  cursor: z.string().max(400).optional(),
});
export type LeadsQuery = z.output<typeof LeadsQuerySchema>;

/**
 * Validates a query string (as `c.req.query()` gives it); throws 400 with the offending `path`.
 * @example const query = parseLeadsQuery({ stage: 'mql', sort: '-lastSeen' })
 */
export function parseLeadsQuery(query: Record<string, string | undefined>): LeadsQuery {
  const parsed = parseWith(LeadsQuerySchema, withoutEmpty(query));
  if (parsed.cursor !== undefined) decodeCursor(parsed.cursor, parsed.sort); // a bad cursor is a 400 up front
  return parsed;
}

export type EventJson = {
  id: string;
  type: StoredEvent['type'];
  ts: string;
  url: string | null;
  title: string | null;
  ref: string | null;
  cat: string | null;
  name: string | null;
  props: StoredEvent['props'];
  form: unknown;
  sessionId: string;
};
export type StageChangeJson = { from: string; to: string; at: string; cause: string; actor: string | null };
export type LeadDetail = {
  lead: LeadJson;
  events: EventJson[];
  stages: StageChangeJson[];
  breakdown: Array<{ rule: string; count: number; points: number }>;
  fit: Array<{ rule: string; points: number }>;
  /** Why the predictive model gives `lead.probability`: the features that pushed it most (empty without a model). */
  explain: Reason[];
};

/** The detail page keeps the most recent events only, shown oldest first (a timeline reads top-down). */
export const LEAD_EVENTS_LIMIT = 1000;

const eventJson = (e: StoredEvent): EventJson => ({
  id: e.id,
  type: e.type,
  ts: iso(e.ts),
  url: e.url,
  title: e.title,
  ref: e.ref,
  cat: e.cat,
  name: e.name,
  props: e.props,
  form: e.form,
  sessionId: e.sessionId,
});

export const stageChangeJson = (c: StageChange): StageChangeJson => ({ from: c.from, to: c.to, at: iso(c.at), cause: c.cause, actor: c.actor });

/** What fit rules look at: every trait the lead told, with email, title and company from their own columns. */

/** Rules of every site, looked up once per call (sites are few); the dashboard's histogram uses it too. */
export async function rulesBySite(ctx: ApiContext): Promise<(site: string) => Rules> {
  const rules = new Map((await ctx.db.listSites()).map((s) => [s.key, siteRules(s)]));
  return (site) => rules.get(site) ?? DEFAULT_RULES;
}

async function rulesOfSite(ctx: ApiContext, key: string): Promise<Rules> {
  const site = await ctx.db.getSite(key);
  return site ? siteRules(site) : DEFAULT_RULES;
}

/** The repository filter for a query, without position or page size. */
async function leadFilter(ctx: ApiContext, query: LeadsQuery): Promise<LeadFilter> {
  const filter: LeadFilter = { site: query.site, stage: query.stage, grades: query.grade, q: query.q, sort: query.sort };
  if (query.minScore !== undefined && query.minScore > 0) {
    const sites = query.site ? [await ctx.db.getSite(query.site)].filter((s) => s !== undefined) : await ctx.db.listSites();
    const now = ctx.clock.now();
    // The API shows Math.round(score): a lead shown with 50 points passes minScore=50, and one shown with 7 fails 7.4.
    const shown = Math.ceil(query.minScore) - 0.5;
    filter.minScoreKeys = sites.map((s) => ({ site: s.key, key: scoreKeyFor(siteRules(s), shown, now) }));
  }
  return filter;
}

/**
 * One page of leads and the cursor of the next (null on the last page). Keyset paging on (sort column, id):
 * leads that arrive meanwhile never shift a page, so nothing is repeated or skipped.
 * @example const { leads, nextCursor } = await listLeads(ctx, parseLeadsQuery(c.req.query()))
 */
export async function listLeads(ctx: ApiContext, query: LeadsQuery): Promise<{ leads: LeadJson[]; nextCursor: string | null }> {
  const after = query.cursor === undefined ? undefined : decodeCursor(query.cursor, query.sort);
  const filter = await leadFilter(ctx, query);
  const rows = await ctx.db.listLeads({ ...filter, after, limit: query.limit + 1 });
  const page = rows.slice(0, query.limit);
  const rulesOf = await rulesBySite(ctx);
  const now = ctx.clock.now();
  return {
    leads: page.map((l) => toLeadJson(l, now, rulesOf(l.site))),
    nextCursor: rows.length > query.limit ? encodeCursor(query.sort, page[page.length - 1]) : null,
  };
}

async function requireLead(ctx: ApiContext, id: string): Promise<Lead> {
  const lead = await ctx.db.getLead(id);
  if (!lead) throw notFound('lead');
  return lead;
}

/** The lead with its timeline (most recent LEAD_EVENTS_LIMIT events, oldest first), stage history, breakdown and fit. */
export async function getLeadDetail(ctx: ApiContext, id: string): Promise<LeadDetail> {
  const lead = await requireLead(ctx, id);
  const rules = await rulesOfSite(ctx, lead.site);
  const [events, changes] = await Promise.all([ctx.db.listRecentLeadEvents(lead.site, lead.id, LEAD_EVENTS_LIMIT), ctx.db.listStageChanges(lead.id)]);
  const now = ctx.clock.now();
  const { breakdown } = summarize(rules, (lead.scoreState as ScoreState | null) ?? emptyState(), now);
  return {
    lead: toLeadJson(lead, now, rules),
    events: events.map(eventJson),
    stages: changes.map(stageChangeJson),
    breakdown,
    fit: fitOf(rules, leadTraits(lead)).fit, // the traits its grade was computed from
    explain: await explainProbability(ctx.db, lead, rules, now),
  };
}

const TransitionBody = z.object({ reason: z.string().max(1000).optional() });

/**
 * A salesperson's move: 404 unknown lead, 400 reject without reason, 409 `invalid_transition` for any move the
 * stage machine refuses (nothing is changed then). `actor` is stored with the change.
 * @example await moveLead(ctx, id, 'reject', { reason: 'student' }, user.email)
 */
export async function moveLead(
  ctx: ApiContext,
  id: string,
  action: ManualAction,
  body: unknown,
  actor: string,
): Promise<{ lead: LeadJson; change: StageChangeJson }> {
  const { reason } = parseWith(TransitionBody, body);
  const now = ctx.clock.now();
  const result = await transitionLead(ctx.db, id, action, { reason, actor, now });
  if (!result.ok) {
    if (result.code === 'not_found') throw notFound('lead');
    if (result.code === 'reason_required') throw new ApiError(400, 'bad_request', 'reason: a rejection needs a reason', 'reason');
    throw new ApiError(409, 'invalid_transition', `A lead cannot be moved that way (${action}) from its current stage.`);
  }
  const lead = (await ctx.db.getLead(id)) ?? result.lead;
  return { lead: toLeadJson(lead, now, await rulesOfSite(ctx, lead.site)), change: stageChangeJson(result.change) };
}

/** CSV columns: the LEAD fields in SPEC order. */
export const CSV_COLUMNS = ['id', 'site', 'email', 'name', 'company', 'title', 'score', 'grade', 'stage', 'probability', 'firstSeen', 'lastSeen', 'visits', 'pageviews'] as const;
const CSV_PAGE = 500;

/**
 * The leads matching `query` (all pages; `limit` and `cursor` are ignored) as a CSV stream with a header row,
 * read page by page from the database as the client consumes it. Filters are checked before the first byte.
 */
export async function leadsCsv(ctx: ApiContext, query: LeadsQuery): Promise<ReadableStream<Uint8Array>> {
  const filter = await leadFilter(ctx, query);
  const rulesOf = await rulesBySite(ctx);
  const now = ctx.clock.now();
  const encoder = new TextEncoder();
  let after: LeadCursor | undefined;
  let started = false;
  return new ReadableStream<Uint8Array>({
    async pull(controller) {
      if (!started) {
        started = true;
        controller.enqueue(encoder.encode(csvRow([...CSV_COLUMNS])));
        return;
      }
      const rows = await ctx.db.listLeads({ ...filter, after, limit: CSV_PAGE });
      if (rows.length > 0) {
        const text = rows
          .map((l) => {
            const json = toLeadJson(l, now, rulesOf(l.site));
            return csvRow(CSV_COLUMNS.map((col) => json[col]));
          })
          .join('');
        controller.enqueue(encoder.encode(text));
        const last = rows[rows.length - 1];
        after = { value: sortValue(last, query.sort), id: last.id };
      }
      if (rows.length < CSV_PAGE) controller.close();
    },
  });
}

/** Everything stored about a person (GDPR art. 15/20): the lead, its traits, every event, stage changes, browsers. */
export async function exportLead(ctx: ApiContext, id: string) {
  const lead = await requireLead(ctx, id);
  const [events, changes, visitors] = await Promise.all([
    ctx.db.listAllLeadEvents(lead.site, lead.id),
    ctx.db.listStageChanges(lead.id),
    ctx.db.listLeadVisitors(lead.site, lead.id),
  ]);
  const now = ctx.clock.now();
  return {
    exportedAt: iso(now),
    lead: toLeadJson(lead, now, await rulesOfSite(ctx, lead.site)),
    traits: lead.traits,
    events: events.map((e) => ({ ...eventJson(e), visitorId: e.vid, receivedAt: iso(e.receivedAt), email: e.email, traits: e.traits, ip: e.ip, userAgent: e.ua })),
    stages: changes.map(stageChangeJson),
    visitors: visitors.map((v) => ({ id: v.vid, firstSeen: iso(v.firstSeen), lastSeen: iso(v.lastSeen), sessions: v.sessions })),
  };
}
export type LeadExport = Awaited<ReturnType<typeof exportLead>>;

/** Erases the lead, its browsers, all their events, its stage history and webhook deliveries about it; 404 when unknown. */
export async function eraseLead(ctx: ApiContext, id: string): Promise<void> {
  if (!(await ctx.db.eraseLead(id))) throw notFound('lead');
}

const LinksBody = z.strictObject({
  url: z
    .string()
    .max(2000)
    .refine((v) => URL.canParse(v) && /^https?:$/.test(new URL(v).protocol), 'expected an http(s) URL')
    .optional(),
  campaign: z.string().trim().min(1).max(100).optional(),
});

/**
 * Signed email links for one lead: an open pixel, and a click link to `url` when given (else null). Absolute URLs
 * on `baseUrl`, the collector's public origin (the route takes it from the request, see requestOrigin).
 * @example await mintLeadLinks(ctx, id, { url: 'https://acme.com/pricing', campaign: 'june' }, 'https://t.acme.com')
 */
export async function mintLeadLinks(ctx: ApiContext, id: string, body: unknown, baseUrl: string): Promise<{ openPixel: string; clickUrl: string | null }> {
  const input = parseWith(LinksBody, body);
  const lead = await requireLead(ctx, id);
  const links = mintLinks(await linkSecret(ctx.db, ctx.config), lead, { ...input, baseUrl });
  return { openPixel: links.openPixel, clickUrl: links.clickUrl ?? null };
}
