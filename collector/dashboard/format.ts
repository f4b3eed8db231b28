// Display formatting for the dashboard: times, percentages, scores. Pure, locale-independent.

/** `2024-11-23 14:05 UTC` from an ISO string; an unparsable value is returned as-is (rendered as text). */
export function formatTime(iso: string | null | undefined): string {
  if (!iso) return '—';
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return iso;
  return `${d.toISOString().slice(0, 16).replace('T', ' ')} UTC`;
}

/** `37%` for 0.37, `—` when there is no model yet. */
export function formatProbability(p: number | null | undefined): string {
  return p == null || !Number.isFinite(p) ? '—' : `${Math.round(p * 100)}%`;
}

/** A conversion rate `part/whole` as `12.5%`, or `—` when the whole is zero. */
export function formatRate(part: number, whole: number): string {
  return whole > 0 ? formatShare(part / whole) : '—';
}

/** A ratio (0.125) as `12.5%`, or `—` when there is none (the API's `rate: null`). */
export function formatShare(ratio: number | null): string {
  if (ratio === null || !Number.isFinite(ratio)) return '—';
  const rate = ratio * 100;
  return `${rate >= 10 || rate === 0 ? rate.toFixed(0) : rate.toFixed(1)}%`;
}

/** Signed points, e.g. `+15`, `−10`, `0`. */
export function formatPoints(points: number): string {
  if (points > 0) return `+${points}`;
  if (points < 0) return `−${Math.abs(points)}`;
  return '0';
}
