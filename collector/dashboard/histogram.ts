// The funnel page's score histogram: how many leads have each band of current (decayed) score.
import type { ApiContext } from '../api/context';
import { rulesBySite } from '../api/leads';
import { scoreAt } from '../scoring';
import type { HistogramBin } from './views';

const BIN_WIDTH = 10;
/** Scores at or above this share the last bin, so one outlier does not flatten the chart. */
const LAST_BIN_FROM = 150;

/**
 * Leads per 10-point band of their current (decayed) score, empty bands included up to the highest one.
 * @example await scoreHistogram(ctx, 'demo') // [{ min: 0, max: 9, count: 12 }, …]
 */
export async function scoreHistogram(ctx: ApiContext, site?: string): Promise<HistogramBin[]> {
  const rulesOf = await rulesBySite(ctx);
  const now = ctx.clock.now();
  const counts: number[] = [];
  for (const row of await ctx.db.listLeadScoreKeys(site ?? null)) {
    const score = Math.round(scoreAt(rulesOf(row.site), row.scoreKey, now));
    const bin = Math.floor(Math.min(Math.max(score, 0), LAST_BIN_FROM) / BIN_WIDTH);
    counts[bin] = (counts[bin] ?? 0) + 1;
  }
  return Array.from(counts, (count, i) => ({ min: i * BIN_WIDTH, max: i * BIN_WIDTH + BIN_WIDTH - 1, count: count ?? 0 }));
}
