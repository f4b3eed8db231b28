// @vitest-environment happy-dom
// The tracker through its public surface: piste(command, …), the page's events, and what reaches the
// collector (stubbed fetch/sendBeacon), with a fake clock.
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { IDS_KEY, MAX_BACKOFF, QUEUE_KEY, SESSION_IDLE, VISITOR_LIFETIME } from './core';
import { harness, stopAll, stored } from './testing';
import { BatchSchema } from '../collector/ingest/schema';

const T0 = Date.UTC(2025, 0, 1);
const MIN = 60_000;
const settle = () => vi.advanceTimersByTimeAsync(1000);
const UUID_V4 = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

beforeEach(() => {
  localStorage.clear();
  document.head.innerHTML = '';
  document.body.innerHTML = '';
  document.title = '';
  vi.useFakeTimers();
  vi.setSystemTime(T0);
  history.replaceState(null, '', '/');
});
afterEach(() => {
  vi.unstubAllGlobals();
  vi.restoreAllMocks();
  stopAll();
  vi.useRealTimers();
});

describe('pageviews', () => {
  it('sends one on start with id, visitor, session, url, title and category', async () => {
    history.replaceState(null, '', '/pricing?utm_source=news');
    document.head.innerHTML = '<meta name="piste:category" content="Pricing">';
    document.title = 'Pricing';
    const h = harness();
    await settle();
    expect(h.events()).toEqual([
      {
        id: expect.stringMatching(UUID_V4),
        type: 'pageview',
        ts: T0,
        vid: expect.stringMatching(/^[0-9a-f]{32}$/),
        sid: expect.stringMatching(/^[0-9a-f]{32}$/),
        url: 'http://localhost:3000/pricing?utm_source=news',
        title: 'Pricing',
        cat: 'Pricing', // as written: the collector trims and lower-cases it
      },
    ]);
    expect(JSON.parse(h.posted[0])).toMatchObject({ site: 'site1', sentAt: T0 + 1000 });
  });

  it('reads the category from <body data-piste-category>, as written, and sends none when it is empty', async () => {
    document.body.setAttribute('data-piste-category', 'Études de cas');
    const h = harness();
    await settle();
    document.body.setAttribute('data-piste-category', '');
    h.piste('pageview');
    await settle();
    document.body.removeAttribute('data-piste-category');
    expect(h.events().map((e) => e.cat)).toEqual(['Études de cas', undefined]);
  });

  it('sends one on each SPA navigation that changes path or query, with the previous page as referrer', async () => {
    const h = harness();
    const tick = () => vi.advanceTimersByTimeAsync(0); // a user's navigations come in turns of the event loop
    history.pushState(null, '', '/docs');
    await tick();
    history.replaceState({ scroll: 1 }, '', '/docs'); // same page: no new pageview
    await tick();
    history.pushState(null, '', '/docs#intro'); // hash only: no new pageview
    await tick();
    history.pushState(null, '', '/docs?page=2');
    await tick();
    history.pushState(null, '', '/pricing');
    await tick();
    history.back = () => {};
    history.replaceState(null, '', '/docs');
    dispatchEvent(new PopStateEvent('popstate')); // already counted by replaceState
    await settle();
    expect(h.events().map((e) => [new URL(e.url).pathname + new URL(e.url).search, e.ref && new URL(e.ref).pathname])).toEqual([
      ['/', undefined],
      ['/docs', '/'],
      ['/docs?page=2', '/docs'],
      ['/pricing', '/docs'],
      ['/docs', '/pricing'],
    ]);
  });

  it("gives an SPA pageview the title the router sets after pushState, and one pageview to a redirect's two steps", async () => {
    const h = harness();
    document.title = 'Home';
    history.pushState(null, '', '/old-pricing');
    history.replaceState(null, '', '/pricing'); // the router redirects at once
    document.title = 'Pricing';
    await settle();
    expect(h.events().slice(1).map((e) => [new URL(e.url).pathname, e.title])).toEqual([['/pricing', 'Pricing']]);
  });

  it('leaves the host page’s history calls working and their errors its own', () => {
    harness();
    history.pushState({ a: 1 }, '', '/x');
    expect(history.state).toEqual({ a: 1 });
    expect(location.pathname).toBe('/x');
    expect(() => history.pushState(null, '', 'https://elsewhere.test/')).toThrow();
  });

  it('records a manual pageview, even on the same url', async () => {
    const h = harness();
    h.piste('pageview');
    await settle();
    expect(h.events().map((e) => e.type)).toEqual(['pageview', 'pageview']);
  });
});

