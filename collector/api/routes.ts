// The /api/* routes of SPEC §5: thin HTTP adapters over the service functions (the dashboard calls those directly).
import { Hono, type Context } from 'hono';
import { requestOrigin } from '../auth/request-origin';
import { ApiError } from '../errors';
import type { ManualAction } from '../stages';
import * as admin from './admin';
import { apiAuth, type ApiEnv, type SessionAuth } from './auth';
import type { ApiContext } from './context';
import { getFunnel, parseFunnelQuery } from './funnel';
import * as leads from './leads';
import { parseJsonBody } from './validate';

export type ApiDeps = ApiContext & { sessionAuth?: SessionAuth };

/** JSON bodies are small settings objects: 256 KB is generous for a rules document. */
const MAX_BODY = 256 * 1024;

async function body(c: Context): Promise<unknown> {
  if (Number(c.req.header('content-length') ?? 0) > MAX_BODY) throw new ApiError(413, 'payload_too_large', 'The body is over 256 KB.');
  const text = await c.req.text();
  if (text.length > MAX_BODY) throw new ApiError(413, 'payload_too_large', 'The body is over 256 KB.');
  return parseJsonBody(text);
}

/**
 * The API as a Hono sub-app; every route (unknown ones too) needs credentials first.
 * @example createApp({ db, config, mount: [(app) => app.route('/api', apiRoutes({ db, config, clock }))] })
 */
export function apiRoutes(deps: ApiDeps): Hono<ApiEnv> {
  const ctx: ApiContext = { db: deps.db, config: deps.config, clock: deps.clock, lookup: deps.lookup };
  const api = new Hono<ApiEnv>();
  api.use('*', apiAuth({ db: deps.db, config: deps.config, clock: deps.clock, sessionAuth: deps.sessionAuth }));
  const noStore = async (c: Context, next: () => Promise<void>) => {
    await next();
    c.header('Cache-Control', 'no-store'); // personal data: never kept by a browser or proxy cache
  };
  api.use('*', noStore);

  api.get('/leads', async (c) => c.json(await leads.listLeads(ctx, leads.parseLeadsQuery(c.req.query()))));

  api.get('/leads.csv', async (c) => {
    const stream = await leads.leadsCsv(ctx, leads.parseLeadsQuery(c.req.query()));
    return c.body(stream, 200, {
      'Content-Type': 'text/csv; charset=utf-8',
      'Content-Disposition': 'attachment; filename="leads.csv"',
    });
  });

  api.get('/leads/:id', async (c) => c.json(await leads.getLeadDetail(ctx, c.req.param('id'))));

  for (const action of ['accept', 'qualify', 'reject'] as const satisfies readonly ManualAction[]) {
    api.post(`/leads/:id/${action}`, async (c) =>
      c.json(await leads.moveLead(ctx, c.req.param('id'), action, await body(c), c.get('principal').actor)),
    );
  }

  api.get('/leads/:id/export', async (c) => {
    const data = await leads.exportLead(ctx, c.req.param('id'));
    c.header('Content-Disposition', `attachment; filename="lead-${data.lead.id}.json"`);
    return c.json(data);
  });

  api.delete('/leads/:id', async (c) => {
    await leads.eraseLead(ctx, c.req.param('id'));
    return c.body(null, 204);
  });

  api.post('/leads/:id/links', async (c) => {
    const base = requestOrigin(c, { trustProxy: deps.config.trustProxy });
    return c.json(await leads.mintLeadLinks(ctx, c.req.param('id'), await body(c), base));
  });

  api.get('/funnel', async (c) => c.json(await getFunnel(ctx, parseFunnelQuery(c.req.query(), deps.clock.now()))));

  api.get('/sites', async (c) => c.json({ sites: await admin.listSites(ctx) }));
  api.post('/sites', async (c) => c.json(await admin.createSite(ctx, await body(c)), 201));
  api.put('/sites/:key', async (c) => c.json(await admin.updateSite(ctx, c.req.param('key'), await body(c))));
  api.get('/sites/:key/rules', async (c) => c.json(await admin.getSiteRules(ctx, c.req.param('key'))));
  api.put('/sites/:key/rules', async (c) => c.json(await admin.putSiteRules(ctx, c.req.param('key'), await body(c))));

  api.post('/webhooks', async (c) => c.json(await admin.createWebhook(ctx, await body(c)), 201));
  api.get('/webhooks', async (c) => c.json({ webhooks: await admin.listWebhooks(ctx) }));
  api.delete('/webhooks/:id', async (c) => {
    await admin.deleteWebhook(ctx, c.req.param('id'));
    return c.body(null, 204);
  });
  api.get('/webhooks/:id/deliveries', async (c) => c.json({ deliveries: await admin.listWebhookDeliveries(ctx, c.req.param('id')) }));

  api.post('/tokens', async (c) => c.json(await admin.createToken(ctx, await body(c)), 201));
  api.get('/tokens', async (c) => c.json({ tokens: await admin.listTokens(ctx) }));
  api.delete('/tokens/:id', async (c) => {
    await admin.deleteToken(ctx, c.req.param('id'));
    return c.body(null, 204);
  });

  return api;
}
