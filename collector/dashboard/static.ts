// The dashboard's one stylesheet, one script and its icon, served with content-hashed URLs and long caching.
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { Hono } from 'hono';

type Asset = { body: string; type: string; hash: string };

function load(name: string, type: string): Asset {
  const body = readFileSync(new URL(`./static/${name}`, import.meta.url), 'utf8');
  return { body, type, hash: createHash('sha256').update(body).digest('base64url').slice(0, 12) };
}

const ASSETS: Record<string, Asset> = {
  'app.css': load('app.css', 'text/css; charset=utf-8'),
  'app.js': load('app.js', 'text/javascript; charset=utf-8'),
  'favicon.svg': load('favicon.svg', 'image/svg+xml'),
};

/** The URL pages use for an asset, e.g. `/static/app.css?v=Ab12…`: a new deploy changes it, so caches never serve stale files. */
export function assetUrl(name: 'app.css' | 'app.js' | 'favicon.svg'): string {
  return `/static/${name}?v=${ASSETS[name].hash}`;
}

/**
 * A Hono sub-app serving `/static/app.css`, `/static/app.js` and `/static/favicon.svg`.
 * @example app.route('/', staticAssets());
 */
export function staticAssets(): Hono {
  const app = new Hono();
  app.get('/static/:file', (c) => {
    const asset = Object.hasOwn(ASSETS, c.req.param('file')) ? ASSETS[c.req.param('file')] : undefined;
    if (!asset) return c.json({ error: { code: 'not_found', message: 'No such file.' } }, 404);
    const etag = `"${asset.hash}"`;
    // Versioned URLs never change content; an unversioned request may see a new file after a deploy.
    const cacheControl = c.req.query('v') === asset.hash ? 'public, max-age=31536000, immutable' : 'public, max-age=300';
    const headers = { ETag: etag, 'Cache-Control': cacheControl, 'X-Content-Type-Options': 'nosniff' };
    if (c.req.header('if-none-match') === etag) return c.body(null, 304, headers);
    return c.body(asset.body, 200, { ...headers, 'Content-Type': asset.type });
  });
  return app;
}
