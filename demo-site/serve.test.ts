import { mkdtemp, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDemoServer, resolveDemoPath, type DemoServer } from './serve';

let demo: DemoServer;
beforeAll(async () => {
  demo = await createDemoServer({ port: 0, collectorUrl: 'http://127.0.0.1:9999/' });
});
afterAll(() => demo.close());

const get = (path: string, init?: RequestInit) => fetch(`${demo.url}${path}`, { redirect: 'manual', ...init });

describe('demo server', () => {
  it('serves the home page with the collector URL filled in', async () => {
    const res = await get('/');
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('text/html; charset=utf-8');
    const html = await res.text();
    expect(html).toContain('<script defer src="http://127.0.0.1:9999/piste.js" data-site="demo"></script>');
    expect(html).not.toContain('__PISTE_COLLECTOR__');
  });

  it('resolves clean URLs to their index.html', async () => {
    for (const path of ['/pricing', '/pricing/', '/careers', '/docs/', '/demo', '/thank-you']) {
      const res = await get(path);
      expect(res.status, path).toBe(200);
      expect(await res.text(), path).toContain('<script defer src="http://127.0.0.1:9999/piste.js"');
    }
    expect(await (await get('/pricing')).text()).toContain('<title>Pricing');
  });

  it('answers every /tour/… path with the tour page (SPA fallback)', async () => {
    for (const path of ['/tour', '/tour/', '/tour/approvals', '/tour/anything/deep']) {
      const res = await get(path);
      expect(res.status, path).toBe(200);
      expect(await res.text()).toContain('data-tour');
    }
  });

  it('serves assets with their type and unknown paths as 404', async () => {
    expect((await get('/style.css')).headers.get('content-type')).toBe('text/css; charset=utf-8');
    expect((await get('/site.js')).headers.get('content-type')).toBe('text/javascript; charset=utf-8');
    expect((await get('/nope')).status).toBe(404);
    expect((await get('/%E0%A4%A')).status).toBe(404);
  });

  it('never serves its own source or anything outside demo-site/', async () => {
    for (const path of ['/serve.ts', '/serve.test.ts', '/../package.json', '/..%2Fpackage.json', '/%2E%2E/package.json',
      '/docs/..%2F..%2Fpackage.json', '/..%5Cpackage.json', '/%00index.html', '/....//package.json', '//etc/passwd']) {
      const res = await get(path);
      expect(res.status, path).toBe(404);
      expect(await res.text()).not.toContain('"devDependencies"');
    }
  });

  it('does not follow symlinks out of the root', async () => {
    const root = await mkdtemp(join(tmpdir(), 'demo-root-'));
    const outside = await mkdtemp(join(tmpdir(), 'demo-outside-'));
    await writeFile(join(outside, 'secret.txt'), 'secret');
    await symlink(join(outside, 'secret.txt'), join(root, 'leak.txt'));
    await writeFile(join(root, 'ok.txt'), 'ok');
    expect(await resolveDemoPath('/leak.txt', root)).toBeUndefined();
    expect(await resolveDemoPath('/ok.txt', root)).toBe(join(root, 'ok.txt'));
  });

  it('redirects form posts to the page they target (Post/Redirect/Get)', async () => {
    const res = await get('/thank-you/', { method: 'POST', body: 'name=Ada', headers: { 'content-type': 'application/x-www-form-urlencoded' } });
    expect(res.status).toBe(303);
    expect(res.headers.get('location')).toBe('/thank-you/');
  });
});
