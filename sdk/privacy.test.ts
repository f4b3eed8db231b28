// @vitest-environment happy-dom
// Consent, Global Privacy Control and Do-Not-Track, and the promise never to throw into the host page,
// through the public surface with stubbed fetch/sendBeacon (sdk/testing.ts).
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { harness, stopAll } from './testing';

const settle = () => vi.advanceTimersByTimeAsync(1500);
const setNavigator = (key: string, value: unknown) => Object.defineProperty(navigator, key, { configurable: true, value });

beforeEach(() => {
  localStorage.clear();
  document.body.innerHTML = '';
  vi.useFakeTimers();
  history.replaceState(null, '', '/');
});
afterEach(() => {
  vi.unstubAllGlobals();
  vi.restoreAllMocks();
  delete (navigator as { globalPrivacyControl?: unknown }).globalPrivacyControl;
  setNavigator('doNotTrack', null);
  stopAll();
  vi.useRealTimers();
});

describe('privacy', () => {
  it.each([
    ['Global Privacy Control', () => setNavigator('globalPrivacyControl', true)],
    ['Do-Not-Track', () => setNavigator('doNotTrack', '1')],
  ])('with %s on, stores and sends nothing, even after consent(true) or a form submission', async (_, turnOn) => {
    turnOn();
    const h = harness();
    h.piste('consent', true);
    h.piste('track', 'x');
    document.body.innerHTML = '<form><input name="email" value="a@b.co"></form>';
    document.querySelector('form')!.dispatchEvent(new Event('submit', { bubbles: true }));
    history.pushState(null, '', '/next');
    await settle();
    expect(h.events()).toEqual([]);
    expect(localStorage.length).toBe(0);
  });

  it('with consent required, stores and sends nothing until consent(true), then keeps the visit’s referrer', async () => {
    Object.defineProperty(document, 'referrer', { configurable: true, value: 'https://news.example/' });
    const h = harness({ required: true });
    h.piste('track', 'before');
    document.body.innerHTML = '<form><input name="email" value="a@b.co"></form>';
    document.querySelector('form')!.dispatchEvent(new Event('submit', { bubbles: true }));
    await settle();
    expect(h.events()).toEqual([]);
    expect(localStorage.length).toBe(0);
    h.piste('consent', true);
    h.piste('track', 'after');
    await settle();
    expect(h.events().map((e) => e.name ?? e.type)).toEqual(['pageview', 'after']);
    expect(h.events()[0].ref).toBe('https://news.example/');
    delete (document as { referrer?: string }).referrer;
  });

  it('remembers consent(true) on the next page', async () => {
    harness({ required: true }).piste('consent', true);
    const next = harness({ required: true });
    await settle();
    expect(next.events().map((e) => e.type)).toContain('pageview');
  });

  it('consent(false) erases the ids and the queue, and is remembered on the next page', async () => {
    const h = harness({ answers: ['down'] }); // offline: events pile up in the queue
    h.piste('track', 'x');
    await settle();
    expect(localStorage.getItem('piste_q')).not.toBeNull();
    expect(localStorage.getItem('piste_id')).not.toBeNull();
    h.piste('consent', false);
    expect(localStorage.getItem('piste_q')).toBeNull();
    expect(localStorage.getItem('piste_id')).toBeNull();
    h.piste('track', 'after_refusal');
    const next = harness();
    next.piste('track', 'y');
    await vi.advanceTimersByTimeAsync(60_000);
    expect([...h.events(), ...next.events()].map((e) => e.name ?? e.type)).toEqual(['pageview', 'x']); // only the failed attempt
    expect(localStorage.getItem('piste_id')).toBeNull();
  });
});

describe('never throws into the page', () => {
  it('whatever the input, with storage throwing and without fetch or sendBeacon', async () => {
    vi.stubGlobal(
      'localStorage',
      new Proxy({}, { get: () => undefined, set: () => { throw new DOMException('full', 'QuotaExceededError'); }, deleteProperty: () => { throw new Error('no'); } }),
    );
    const h = harness();
    vi.stubGlobal('fetch', undefined);
    setNavigator('sendBeacon', undefined);
    const circular: Record<string, unknown> = {};
    circular.self = circular;
    const hostile = {
      get boom() {
        throw new Error('getter');
      },
    };
    expect(() => {
      h.piste('track', 'x', circular);
      h.piste('track', 'y', hostile);
      h.piste('identify', { not: 'an email' });
      h.piste('form', null);
      h.piste('form', document.body);
      h.piste('form', { fields: hostile });
      h.piste('unknown-command');
      (h.piste as (...a: unknown[]) => void)();
      h.piste('track', 'big', Object.fromEntries(Array.from({ length: 1e4 }, (_, i) => ['k' + i, 'v'.repeat(1000)])));
      history.pushState(null, '', '/next');
      dispatchEvent(new Event('pagehide'));
      document.body.innerHTML = '<form><input name="email" value="a@b.co"></form>';
      document.querySelector('form')!.dispatchEvent(new Event('submit', { bubbles: true }));
    }).not.toThrow();
    await expect(settle()).resolves.not.toThrow();
  });

  it('keeps working in memory when localStorage cannot even be read (cookies disabled)', async () => {
    vi.spyOn(window, 'localStorage', 'get').mockImplementation(() => {
      throw new DOMException('blocked', 'SecurityError');
    });
    const h = harness();
    h.piste('track', 'x');
    await settle();
    expect(h.events().map((e) => e.name ?? e.type)).toEqual(['pageview', 'x']);
  });
});