describe('commands', () => {
  it('tracks with sanitized flat props, identifies with traits, and ignores misuse', async () => {
    const h = harness();
    const circular: Record<string, unknown> = { plan: 'pro', seats: 5, annual: true, nested: { a: 1 } };
    circular.self = circular;
    h.piste('track', 'newsletter_signup', circular);
    h.piste('track', 'bad_numbers', { ok: 1, nan: NaN, inf: Infinity, big: 10n, sym: Symbol('s'), card: '4111 1111 1111 1111' });
    h.piste('track', 'x'.repeat(300));
    h.piste('track', '');
    h.piste('track', 42);
    h.piste('identify', 'ada@example.com', { name: 'Ada', company: 'Engines', employees: 40, password: 'x' });
    h.piste('identify', { not: 'an email' });
    await settle();
    const [, signup, bad, long, identify, ...rest] = h.events();
    expect(signup).toMatchObject({ type: 'track', name: 'newsletter_signup', props: { plan: 'pro', seats: 5, annual: true } });
    expect(Object.keys(signup.props!)).toEqual(['plan', 'seats', 'annual']);
    expect(bad.props).toEqual({ ok: 1 });
    expect(long.name).toHaveLength(300); // whole: the collector cuts it to its limit (the next test)
    expect(identify).toMatchObject({ type: 'identify', email: 'ada@example.com', traits: { name: 'Ada', company: 'Engines', employees: 40 } });
    expect(identify.traits).not.toHaveProperty('password');
    expect(rest).toEqual([]);
  });

  it('keeps at most 50 props of a huge object, each value cut at 500 characters', async () => {
    const h = harness();
    h.piste('track', 'big', Object.fromEntries(Array.from({ length: 5000 }, (_, i) => ['k' + i, 'v'.repeat(1000)])));
    await settle();
    const props = h.events()[1].props!;
    expect(Object.keys(props)).toHaveLength(50);
    expect(props.k0).toHaveLength(500);
  });

  it('cuts strings at 2048 characters and values at 500, which the collector takes without refusing the batch', async () => {
    history.replaceState(null, '', '/' + 'p'.repeat(3000));
    document.head.innerHTML = `<meta name="piste:category" content="${'c'.repeat(300)}">`;
    document.title = 't'.repeat(2000);
    const h = harness();
    h.piste('identify', 'a'.repeat(400) + '@example.com');
    h.piste('form', { kind: 'k'.repeat(100), fields: { url: 'u'.repeat(3000), name: 'n'.repeat(300) } });
    h.piste('track', 't'.repeat(300), { kind: 'k'.repeat(300) });
    await settle();
    document.head.innerHTML = '';
    const [pageview, identify, form, track] = h.events();
    expect([pageview.url.length, pageview.title!.length, pageview.cat!.length, identify.email!.length]).toEqual([2048, 2000, 300, 412]);
    expect([form.form!.kind!.length, form.form!.fields!.url.length, form.form!.fields!.name.length, track.props!.kind]).toEqual([100, 500, 300, 'k'.repeat(300)]);
    // The collector's own schema (collector/ingest/schema.ts) accepts the body and cuts each field to its limit; an
    // email too long to be one is left out, never cut.
    const parsed = BatchSchema.safeParse(JSON.parse(h.posted[0]));
    expect(parsed.success).toBe(true);
    const [p, i, f, t] = parsed.data!.events;
    expect([p.title!.length, p.cat!.length, i.email, f.form!.kind!.length, t.name!.length]).toEqual([1000, 100, undefined, 40, 100]);
  });
});

