// GET /piste.js: the built script, read once at startup, served with a strong ETag, an hour's cache and CORS *.
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Hono } from 'hono';
import { ApiError } from '../errors';

export type ScriptAsset = { body: string; etag: string };

// From collector/static/script.ts, or from its build, dist/collector/static/script.js.
const BUILT = import.meta.url.endsWith('.js');
export const DEFAULT_SCRIPT_PATH = fileURLToPath(new URL(BUILT ? '../../piste.js' : '../../dist/piste.js', import.meta.url));

/** Reads the built script; null when it has not been built (`npm run build`). */
export function loadScript(file = DEFAULT_SCRIPT_PATH): ScriptAsset | null {
  let body: string;
  try {
    body = fs.readFileSync(file, 'utf8');
  } catch {
    return null;
  }
  return { body, etag: `"${createHash('sha256').update(body).digest('base64url').slice(0, 27)}"` };
}

export function scriptRoutes(script: ScriptAsset | null): Hono {
  const routes = new Hono();
  routes.get('/piste.js', (c) => {
    c.header('Access-Control-Allow-Origin', '*');
    if (!script) throw new ApiError(503, 'not_built', 'The script is not built: run `npm run build`.');
    c.header('ETag', script.etag);
    // A long cache (SPEC §1) for a URL without a version: a day fresh, then a week served stale while the browser
    // revalidates with the ETag, so visitors get a new script within a day of an upgrade and rarely wait for one.
    c.header('Cache-Control', 'public, max-age=86400, stale-while-revalidate=604800');
    const ifNoneMatch = c.req.header('if-none-match');
    if (ifNoneMatch && ifNoneMatch.split(',').some((t) => t.trim() === script.etag || t.trim() === '*')) return c.body(null, 304);
    c.header('Content-Type', 'application/javascript; charset=utf-8');
    return c.body(script.body);
  });
  return routes;
}
