// Latency of the read API (SPEC §5) one request at a time, as a user paging the dashboard sees it; 404 → not available.

export type Latency = { p50Ms: number; p95Ms: number; count: number };

/** The route answered 404 (not written yet): the measurement is reported as n/a, not as a failure. */
export class NotAvailable extends Error {}

/**
 * GETs `paths()` `count` times in sequence and returns latency percentiles; throws NotAvailable on a 404 from the
 * first request and an Error on any other non-200.
 * @example await sampleLatency(url, token, 200, (i) => `/api/leads?site=bench&sort=-score&stage=${STAGES[i % 3]}`)
 */
export async function sampleLatency(baseUrl: string, token: string, count: number, pathOf: (i: number) => string): Promise<Latency> {
  const times: number[] = [];
  for (let i = 0; i < count; i++) {
    const path = pathOf(i);
    const started = performance.now();
    const res = await fetch(baseUrl + path, { headers: { authorization: `Bearer ${token}` } });
    const body = await res.text();
    times.push(performance.now() - started);
    if (res.status === 404 && i === 0) throw new NotAvailable(`${path} answered 404`);
    if (res.status !== 200) throw new Error(`GET ${path} answered ${res.status}: ${body.slice(0, 300)}`);
  }
  return { p50Ms: percentile(times, 50), p95Ms: percentile(times, 95), count };
}

/** Fetches JSON with the bearer token; null on 404. */
export async function getJson<T>(baseUrl: string, token: string, path: string): Promise<T | null> {
  const res = await fetch(baseUrl + path, { headers: { authorization: `Bearer ${token}` } });
  if (res.status === 404) return null;
  if (res.status !== 200) throw new Error(`GET ${path} answered ${res.status}: ${(await res.text()).slice(0, 300)}`);
  return (await res.json()) as T;
}

/** Nearest-rank percentile. */
export function percentile(values: number[], p: number): number {
  if (values.length === 0) return NaN;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))];
}

export function median(values: number[]): number {
  return percentile(values, 50);
}