describe('form capture', () => {
  const submit = (html: string, attrs = '') => {
    document.body.innerHTML = `<form ${attrs}>${html}</form>`;
    const event = new Event('submit', { bubbles: true, cancelable: true });
    document.querySelector('form')!.dispatchEvent(event);
    return event;
  };

  it('sends a submitted form at once by beacon, never preventing the submission', () => {
    const h = harness();
    const event = submit(
      `<input name="first_name" value="Ada"><input name="last_name" value="Lovelace">
       <input type="email" name="work" value=" ada@example.com"><input name="company" value="Engines Ltd">
       <input name="title" value="CTO"><input name="phone" value="+1 415 555 0100">
       <select name="size"><option>1-10</option><option selected>51-200</option></select>
       <textarea name="message">Call me</textarea><button type="submit" name="go" value="x">Send</button>`,
      'id="demo" name="demo-form" action="/thanks" data-piste-form="demo"',
    );
    expect(event.defaultPrevented).toBe(false);
    const form = h.beaconedEvents().find((e) => e.type == 'form_submit')!;
    expect(form).toMatchObject({
      email: 'ada@example.com',
      form: {
        id: 'demo',
        name: 'demo-form',
        action: '/thanks',
        kind: 'demo',
        // Traits are the collector's: it reads name/company/title from the fields.
        fields: {
          first_name: 'Ada',
          last_name: 'Lovelace',
          work: ' ada@example.com',
          company: 'Engines Ltd',
          title: 'CTO',
          phone: '+1 415 555 0100',
          size: '51-200',
          message: 'Call me',
        },
      },
    });
    // Kept until a later page has them acknowledged: the beacon may never arrive (sdk/delivery.test.ts).
    expect(stored().map((e) => e.type)).toEqual(['pageview', 'form_submit']);
  });

  it('never sends password, hidden or file inputs, card fields, unchecked boxes or anything marked data-piste-ignore', () => {
    const h = harness();
    submit(`<input name="email" value="a@b.co"><input type="password" name="pw" value="hunter2">
      <input type="hidden" name="plan" value="secret-plan"><input type="file" name="cv">
      <input name="card" autocomplete="cc-number" value="4111111111111111">
      <input name="note" value="4111 1111 1111 1111"><input name="ref" data-piste-ignore value="private">
      <fieldset data-piste-ignore><input name="inside" value="private"></fieldset>
      <input name="ssn_field" value="078-05-1120"><input value="no name">
      <input type="checkbox" name="terms" value="yes"><input type="checkbox" name="news" value="on" checked>`);
    const form = h.beaconedEvents().find((e) => e.type == 'form_submit')!;
    expect(form.form!.fields).toEqual({ email: 'a@b.co', news: 'on' });
    expect(h.beaconed.join()).not.toMatch(/hunter2|secret-plan|4111|private|078-05|no name/);
  });

  it('leaves a form marked data-piste-ignore out entirely', () => {
    const h = harness();
    submit('<input name="email" value="a@b.co">', 'data-piste-ignore');
    h.piste('form', document.querySelector('form'));
    expect(h.events().filter((e) => e.type == 'form_submit')).toEqual([]);
  });

  it('is not fooled by inputs named like form properties', async () => {
    const h = harness();
    document.body.innerHTML = '<form action="/real" id="f1"><input name="action" value="x"><input name="id" value="y"></form>';
    h.piste('form', document.querySelector('form'));
    await settle();
    expect(h.events()[1].form).toMatchObject({ id: 'f1', action: '/real', fields: { action: 'x', id: 'y' } });
  });

  it('keeps at most 50 fields of a 5000-field form', () => {
    const h = harness();
    submit(Array.from({ length: 5000 }, (_, i) => `<input name="f${i}" value="v${i}">`).join(''));
    expect(Object.keys(h.beaconedEvents().find((e) => e.type == 'form_submit')!.form!.fields!)).toHaveLength(50);
  });

  it('sanitizes a { email, kind, fields } object sent by code exactly like a form', async () => {
    const h = harness();
    h.piste('form', {
      email: 'bob@example.com',
      kind: 'contact_sales',
      fields: { name: 'Bob', cardNumber: '4111111111111111', plan: 'pro', seats: 3, nested: { x: 1 } },
    });
    await settle();
    expect(h.events()[1]).toMatchObject({
      type: 'form_submit',
      email: 'bob@example.com',
      form: { kind: 'contact_sales', fields: { email: 'bob@example.com', name: 'Bob', plan: 'pro', seats: '3' } },
    });
    expect(h.posted.join()).not.toContain('4111111111111111');
  });
});

