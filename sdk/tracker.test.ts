// @vitest-environment happy-dom
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { createTracker as create, type Piste, type TrackerDeps } from './tracker';
import type { PisteEvent } from './types';

const config = { site: 'site1', api: 'https://collector.test' };

function deps() {
  const events: PisteEvent[] = [];
  const urgent: PisteEvent[] = [];
  const take = (into: PisteEvent[]) => (body: string) => (into.push(...JSON.parse(body).events), true);
  const d: TrackerDeps = {
    now: Date.now,
    post: async (body) => (take(events)(body), { status: 202 }),
    beacon: take(urgent),
  };
  return { d, events, urgent };
}

// Trackers of earlier tests still hook history and share storage, as tabs do: afterEach silences them.
const created: Piste[] = [];
const createTracker = (...args: Parameters<typeof create>) => {
  const piste = create(...args);
  created.push(piste);
  return piste;
};

const settle = () => vi.advanceTimersByTimeAsync(1500);

describe('the tracker', () => {
  beforeEach(() => {
    localStorage.clear();
    document.body.innerHTML = '';
    document.head.innerHTML = '';
    vi.useFakeTimers();
    history.replaceState(null, '', '/');
  });
  afterEach(() => {
    vi.useRealTimers();
    vi.unstubAllGlobals();
    vi.restoreAllMocks();
    for (const piste of created.splice(0)) piste('consent', false);
  });

  it('sends a pageview on start with url, title, referrer and category', async () => {
    history.replaceState(null, '', '/pricing?utm_source=news');
    document.head.innerHTML = '<meta name="piste:category" content="pricing">';
    document.title = 'Pricing';
    const { d, events } = deps();
    createTracker(config, d);
    await settle();
    expect(events).toHaveLength(1);
    expect(events[0]).toMatchObject({
      type: 'pageview',
      url: 'http://localhost:3000/pricing?utm_source=news',
      title: 'Pricing',
      cat: 'pricing',
    });
    expect(events[0].id).toMatch(/^[0-9a-f-]{36}$/);
    expect(events[0].vid).toMatch(/^[0-9a-f]{32}$/);
  });

  it('sends a pageview on each SPA navigation, with the previous page as referrer', async () => {
    const { d, events } = deps();
    createTracker(config, d);
    history.pushState(null, '', '/docs');
    history.replaceState({ scroll: 1 }, '', '/docs'); // same page: no new pageview
    history.pushState(null, '', '/docs#intro'); // hash only: no new pageview
    history.pushState(null, '', '/pricing');
    await settle();
    expect(events.map((e) => [e.type, new URL(e.url).pathname, e.ref && new URL(e.ref).pathname])).toEqual([
      ['pageview', '/', undefined],
      ['pageview', '/docs', '/'],
      ['pageview', '/pricing', '/docs'],
    ]);
  });

  it('captures a form submission at once by beacon, without preventing it', () => {
    const { d, urgent } = deps();
    createTracker(config, d);
    document.body.innerHTML = `<form data-piste-form="demo"><input type="email" name="email" value="ada@example.com">
      <input type="password" name="password" value="hunter2"></form>`;
    const submit = new Event('submit', { bubbles: true, cancelable: true });
    document.querySelector('form')!.dispatchEvent(submit);
    expect(submit.defaultPrevented).toBe(false);
    const formEvent = urgent.find((e) => e.type == 'form_submit')!;
    expect(formEvent).toMatchObject({ email: 'ada@example.com', form: { kind: 'demo', fields: { email: 'ada@example.com' } } });
    expect(JSON.stringify(urgent)).not.toContain('hunter2');
  });

  it('tracks, identifies, records manual pageviews and forms sent by code', async () => {
    const { d, events } = deps();
    const piste = createTracker(config, d);
    piste('track', 'newsletter_signup', { list: 'weekly' });
    piste('identify', 'ada@example.com', { name: 'Ada', company: 'Engines' });
    piste('pageview');
    piste('form', { email: 'bob@example.com', kind: 'contact_sales', fields: { company: 'Acme' } });
    await settle();
    expect(events.map((e) => e.type)).toEqual(['pageview', 'track', 'identify', 'pageview', 'form_submit']);
    expect(events[1]).toMatchObject({ name: 'newsletter_signup', props: { list: 'weekly' } });
    expect(events[2]).toMatchObject({ email: 'ada@example.com', traits: { name: 'Ada', company: 'Engines' } });
    expect(events[4]).toMatchObject({ email: 'bob@example.com', traits: { company: 'Acme' }, form: { kind: 'contact_sales' } });
  });

  it.each([
    ['Global Privacy Control', () => vi.stubGlobal('navigator', { ...navigator, globalPrivacyControl: true })],
    ['Do-Not-Track', () => vi.stubGlobal('navigator', { ...navigator, doNotTrack: '1' })],
  ])('with %s on, stores and sends nothing, even after consent(true)', async (_, turnOn) => {
    turnOn();
    const { d, events, urgent } = deps();
    const piste = createTracker(config, d);
    piste('consent', true);
    piste('track', 'x');
    await settle();
    expect([...events, ...urgent]).toEqual([]);
    expect(localStorage.length).toBe(0);
  });

  it('with consent required, stores and sends nothing until consent(true)', async () => {
    const { d, events } = deps();
    const piste = createTracker({ ...config, consent: true }, d);
    piste('track', 'before');
    await settle();
    expect(events).toEqual([]);
    expect(localStorage.length).toBe(0);
    piste('consent', true);
    piste('track', 'after');
    await settle();
    expect(events.map((e) => e.name ?? e.type)).toEqual(['pageview', 'after']);
  });

  it('consent(false) erases the ids and the queue, and is remembered', async () => {
    const { d, events } = deps();
    d.post = async () => undefined; // offline: events pile up in the queue
    const piste = createTracker(config, d);
    piste('track', 'x');
    await settle();
    expect(localStorage.getItem('piste_q')).not.toBeNull();
    piste('consent', false);
    expect(localStorage.getItem('piste_q')).toBeNull();
    expect(localStorage.getItem('piste_id')).toBeNull();
    const again = deps();
    createTracker(config, again.d)('track', 'y');
    await settle();
    expect([...events, ...again.events]).toEqual([]);
  });

  it('never throws into the page, whatever the input or the browser', async () => {
    vi.spyOn(Storage.prototype, 'setItem').mockImplementation(() => {
      throw new Error('QuotaExceededError');
    });
    vi.stubGlobal('fetch', undefined);
    vi.stubGlobal('navigator', { ...navigator, sendBeacon: undefined });
    const piste = createTracker(config);
    const circular: Record<string, unknown> = {};
    circular.self = circular;
    const hostile = {
      get boom() {
        throw new Error('getter');
      },
    };
    expect(() => {
      piste('track', 'x', circular);
      piste('track', 'y', hostile);
      piste('identify', { not: 'an email' });
      piste('form', null);
      piste('form', document.body);
      piste('form', { fields: hostile });
      piste('unknown-command');
      piste('track', 'big', Object.fromEntries(Array.from({ length: 1e4 }, (_, i) => ['k' + i, 'v'.repeat(1000)])));
      history.pushState(null, '', '/next');
      dispatchEvent(new Event('pagehide'));
    }).not.toThrow();
    await expect(settle()).resolves.not.toThrow();
  });
});

