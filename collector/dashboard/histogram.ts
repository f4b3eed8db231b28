// The funnel page's numbers: stage counts (from the repository's funnel query) and a histogram of current scores.
import type { ApiContext } from '../api/context';
import { siteRules } from '../leads/rules';
import { DEFAULT_RULES, scoreAt, type Rules } from '../scoring';
import type { FunnelCounts, HistogramBin } from './views';

const BIN_WIDTH = 10;
/** Scores at or above this share the last bin, so one outlier does not flatten the chart. */
const LAST_BIN_FROM = 150;

/**
 * Leads per 10-point band of their current (decayed) score, empty bands included up to the highest one.
 * @example await scoreHistogram(ctx, 'demo') // [{ min: 0, max: 9, count: 12 }, …]
 */
export async function scoreHistogram(ctx: ApiContext, site?: string): Promise<HistogramBin[]> {
  const rules = new Map<string, Rules>((await ctx.db.listSites()).map((s) => [s.key, safeRules(s)]));
  const now = ctx.clock.now();
  const counts: number[] = [];
  for (const row of await ctx.db.listLeadScoreKeys(site ?? null)) {
    const score = Math.round(scoreAt(rules.get(row.site) ?? DEFAULT_RULES, row.scoreKey, now));
    const bin = Math.floor(Math.min(Math.max(score, 0), LAST_BIN_FROM) / BIN_WIDTH);
    counts[bin] = (counts[bin] ?? 0) + 1;
  }
  return Array.from(counts, (count, i) => ({ min: i * BIN_WIDTH, max: i * BIN_WIDTH + BIN_WIDTH - 1, count: count ?? 0 }));
}

function safeRules(site: Parameters<typeof siteRules>[0]): Rules {
  try {
    return siteRules(site);
  } catch {
    return DEFAULT_RULES;
  }
}

/**
 * Visitors, then leads that reached at least each stage, over [from, to) (dates, UTC), summed over the sites.
 * Recycled leads count at the furthest stage they reached before.
 */
export async function funnelCounts(ctx: ApiContext, query: { site?: string; from?: string; to?: string }, sites: string[]): Promise<FunnelCounts> {
  const from = query.from ? Date.parse(query.from) : 0;
  const to = query.to ? Date.parse(query.to) + 24 * 3600 * 1000 : ctx.clock.now() + 1;
  const total: FunnelCounts = { visitors: 0, leads: 0, mql: 0, sal: 0, sql: 0 };
  for (const site of query.site ? [query.site] : sites) {
    const { visitors, furthest } = await ctx.db.funnelCounts(site, from, to);
    const f = { lead: furthest.lead ?? 0, mql: furthest.mql ?? 0, sal: furthest.sal ?? 0, sql: furthest.sql ?? 0 };
    total.visitors += visitors;
    total.sql += f.sql;
    total.sal += f.sal + f.sql;
    total.mql += f.mql + f.sal + f.sql;
    total.leads += f.lead + f.mql + f.sal + f.sql;
  }
  return total;
}