describe('visitor and session ids', () => {
  const ids = () => JSON.parse(localStorage.getItem(IDS_KEY)!) as [string, number, string, number];

  it('creates a 128-bit visitor id whose expiry is set once, at most 13 months after creation, never extended', async () => {
    const h = harness();
    const [vid, expires] = ids();
    expect(vid).toMatch(/^[0-9a-f]{32}$/);
    expect(expires - T0).toBe(VISITOR_LIFETIME);
    expect(VISITOR_LIFETIME).toBeLessThanOrEqual(395 * 864e5);
    vi.setSystemTime(T0 + 100 * 864e5);
    h.piste('track', 'later');
    expect(ids().slice(0, 2)).toEqual([vid, expires]);
    vi.setSystemTime(T0 + VISITOR_LIFETIME + 1);
    h.piste('track', 'expired');
    expect(ids()[0]).not.toBe(vid);
  });

  it('replaces a visitor whose stored expiry lies further than a lifetime away (tampered)', () => {
    localStorage.setItem(IDS_KEY, JSON.stringify(['f'.repeat(32), T0 + 10 * VISITOR_LIFETIME, 's'.repeat(32), T0]));
    harness();
    expect(ids()[0]).not.toBe('f'.repeat(32));
  });

  it('keeps the session while active and rolls it after 30 minutes of inactivity, same visitor', async () => {
    const h = harness();
    const first = ids();
    vi.setSystemTime(T0 + 29 * MIN);
    h.piste('track', 'a');
    vi.setSystemTime(T0 + 58 * MIN); // 29 minutes after the last activity
    h.piste('track', 'b');
    expect(ids()[2]).toBe(first[2]);
    vi.setSystemTime(T0 + 58 * MIN + SESSION_IDLE); // idle exactly 30 minutes
    h.piste('track', 'c');
    expect(ids()[2]).not.toBe(first[2]);
    expect(ids()[0]).toBe(first[0]);
    await settle();
    expect(new Set(h.events().map((e) => e.sid)).size).toBe(2);
  });

  it('keeps stable ids and a working queue in memory when storage throws (cookies blocked)', async () => {
    vi.spyOn(window, 'localStorage', 'get').mockImplementation(() => {
      throw new DOMException('blocked', 'SecurityError');
    });
    const h = harness();
    h.piste('track', 'x');
    vi.setSystemTime(T0 + MIN);
    h.piste('track', 'y');
    await settle();
    const events = h.events();
    expect(events.map((e) => e.name ?? e.type)).toEqual(['pageview', 'x', 'y']);
    expect(new Set(events.map((e) => e.vid + e.sid)).size).toBe(1);
  });

  it('gives every event its own id: a v4 uuid, or 128 random bits without crypto.randomUUID (http pages)', async () => {
    vi.stubGlobal('crypto', { getRandomValues: crypto.getRandomValues.bind(crypto) });
    const h = harness();
    for (let i = 0; i < 9; i++) h.piste('track', 'e' + i); // the 10th event: sent at once
    await vi.advanceTimersByTimeAsync(0);
    vi.unstubAllGlobals();
    const again = harness();
    await settle();
    const all = [...h.events(), ...again.events()].map((e) => e.id);
    expect(new Set(all).size).toBe(all.length);
    expect(h.events()[0].id).toMatch(/^[0-9a-f]{32}$/);
    expect(again.events().at(-1)!.id).toMatch(UUID_V4);
  });
});