describe('the script-tag entry', () => {
  beforeEach(() => {
    localStorage.clear();
    vi.resetModules();
  });
  afterEach(() => {
    vi.unstubAllGlobals();
    delete (window as { piste?: unknown }).piste;
  });

  it('replays the calls queued by the stub, in order, then replaces window.piste', async () => {
    const beacons: string[] = [];
    const bodies: string[] = [];
    vi.stubGlobal('fetch', async (_url: string, init: RequestInit) => (bodies.push(init.body as string), new Response(null, { status: 202 })));
    const script = document.createElement('script');
    script.setAttribute('data-site', 'site1');
    script.setAttribute('data-api', 'http://127.0.0.1:9/');
    Object.defineProperty(document, 'currentScript', { value: script, configurable: true });
    const w = window as unknown as { piste: ((...a: unknown[]) => void) & { q?: unknown[] } };
    w.piste = function (...args: unknown[]) {
      (w.piste.q = w.piste.q || []).push(args);
    };
    w.piste('track', 'first');
    w.piste('identify', 'ada@example.com');
    w.piste('track', 'second');
    const stub = w.piste;
    await import('./index');
    expect(w.piste).not.toBe(stub);
    w.piste('track', 'third');
    await new Promise((r) => setTimeout(r, 1200));
    const events = bodies.flatMap((b) => JSON.parse(b).events) as PisteEvent[];
    expect(events.map((e) => e.name ?? e.email ?? e.type)).toEqual(['pageview', 'first', 'ada@example.com', 'second', 'third']);
    expect(JSON.parse(bodies[0]).site).toBe('site1');
    expect(beacons).toEqual([]);
  });
});
