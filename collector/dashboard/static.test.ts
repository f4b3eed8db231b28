import { describe, expect, it } from 'vitest';
import { assetUrl, staticAssets } from './static';

describe('staticAssets', () => {
  it('serves the stylesheet and script with their types, an ETag and long caching for versioned URLs', async () => {
    const app = staticAssets();
    const css = await app.request(assetUrl('app.css'));
    expect(css.status).toBe(200);
    expect(css.headers.get('content-type')).toBe('text/css; charset=utf-8');
    expect(css.headers.get('cache-control')).toContain('immutable');
    expect(await css.text()).toContain('--accent');
    const js = await app.request('/static/app.js');
    expect(js.headers.get('content-type')).toBe('text/javascript; charset=utf-8');
    expect(js.headers.get('cache-control')).toBe('public, max-age=300');
    const again = await app.request('/static/app.js', { headers: { 'if-none-match': js.headers.get('etag')! } });
    expect(again.status).toBe(304);
    const icon = await app.request(assetUrl('favicon.svg'));
    expect(icon.headers.get('content-type')).toBe('image/svg+xml');
    expect(await icon.text()).toMatch(/^<svg /);
  });

  it('serves nothing else', async () => {
    const app = staticAssets();
    for (const path of ['/static/static.ts', '/static/..%2Fstatic.ts', '/static/constructor', '/static/__proto__', '/static/']) {
      const res = await app.request(path);
      expect(res.status, path).toBe(404);
    }
  });
});
