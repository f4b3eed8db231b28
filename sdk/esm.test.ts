// @vitest-environment happy-dom
import { afterEach, describe, expect, it, vi } from 'vitest';

describe('the ESM entry', () => {
  afterEach(() => vi.unstubAllGlobals());

  it('fails loudly on a missing site or collector URL', async () => {
    vi.resetModules();
    const { init } = await import('./esm');
    expect(() => init({ site: '', api: 'https://c.test' })).toThrow(/site/);
    expect(() => init({ site: 's', api: 'c.test' })).toThrow(/collector URL/);
  });

  it('takes a path on this site for a collector behind its own proxy', async () => {
    vi.resetModules();
    localStorage.clear();
    const posts: string[] = [];
    vi.stubGlobal('fetch', async (url: string | URL) => (posts.push(String(url)), new Response(null, { status: 202 })));
    const piste = await import('./esm');
    piste.init({ site: 's1', api: '/piste/' });
    await new Promise((r) => setTimeout(r, 1200));
    expect(posts[0]).toBe(`${location.origin}/piste/e`);
    piste.consent(false);
  });

  it('replays calls made before init, in order, to `${api}/e`', async () => {
    vi.resetModules();
    localStorage.clear();
    const posts: [string, string][] = [];
    vi.stubGlobal('fetch', async (url: string | URL, init: RequestInit) => {
      posts.push([String(url), init.body as string]);
      return new Response(null, { status: 202 });
    });
    const piste = await import('./esm');
    piste.track('before_init', { plan: 'pro' });
    piste.init({ site: 's1', api: 'https://collector.test/' });
    piste.identify('ada@example.com');
    await new Promise((r) => setTimeout(r, 1200));
    expect(posts[0][0]).toBe('https://collector.test/e');
    const events = posts.flatMap(([, body]) => JSON.parse(body).events);
    expect(events.map((e: { type: string }) => e.type)).toEqual(['pageview', 'track', 'identify']);
    piste.consent(false);
  });
});
