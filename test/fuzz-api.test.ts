// Property-based fuzz of /api with a valid Bearer token: random query strings and JSON bodies never give a 5xx and
// every refusal is the one error shape. Fixed seed (PISTE_FUZZ_SEED overrides).
import fc from 'fast-check';
import { describe, expect, it, onTestFinished } from 'vitest';
import { createCollector } from '../collector/app';
import { fixedClock } from '../collector/clock';
import { loadConfig } from '../collector/config';
import type { Database } from '../collector/db/repository';
import { testDatabases } from '../collector/db/test-databases';

const SEED = Number(process.env.PISTE_FUZZ_SEED ?? 20260115);
const TOKEN = 'fuzzing-api-token-0123456789abcdef';
const NOW = Date.UTC(2026, 0, 15, 12);

async function api(open: () => Promise<Database>) {
  const db = await open();
  onTestFinished(() => db.close());
  await db.createSite({ key: 'acme', name: 'Acme', origins: ['https://www.acme.test'] }, NOW);
  const config = loadConfig({ DATABASE_URL: ':memory:', PISTE_API_TOKEN: TOKEN, PISTE_SECRET: 'a-long-enough-signing-secret' });
  const { app } = createCollector({ db, config, clock: fixedClock(NOW), script: null });
  return (method: string, path: string, body?: string) =>
    app.request(`http://localhost${path}`, { method, headers: { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/json' }, body });
}

async function check(res: Response, what: string) {
  expect(res.status, `${what}: never a 5xx`).toBeLessThan(500);
  if (res.status < 400) return;
  const answer = await res.json();
  expect(Object.keys(answer), what).toEqual(['error']);
  expect(answer.error, what).toMatchObject({ code: expect.stringMatching(/^[a-z_]+$/), message: expect.any(String) });
}

const word = fc.oneof(fc.string({ maxLength: 20 }), fc.string({ unit: 'binary', maxLength: 10 }), fc.constantFrom('-1', '1e309', 'NaN', '__proto__', '%', '%00', '%E0%A4%A', 'score', '-score', 'x'.repeat(5000)));
const query = fc.dictionary(fc.constantFrom('site', 'stage', 'minScore', 'grade', 'q', 'sort', 'limit', 'cursor', 'from', 'to', '__proto__'), word, { maxKeys: 5 })
  .map((q) => Object.entries(q).map(([k, v]) => `${k}=${encodeURIComponent(v).replace(/%25/g, '%')}`).join('&'));
const body = fc.oneof(fc.jsonValue({ maxDepth: 4 }).map((v) => JSON.stringify(v)), fc.string({ maxLength: 50 }), fc.constant('{"__proto__":{"polluted":1}}'));

describe.each(testDatabases())('fuzz /api ($name)', ({ open }) => {
  it('random query strings on the list, CSV and funnel routes', async () => {
    const request = await api(open);
    await fc.assert(fc.asyncProperty(fc.constantFrom('/api/leads', '/api/leads.csv', '/api/funnel'), query, async (path, q) => {
      await check(await request('GET', `${path}?${q}`), `GET ${path}?${q}`);
    }), { seed: SEED, numRuns: 600, endOnFailure: true });
  });

  it('random JSON bodies on every route that takes one', async () => {
    const request = await api(open);
    const routes: Array<[string, string]> = [['POST', '/api/sites'], ['PUT', '/api/sites/acme/rules'], ['POST', '/api/webhooks'],
      ['POST', '/api/leads/AAAAAAAAAAAAAAAAAAAAAA/reject'], ['POST', '/api/leads/AAAAAAAAAAAAAAAAAAAAAA/links'], ['POST', '/api/leads/AAAAAAAAAAAAAAAAAAAAAA/accept']];
    await fc.assert(fc.asyncProperty(fc.constantFrom(...routes), body, async ([method, path], b) => {
      await check(await request(method, path, b), `${method} ${path} ${b.slice(0, 100)}`);
    }), { seed: SEED, numRuns: 600, endOnFailure: true });
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    expect((await request('GET', '/api/sites')).status).toBe(200);
  });
});
