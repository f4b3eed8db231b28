// GET /piste.js: content type, ETag and 304, caching, CORS, and 503 before the script is built.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { createApp } from '../app';
import { loadConfig } from '../config';
import { openDatabase } from '../db/open';
import { loadScript } from './script';

async function appWith(script: ReturnType<typeof loadScript>) {
  return createApp({ db: await openDatabase(':memory:'), config: loadConfig({}), script });
}

describe('GET /piste.js', () => {
  it('serves the built script with a strong ETag, caching and CORS, and 304 on If-None-Match', async () => {
    const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'piste-js-')), 'piste.js');
    fs.writeFileSync(file, '(()=>{})();');
    const app = await appWith(loadScript(file));
    const res = await app.request('/piste.js');
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('application/javascript; charset=utf-8');
    expect(res.headers.get('cache-control')).toBe('public, max-age=86400, stale-while-revalidate=604800');
    expect(res.headers.get('access-control-allow-origin')).toBe('*');
    const etag = res.headers.get('etag')!;
    expect(etag).toMatch(/^"[^"]+"$/);
    expect(await res.text()).toBe('(()=>{})();');
    const again = await app.request('/piste.js', { headers: { 'if-none-match': etag } });
    expect(again.status).toBe(304);
    expect(await again.text()).toBe('');
  });

  it('answers 503 in the error shape when the script is not built', async () => {
    expect(loadScript('/nonexistent/piste.js')).toBeNull();
    const res = await (await appWith(null)).request('/piste.js');
    expect(res.status).toBe(503);
    expect((await res.json()).error.code).toBe('not_built');
  });
});
