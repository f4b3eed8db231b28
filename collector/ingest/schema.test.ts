// parsePlainBatch must give exactly what BatchSchema gives, or step aside: compared on random, mostly near-valid batches.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { BatchSchema, parsePlainBatch } from './schema';

const SEED = Number(process.env.PISTE_FUZZ_SEED ?? Date.now() % 2 ** 31);

const idLike = fc.oneof(
  fc.stringMatching(/^[\x21-\x7E]{1,20}$/),
  fc.constantFrom('', 'a b', 'x'.repeat(128), 'x'.repeat(129), 'é', '\u0000', 'tab\t'),
  fc.integer(),
  fc.constant(null),
);
const textLike = (max: number) =>
  fc.oneof(
    fc.string({ maxLength: 20 }),
    fc.constantFrom('', '   ', ' Pricing ', 'PRICING', 'x'.repeat(max), 'x'.repeat(max + 1), 'é'.repeat(max + 3), '\uD800'),
    fc.integer(),
    fc.boolean(),
    fc.constant(null),
    fc.constant({}),
  );
const msLike = fc.oneof(
  fc.integer({ min: 0, max: 2 ** 48 }),
  fc.constantFrom(-1, -0, 0.5, 8.64e15, 8.64e15 + 2, Number.MAX_SAFE_INTEGER, Infinity, NaN),
  fc.string({ maxLength: 5 }),
);

const eventLike = fc.record(
  {
    id: idLike,
    type: fc.constantFrom('pageview', 'pageview', 'form_submit', 'identify', 'track', 'click', ''),
    ts: msLike,
    vid: idLike,
    sid: idLike,
    url: textLike(4096),
    ref: textLike(4096),
    title: textLike(1000),
    cat: textLike(100),
    name: textLike(100),
    email: fc.oneof(fc.emailAddress(), textLike(320)),
    props: fc.constantFrom({ plan: 'pro' }, null, 'x'),
    traits: fc.constantFrom({ company: 'Acme' }, null),
    form: fc.constantFrom({ kind: 'demo' }, { fields: { email: 'a@b.co' } }, 1),
    extra: fc.anything(),
  },
  { requiredKeys: [] },
);
const batchLike = fc.record(
  {
    site: fc.oneof(fc.constantFrom('acme', '', 'x'.repeat(100), 'x'.repeat(101)), fc.integer()),
    sentAt: msLike,
    events: fc.oneof(fc.array(eventLike, { maxLength: 4 }), fc.constant('nope'), fc.array(fc.constant({}), { minLength: 101, maxLength: 102 })),
    extra: fc.anything(),
  },
  { requiredKeys: ['site', 'events'] },
);

/** Mostly valid pageviews, so the comparison covers the fast path's successes and not only its refusals. */
const validLike = fc.record(
  {
  site: fc.constant('acme'),
  sentAt: fc.integer({ min: 0, max: 2 ** 45 }),
  events: fc.array(
    fc.record(
      {
        id: fc.stringMatching(/^[\x21-\x7E]{1,30}$/),
        type: fc.constantFrom('pageview', 'identify', 'track'),
        ts: fc.integer({ min: 0, max: 2 ** 45 }),
        vid: fc.stringMatching(/^[\x21-\x7E]{1,30}$/),
        sid: fc.stringMatching(/^[\x21-\x7E]{1,30}$/),
        url: fc.oneof(fc.webUrl(), fc.constant('x'.repeat(5000))),
        ref: fc.webUrl(),
        title: fc.string({ maxLength: 1200 }),
        cat: fc.constantFrom('Pricing', ' careers ', '', '  '),
        name: fc.string({ minLength: 1, maxLength: 120 }),
        email: fc.emailAddress(),
      },
      { requiredKeys: ['id', 'type', 'ts', 'vid'] },
    ),
    { maxLength: 5 },
  ),
  },
  { requiredKeys: ['site', 'events'] },
);

describe('parsePlainBatch', () => {
  it('gives exactly what BatchSchema gives whenever it gives anything', () => {
    let taken = 0;
    fc.assert(
      fc.property(fc.oneof(batchLike, validLike, fc.anything()), (value) => {
        const body: unknown = JSON.parse(JSON.stringify(value) ?? 'null'); // what the route has: parsed JSON
        const plain = parsePlainBatch(body);
        if (plain === undefined) return;
        taken++;
        const parsed = BatchSchema.safeParse(body);
        expect(parsed.success).toBe(true);
        expect(plain).toStrictEqual(parsed.data);
      }),
      { seed: SEED, numRuns: 3000 },
    );
    expect(taken).toBeGreaterThan(300); // the plain path was really compared, not only skipped
  });

  it('takes the beacon of a page view, cuts long text and keeps a blank category as zod does', () => {
    const body = {
      site: 'acme',
      sentAt: 1_700_000_000_000,
      events: [
        { id: 'e1', type: 'pageview', ts: 1_700_000_000_000, vid: 'v1', sid: 's1', url: `https://a.co/${'x'.repeat(5000)}`, cat: '  ', junk: 1 },
      ],
    };
    const plain = parsePlainBatch(body);
    expect(plain).toStrictEqual(BatchSchema.parse(body));
    expect(plain!.events[0].url).toHaveLength(4096);
    expect(plain!.events[0]).toHaveProperty('cat', undefined);
    expect(plain!.events[0]).not.toHaveProperty('junk');
  });

  it('leaves events with props, traits or a form, and every invalid batch, to BatchSchema', () => {
    const event = { id: 'e1', type: 'pageview', ts: 1, vid: 'v1' };
    expect(parsePlainBatch({ site: 'acme', events: [event] })).toBeDefined();
    for (const extra of [{ props: { plan: 'pro' } }, { traits: { a: 1 } }, { form: { kind: 'demo' } }, { type: 'track' }, { ts: -1 }, { vid: 'a b' }]) {
      expect(parsePlainBatch({ site: 'acme', events: [{ ...event, ...extra }] })).toBeUndefined();
    }
    expect(parsePlainBatch({ site: '', events: [] })).toBeUndefined();
    expect(parsePlainBatch([{ site: 'acme', events: [] }])).toBeUndefined();
  });
});
