// Integer breakdown rows that add up exactly to the rounded score (largest-remainder rounding).

export type BreakdownRow = { rule: string; count: number; points: number };

/** Id of the row that carries the floor at 0: it cancels the negative rest so the rows still sum to the score. */
export const FLOOR_RULE = 'floor';

/**
 * Rounds each rule's decayed value to an integer so that the rows sum exactly to `total` (the rounded,
 * floored score). When the raw sum is negative the score is floored at 0: the rows keep their own
 * (negative) points and one `floor` row with count 0 makes up the difference. Rows are sorted by
 * |points| descending, then rule id; the floor row comes last.
 */
export function roundBreakdown(rows: { rule: string; count: number; value: number }[], total: number): BreakdownRow[] {
  const rawSum = rows.reduce((sum, r) => sum + r.value, 0);
  const rowsTarget = rawSum < 0 ? Math.round(rawSum) : total;
  const points = largestRemainder(rows, rowsTarget);
  const out = rows
    .map((r, i) => ({ rule: r.rule, count: r.count, points: points[i] + 0 }))
    .sort((a, b) => Math.abs(b.points) - Math.abs(a.points) || compare(a.rule, b.rule));
  const floor = total - rowsTarget;
  if (floor !== 0) out.push({ rule: FLOOR_RULE, count: 0, points: floor });
  return out;
}

function largestRemainder(rows: { rule: string; value: number }[], target: number): number[] {
  const points = rows.map((r) => Math.floor(r.value));
  if (rows.length === 0) return points;
  let missing = target - points.reduce((sum, p) => sum + p, 0);
  // Largest fractions get the missing units (smallest lose them if float noise overshot); ties by rule id.
  const order = rows
    .map((r, i) => ({ i, rest: r.value - points[i], rule: r.rule }))
    .sort((a, b) => (missing >= 0 ? b.rest - a.rest : a.rest - b.rest) || compare(a.rule, b.rule));
  for (let k = 0; missing !== 0; k++) {
    const step = missing > 0 ? 1 : -1;
    points[order[k % order.length].i] += step;
    missing -= step;
  }
  return points;
}

function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
