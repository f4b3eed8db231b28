// Property-based fuzz of POST /e: malformed bodies, types, unicode, nesting, headers and sizes never give a 5xx,
// always the one error shape, and store nothing when refused. Reproducible: fixed seed (PISTE_FUZZ_SEED overrides).
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { Database } from '../collector/db/repository';
import { sqlRows, testDatabases } from '../collector/db/test-databases';
import { NOW, ORIGIN, UA, batch, event, setup } from '../collector/ingest/testing';

const SEED = Number(process.env.PISTE_FUZZ_SEED ?? 20260115);
const run = <T>(property: fc.IAsyncProperty<T>, numRuns: number) =>
  // fast-check prints the seed and the shrunk counterexample path on failure; pass PISTE_FUZZ_SEED to replay.
  fc.assert(property, { seed: SEED, numRuns, endOnFailure: true });

const TABLES = ['events', 'visitors', 'leads', 'stage_changes'];

const COUNTS = `SELECT ${TABLES.map((t) => `(SELECT count(*) FROM ${t}) AS ${t}`).join(', ')}`;

async function fuzzApp(open: () => Promise<Database>) {
  // A limit high enough that the fuzz explores parsing, not the rate limiter (it has its own suite).
  const s = await setup({ PISTE_RATE_LIMIT: '1000000/1000000' }, open);
  const counts = async () => Object.values((await sqlRows(s.db, COUNTS))[0]) as number[];
  const send = (body: BodyInit, headers: Record<string, string> = {}) =>
    s.app.request('/e', { method: 'POST', headers: { 'content-type': 'text/plain', origin: ORIGIN, 'user-agent': UA, ...headers }, body });
  return { ...s, counts, send };
}

type Fuzz = Awaited<ReturnType<typeof fuzzApp>>;

/** The contract every answer keeps: no 5xx; a refusal is the one error shape and stores nothing. */
async function checkAnswer(f: Fuzz, res: Response, before: number[]) {
  expect(res.status, 'never a 5xx').toBeLessThan(500);
  const text = await res.text();
  if (res.status === 202) {
    expect(JSON.parse(text)).toEqual({ accepted: expect.any(Number), duplicates: expect.any(Number) });
    return;
  }
  const body = JSON.parse(text);
  expect(Object.keys(body)).toEqual(['error']);
  expect(body.error).toEqual({ code: expect.stringMatching(/^[a-z_]+$/), message: expect.any(String), ...('path' in body.error ? { path: expect.any(String) } : {}) });
  expect(await f.counts(), 'a refused request stores nothing').toEqual(before);
}

async function stillAnswers(f: Fuzz) {
  const res = await f.post(batch([event({ vid: 'after-the-fuzz' })]));
  expect(res.status).toBe(202);
  expect(await res.json()).toEqual({ accepted: 1, duplicates: 0 });
  expect(({} as Record<string, unknown>).polluted, 'Object.prototype untouched').toBeUndefined();
}

// --- arbitraries ---
const oddChars = fc.constantFrom('\uD800', '\uDFFF', '\u0000', '\u202E', '\u200F', '\uFEFF', '\u0085', '\u2028', '𝕏', 'é', '"', '\\', '<', '\u0007');
const oddString = fc.oneof(
  fc.string({ unit: fc.oneof(oddChars, fc.string({ unit: 'binary', maxLength: 1 })), maxLength: 40 }),
  fc.string({ unit: 'binary', maxLength: 60 }),
  fc.integer({ min: 1, max: 600_000 }).map((n) => 'x'.repeat(n)), // huge
);
const anyValue: fc.Arbitrary<unknown> = fc.oneof(
  fc.jsonValue({ maxDepth: 3 }),
  oddString,
  fc.constantFrom(null, true, -1, 1e308, -0, 0.5, 2 ** 53 + 1, [], {}, '', { __proto__: null }),
  fc.dictionary(fc.constantFrom('__proto__', 'constructor', 'prototype', 'toString', 'polluted'), fc.jsonValue({ maxDepth: 2 }), { maxKeys: 3 }),
);

