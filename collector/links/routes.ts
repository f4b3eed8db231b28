// Public email link routes: the open pixel `/o/:token.gif` and the click redirect `/c/:token`.
import { Hono } from 'hono';
import type { Clock } from '../clock';
import { errorBody } from '../errors';
import { verifyToken, type LinkSecret } from './tokens';

export type EmailEvent = { leadId: string; site: string; type: 'email_open' | 'email_click'; campaign?: string; url?: string };

export type LinkRoutesOptions = {
  secret: LinkSecret;
  clock: Clock;
  recordEmailEvent: (event: EmailEvent) => Promise<void>;
  /** Where a failure to record goes; the visitor still gets the pixel or the redirect (default console.error). */
  onError?: (err: unknown) => void;
};

// The classic 43-byte transparent 1×1 GIF.
const PIXEL = Uint8Array.from(Buffer.from('R0lGODlhAQABAIAAAAAAAP///yH5BAEAAAAALAAAAAABAAEAAAIBRAA7', 'base64'));
// Each open and click must reach the collector, never a cache.
const NO_STORE = 'no-store, max-age=0';

/**
 * Routes for signed email links, mounted at the collector root. Only a genuine token records an
 * event; the click route redirects only to the URL inside the signature (never an open redirect).
 *
 * @example app.route('/', linkRoutes({ secret: linkKey, clock, recordEmailEvent: (e) => repo.recordEmailEvent(e) }))
 */
export function linkRoutes(opts: LinkRoutesOptions): Hono {
  const { secret, clock, recordEmailEvent, onError = (err) => console.error('email link:', err) } = opts;
  const app = new Hono();

  const record = async (event: EmailEvent) => {
    try {
      await recordEmailEvent(event);
    } catch (err) {
      onError(err);
    }
  };

  // Always the pixel, valid token or not: a mail client must never show a broken image.
  app.get('/o/:file', async (c) => {
    const file = c.req.param('file');
    const link = file.endsWith('.gif') ? verifyToken(secret, file.slice(0, -'.gif'.length), clock.now(), 'open') : null;
    if (link) await record({ leadId: link.leadId, site: link.site, type: 'email_open', campaign: link.campaign });
    return c.body(PIXEL, 200, { 'content-type': 'image/gif', 'cache-control': NO_STORE });
  });

  app.get('/c/:token', async (c) => {
    const link = verifyToken(secret, c.req.param('token'), clock.now(), 'click');
    c.header('cache-control', NO_STORE);
    if (!link || link.kind !== 'click') return c.json(errorBody('not_found', 'This link is invalid or has expired.'), 404);
    await record({ leadId: link.leadId, site: link.site, type: 'email_click', campaign: link.campaign, url: link.url });
    c.header('referrer-policy', 'no-referrer'); // the token must not leak to the destination site
    return c.redirect(link.url, 302);
  });

  return app;
}
