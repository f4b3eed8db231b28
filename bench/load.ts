// Load phases driven by autocannon from the harness process: every request carries fresh, unique event ids.
import { randomBytes } from 'node:crypto';
import autocannon, { type Result } from 'autocannon';

export const BENCH_ORIGIN = 'http://bench.local';
export const DESKTOP_UA = 'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36';
const PAGES = ['/', '/pricing', '/features', '/docs/getting-started', '/blog/post-1', '/customers', '/careers', '/contact'];

/**
 * Builds `POST /e` bodies of `eventsPerRequest` pageviews with ids unique across the whole run (a per-run nonce and a
 * counter), spread over a pool of visitors so both new and returning visitors are stored.
 * @example const next = beaconBodies('bench', 1); next() // '{"site":"bench","sentAt":…,"events":[{…}]}'
 */
export function beaconBodies(site: string, eventsPerRequest: number, visitorPool = 5_000): () => string {
  const nonce = randomBytes(6).toString('base64url');
  let counter = 0;
  return () => {
    const now = Date.now();
    const events = [];
    for (let i = 0; i < eventsPerRequest; i++) {
      const n = counter++;
      const visitor = n % visitorPool;
      events.push({
        id: `ld${nonce}-${n.toString(36)}`,
        type: 'pageview',
        ts: now,
        vid: `bv${nonce}-${visitor.toString(36)}`,
        sid: `bs${nonce}-${visitor.toString(36)}`,
        url: `${BENCH_ORIGIN}${PAGES[n % PAGES.length]}`,
        title: 'Bench page',
        ref: 'https://www.google.com/',
      });
    }
    return JSON.stringify({ site, sentAt: now, events });
  };
}

export type LoadResult = {
  /** completed requests per second over the phase */
  rps: number;
  p99Ms: number;
  /** requests answered 202 */
  accepted: number;
  other: Record<string, number>;
  errors: number;
  timeouts: number;
  seconds: number;
};

/**
 * POSTs to `${url}/e` either `amount` requests (a fixed count, so every request sent is also answered and counted:
 * use it where stored events are checked) or for `duration` seconds.
 * @example await postLoad({ url, amount: 5000, connections: 50, body: beaconBodies('bench', 1) })
 */
export async function postLoad(options: { url: string; amount?: number; duration?: number; connections: number; body: () => string }): Promise<LoadResult> {
  const headers = { 'content-type': 'text/plain;charset=UTF-8', origin: BENCH_ORIGIN, 'user-agent': DESKTOP_UA };
  // Timed from the start to the last response: autocannon's own start/finish round a run up to whole seconds of its
  // ticker (5,000 requests that take 0.3 s are reported as 1.01 s), which made fixed-count phases look slower.
  let started = 0;
  let lastResponse = 0;
  const result = await new Promise<Result>((resolve, reject) => {
    const instance = autocannon(
      {
        url: options.url,
        connections: Math.min(options.connections, options.amount ?? Infinity),
        ...(options.amount ? { amount: options.amount } : { duration: options.duration ?? 1 }),
        timeout: 30,
        requests: [{ method: 'POST', path: '/e', headers, setupRequest: (req) => ({ ...req, body: options.body() }) }],
      },
      (error, done) => (error ? reject(error) : resolve(done)),
    );
    started = performance.now();
    instance.on('response', () => {
      lastResponse = performance.now();
    });
  });
  const seconds = lastResponse > started ? (lastResponse - started) / 1000 : (result.finish.getTime() - result.start.getTime()) / 1000;
  const { 202: accepted, ...rest } = result.statusCodeStats;
  const other = Object.fromEntries(Object.entries(rest).map(([code, s]) => [code, s.count]));
  return {
    rps: (result['2xx'] + result.non2xx) / seconds,
    p99Ms: result.latency.p99,
    accepted: accepted?.count ?? 0,
    other,
    errors: result.errors,
    timeouts: result.timeouts,
    seconds,
  };
}