// Paths into a valid batch; each gets replaced with a value of any type.
const PATHS = [
  [], ['site'], ['sentAt'], ['events'], ['events', 0], ['events', 0, 'id'], ['events', 0, 'type'], ['events', 0, 'ts'], ['events', 0, 'vid'],
  ['events', 0, 'sid'], ['events', 0, 'url'], ['events', 0, 'ref'], ['events', 0, 'title'], ['events', 0, 'cat'], ['events', 0, 'name'],
  ['events', 0, 'props'], ['events', 0, 'props', 'plan'], ['events', 0, 'email'], ['events', 0, 'traits'], ['events', 0, 'traits', 'company'],
  ['events', 0, 'form'], ['events', 0, 'form', 'fields'], ['events', 0, 'form', 'fields', 'company'], ['events', 0, 'form', 'kind'],
  ['events', 1], ['events', 1, 'type'], ['events', 0, '__proto__'], ['__proto__'], ['events', 0, 'props', '__proto__'], ['constructor'],
] as const;

function validBody(): Record<string, unknown> {
  return batch([
    event({ type: 'track', name: 'newsletter_signup', props: { plan: 'pro' }, traits: { company: 'Acme' } }),
    event({ type: 'form_submit', email: 'ada@acme.io', form: { id: 'demo', kind: 'demo', fields: { company: 'Acme' } } }),
  ]);
}

function setPath(target: Record<string, unknown>, path: readonly (string | number)[], value: unknown): unknown {
  if (path.length === 0) return value;
  let node: any = target;
  for (const key of path.slice(0, -1)) {
    if (node[key] === null || typeof node[key] !== 'object') node[key] = {};
    node = node[key];
  }
  // defineProperty: an own "__proto__" key, as JSON.parse on the server would produce.
  Object.defineProperty(node, path[path.length - 1], { value, enumerable: true, writable: true, configurable: true });
  return target;
}

const mutatedBody = fc.tuple(fc.constantFrom(...PATHS), anyValue).map(([path, value]) => JSON.stringify(setPath(validBody(), path, value)) ?? 'undefined');

const contentType = fc.oneof(
  fc.constantFrom('text/plain', 'application/json', 'text/plain;charset=UTF-8', 'TEXT/PLAIN', 'application/json; charset=utf-16', '',
    'application/x-www-form-urlencoded', 'multipart/form-data; boundary=x', 'text/html', 'application/json\u0000'),
  fc.string({ unit: 'grapheme-ascii', maxLength: 30 }),
);
const headers = fc.record(
  {
    'content-type': contentType,
    origin: fc.oneof(fc.constant(ORIGIN), fc.constantFrom('null', 'https://evil.test', 'javascript:alert(1)', ORIGIN + '.evil.test'), fc.string({ maxLength: 30 })),
    'user-agent': fc.oneof(fc.constant(UA), fc.constantFrom('', 'Googlebot/2.1 (+http://www.google.com/bot.html)', 'curl/8.0', UA.repeat(200)), fc.string({ maxLength: 60 })),
    'x-forwarded-for': fc.oneof(fc.constantFrom('1.2.3.4', '::1, 10.0.0.1', 'not-an-ip', '999.999.999.999', '::ffff:1.2.3.4'), fc.string({ maxLength: 40 })),
    'accept-encoding': fc.constantFrom('gzip', 'br', '*', 'identity;q=0'),
    cookie: fc.string({ maxLength: 60 }),
  },
  { requiredKeys: [] },
).map((h) => Object.fromEntries(Object.entries(h).filter(([, v]) => /^[\t\x20-\x7e]*$/.test(v as string))) as Record<string, string>);

