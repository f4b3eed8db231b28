// The funnel service behind GET /api/funnel: how many people reached each stage in a period, and step conversion rates.
import { z } from 'zod';
import type { Stage } from '../db/repository';
import type { ApiContext } from './context';
import { notFound, parseWith, withoutEmpty } from './validate';

const DAY = 86_400_000;
const DATE_ONLY = /^\d{4}-\d{2}-\d{2}$/;

const instant = z
  .string()
  .max(40)
  .refine((v) => /^\d{4}-\d{2}-\d{2}/.test(v) && !Number.isNaN(Date.parse(v)), 'expected an ISO 8601 date or date-time');

/** `from` inclusive, `to` exclusive; a date-only `to` means the end of that day (from=2026-01-01&to=2026-01-31 is January). Default: the last 30 days. */
export const FunnelQuerySchema = z.object({ site: z.string().min(1).max(64), from: instant.optional(), to: instant.optional() });

export type FunnelQuery = { site: string; from: number; to: number };

/** Validates the query string; 400 with `path` when a field is wrong or `from` is not before `to`. */
export function parseFunnelQuery(query: Record<string, string | undefined>, now: number): FunnelQuery {
  const q = parseWith(FunnelQuerySchema, withoutEmpty(query));
  const to = q.to === undefined ? now : Date.parse(q.to) + (DATE_ONLY.test(q.to) ? DAY : 0);
  const from = q.from === undefined ? to - 30 * DAY : Date.parse(q.from);
  parseWith(z.object({ from: z.number().lt(to, 'from must be before to') }), { from });
  return { site: q.site, from, to };
}

export const FUNNEL_STEPS = ['visitor', 'lead', 'mql', 'sal', 'sql'] as const;

export type Funnel = {
  site: string;
  from: string;
  to: string;
  stages: Record<Stage, number>;
  funnel: Array<{ stage: (typeof FUNNEL_STEPS)[number]; count: number; rate: number | null }>;
};

/**
 * Definitions, all over [from, to):
 * - `stages.visitor`: browsers (anonymous or identified) first seen in the period;
 *   `stages.<stage>`: leads that entered that stage in the period (a stage change to it), each counted once.
 * - `funnel`: the visitor step is `stages.visitor`; each later step counts the leads whose furthest stage reached
 *   in the period is that step or beyond (lead < mql < sal < sql), so a demo request that jumps lead→sql counts
 *   for mql and sal too and the funnel never widens. Recycling is not progress.
 * - `rate`: the step's count / the previous step's count, null when that is 0 (first step: null).
 */
export async function getFunnel(ctx: ApiContext, query: FunnelQuery): Promise<Funnel> {
  if (!(await ctx.db.getSite(query.site))) throw notFound('site');
  const { visitors, entered, furthest } = await ctx.db.funnelCounts(query.site, query.from, query.to);
  const stages: Record<Stage, number> = {
    visitor: visitors,
    lead: entered.lead ?? 0,
    mql: entered.mql ?? 0,
    sal: entered.sal ?? 0,
    sql: entered.sql ?? 0,
    recycled: entered.recycled ?? 0,
  };
  const atLeast = (from: number) => (['lead', 'mql', 'sal', 'sql'] as const).slice(from).reduce((sum, s) => sum + (furthest[s] ?? 0), 0);
  const counts = [visitors, atLeast(0), atLeast(1), atLeast(2), atLeast(3)];
  return {
    site: query.site,
    from: new Date(query.from).toISOString(),
    to: new Date(query.to).toISOString(),
    stages,
    funnel: FUNNEL_STEPS.map((stage, i) => ({ stage, count: counts[i], rate: i === 0 || counts[i - 1] === 0 ? null : counts[i] / counts[i - 1] })),
  };
}
