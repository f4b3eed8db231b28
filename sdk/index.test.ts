// @vitest-environment happy-dom
// The script-tag entry: data-* attributes, the queue stub replayed in order, window.piste replaced.
import { afterEach, beforeEach, describe, expect, it, onTestFinished, vi } from 'vitest';
import { stopAll, type WireEvent } from './testing';

type Stub = ((...a: unknown[]) => void) & { q?: unknown[] };
const w = window as unknown as { piste?: Stub };

beforeEach(() => {
  localStorage.clear();
  vi.resetModules();
  vi.useFakeTimers();
});
afterEach(() => {
  w.piste?.('consent', false);
  delete w.piste;
  vi.unstubAllGlobals();
  stopAll();
  vi.useRealTimers();
});

function tag(attrs: Record<string, string>, src = 'https://cdn.collector.test/v1/piste.js') {
  const script = document.createElement('script');
  script.src = src;
  for (const [k, v] of Object.entries(attrs)) script.setAttribute(k, v);
  Object.defineProperty(document, 'currentScript', { value: script, configurable: true });
  const posts: [string, string][] = [];
  vi.stubGlobal('fetch', async (url: URL | string, init: RequestInit) => (posts.push(['' + url, init.body as string]), new Response(null, { status: 202 })));
  return posts;
}

describe('the script-tag entry', () => {
  it('replays the calls queued by the stub, in order, after the pageview, then replaces window.piste', async () => {
    const posts = tag({ 'data-site': 'site1', 'data-api': 'http://127.0.0.1:9/' });
    w.piste = function (...args: unknown[]) {
      (w.piste!.q = w.piste!.q || []).push(args);
    };
    w.piste('track', 'first');
    w.piste('identify', 'ada@example.com');
    w.piste('track', 'second');
    const stub = w.piste;
    await import('./index');
    expect(w.piste).not.toBe(stub);
    w.piste('track', 'third');
    await vi.advanceTimersByTimeAsync(1000);
    const events = posts.flatMap(([, body]) => JSON.parse(body).events) as WireEvent[];
    expect(events.map((e) => e.name ?? e.email ?? e.type)).toEqual(['pageview', 'first', 'ada@example.com', 'second', 'third']);
    expect(posts[0][0]).toBe('http://127.0.0.1:9/e');
    expect(JSON.parse(posts[0][1]).site).toBe('site1');
  });

  it('posts to the directory the script was loaded from when there is no data-api', async () => {
    const posts = tag({ 'data-site': 'site1' });
    await import('./index');
    await vi.advanceTimersByTimeAsync(1000);
    expect(posts[0][0]).toBe('https://cdn.collector.test/v1/e');
  });

  it('does nothing when the tag is on the page twice: one pageview, one form_submit, the first piste() kept', async () => {
    const posts = tag({ 'data-site': 'site1', 'data-api': 'http://127.0.0.1:9/' });
    const beacon = vi.spyOn(navigator, 'sendBeacon').mockImplementation((url, body) => (posts.push(['' + url, body as string]), true));
    onTestFinished(() => beacon.mockRestore());
    await import('./index');
    const first = w.piste;
    vi.resetModules(); // the second tag runs the script again
    await import('./index');
    expect(w.piste).toBe(first);
    const form = document.createElement('form');
    form.innerHTML = '<input name="email" value="ada@acme.io">';
    document.body.append(form);
    form.addEventListener('submit', (e) => e.preventDefault());
    form.requestSubmit();
    w.piste!('track', 'once');
    await vi.advanceTimersByTimeAsync(1000);
    form.remove();
    const events = posts.flatMap(([, body]) => JSON.parse(body).events) as WireEvent[];
    expect(events.map((e) => e.name ?? e.type)).toEqual(['pageview', 'form_submit', 'once']);
  });

  it('stores and sends nothing with data-consent="required" until consent(true)', async () => {
    const posts = tag({ 'data-site': 'site1', 'data-consent': 'required' });
    await import('./index');
    await vi.advanceTimersByTimeAsync(1000);
    expect(posts).toEqual([]);
    expect(localStorage.length).toBe(0);
    w.piste!('consent', true);
    await vi.advanceTimersByTimeAsync(1000);
    expect(posts).toHaveLength(1);
  });
});