describe.each(testDatabases())('fuzz POST /e ($name)', ({ name, open }) => {
  // PostgreSQL answers over a socket: half the runs keep the suite under a minute.
  const runs = (n: number) => (name === 'pg' ? n / 2 : n);
  it('random JSON values as the whole body', async () => {
    const f = await fuzzApp(open);
    await run(fc.asyncProperty(fc.jsonValue({ maxDepth: 6 }), async (value) => {
      const before = await f.counts();
      await checkAnswer(f, await f.send(JSON.stringify(value)), before);
    }), runs(1500));
    await stillAnswers(f);
  });

  it('a valid batch with a value of any type at every path (wrong types, huge and odd unicode strings, __proto__ keys)', async () => {
    const f = await fuzzApp(open);
    await run(fc.asyncProperty(mutatedBody, async (body) => {
      const before = await f.counts();
      await checkAnswer(f, await f.send(body), before);
    }), runs(4000));
    await stillAnswers(f);
  });

  it('random content types and headers', async () => {
    const f = await fuzzApp(open);
    await run(fc.asyncProperty(headers, fc.oneof(mutatedBody, fc.constant(JSON.stringify(validBody()))), async (h, body) => {
      const before = await f.counts();
      await checkAnswer(f, await f.send(body, h), before);
    }), runs(1500));
    await stillAnswers(f);
  });

  it('non-UTF-8 bytes and truncated JSON', async () => {
    const f = await fuzzApp(open);
    const valid = Buffer.from(JSON.stringify(validBody()));
    const bytes = fc.oneof(
      fc.uint8Array({ maxLength: 300 }),
      fc.tuple(fc.integer({ min: 0, max: valid.length }), fc.uint8Array({ minLength: 1, maxLength: 8 })).map(([at, junk]) =>
        Buffer.concat([valid.subarray(0, at), Buffer.from(junk), valid.subarray(at)])),
      fc.integer({ min: 0, max: valid.length - 1 }).map((at) => valid.subarray(0, at)),
    );
    await run(fc.asyncProperty(bytes, async (body) => {
      const before = await f.counts();
      await checkAnswer(f, await f.send(new Uint8Array(body)), before);
    }), runs(1500));
    await stillAnswers(f);
  });

  it('deep nesting (10k levels) anywhere, and bodies over the limits', async () => {
    const f = await fuzzApp(open);
    const deep = (levels: number, open: string, close: string, leaf = '1') => open.repeat(levels) + leaf + close.repeat(levels);
    const nestedObject = deep(10_000, '{"a":', '}');
    const nestedArray = deep(10_000, '[', ']');
    const cases: Array<[string, BodyInit]> = [
      ['nested array as body', nestedArray],
      ['nested object as body', nestedObject],
      ['200k-level array', deep(200_000, '[', ']')],
      ['nested props', JSON.stringify(validBody()).replace('{"plan":"pro"}', nestedObject)],
      ['nested traits', JSON.stringify(validBody()).replace('{"company":"Acme"}', nestedArray)],
      ['nested events', `{"site":"acme","sentAt":${NOW},"events":${nestedArray}}`],
      ['nested site', `{"site":${nestedObject},"sentAt":${NOW},"events":[]}`],
      ['body over 500 KB', JSON.stringify(batch([event({ title: 'x'.repeat(510 * 1024) })]))],
      ['event over 32 KB', JSON.stringify(batch([event({ props: Object.fromEntries(Array.from({ length: 50 }, (_, i) => [`k${i}`, 'y'.repeat(499)])), title: 't'.repeat(999) }), event({ url: 'https://www.acme.test/' + 'u'.repeat(40_000) })]))],
      ['101 events', JSON.stringify(batch(Array.from({ length: 101 }, () => event())))],
      ['one million spaces', ' '.repeat(1_000_000)],
    ];
    for (const [name, body] of cases) {
      const before = await f.counts();
      const res = await f.send(body);
      expect(res.status, name).toBeGreaterThanOrEqual(400);
      await checkAnswer(f, res, before);
    }
    await stillAnswers(f);
  });
});
