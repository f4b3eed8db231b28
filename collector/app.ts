// Builds the collector's Hono app from its dependencies; the server, the CLI and the tests all start from here.
import { Hono } from 'hono';
import { HTTPException } from 'hono/http-exception';
import type { ContentfulStatusCode } from 'hono/utils/http-status';
import { systemClock, type Clock } from './clock';
import type { Config } from './config';
import type { Database } from './db/repository';
import { isTransientDbError } from './db/transient';
import { ApiError, errorBody } from './errors';
import { createIngestMetrics, type IngestMetrics } from './ingest/metrics';
import type { IngestHooks } from './ingest/process';
import { createIngest } from './ingest/route';
import { emailLinkRoutes } from './leads/links';
import { scoringHooks } from './leads/score';
import { dashboard } from './dashboard/app';
import { createSessionStore, dashboardSessionAuth } from './dashboard/session';
import { apiRoutes } from './api/routes';
import { loadScript, scriptRoutes, type ScriptAsset } from './static/script';
import type { LookupAll } from './webhooks/ssrf';

export type AppDeps = {
  db: Database;
  config: Config;
  clock?: Clock;
  /** Steps run inside the ingest transaction after events are stored; default: scoring, stages, webhooks (leads/score). */
  ingestHooks?: IngestHooks;
  metrics?: IngestMetrics;
  /** The built script; read from dist/piste.js when not given. */
  script?: ScriptAsset | null;
  /** Route groups mounted by other parts (`/api`, `/o`, `/c`, the dashboard at `/`), after the core routes. */
  mount?: Array<(app: Hono) => void>;
  /** DNS resolution for the webhook SSRF check, shared by the API and the dashboard (tests pass a fake one). */
  lookup?: LookupAll;
};

export type Collector = { app: Hono; metrics: IngestMetrics; /** Commits every queued ingest request. */ drain(): Promise<void> };

export function createCollector({ db, config, clock = systemClock, ingestHooks = scoringHooks, metrics = createIngestMetrics(), script, mount = [], lookup }: AppDeps): Collector {
  const app = new Hono();
  const ingest = createIngest({ db, config, clock, metrics, hooks: ingestHooks });

  app.route('/', ingest.routes);
  app.route('/', scriptRoutes(script === undefined ? loadScript() : script));
  app.get('/healthz', async (c) => {
    try {
      await db.ping();
      return c.json({ ok: true });
    } catch {
      return c.json(errorBody('unavailable', 'The database does not answer.'), 503);
    }
  });
  // Email links: opens and clicks go through the same writer and scoring as beacons.
  app.route('/', emailLinkRoutes({ db, config, clock, write: ingest.writer.write }));
  // The JSON API (SPEC §5): bearer tokens, or the dashboard's cookie session (one session store for both).
  const sessions = createSessionStore({ db, clock });
  app.route('/api', apiRoutes({ db, config, clock, lookup, sessionAuth: dashboardSessionAuth(sessions) }));
  // Others mount here.
  for (const add of mount) add(app);
  // The dashboard's pages are its own paths only (its middleware skips everything else), so it can come last.
  dashboard({ db, config, clock, sessions, lookup })(app);

  app.notFound((c) => c.json(errorBody('not_found', 'Nothing here.'), 404));
  app.onError((err, c) => {
    if (err instanceof ApiError) return c.json(err.toBody(), err.status);
    if (err instanceof HTTPException) {
      const status = err.status as ContentfulStatusCode;
      return c.json(errorBody(status === 413 ? 'payload_too_large' : status === 401 ? 'unauthorized' : 'bad_request', err.message || 'Bad request.'), status);
    }
    // A busy or unreachable database is not the request's fault: 503 tells clients (the script too) to retry later.
    if (isTransientDbError(err)) {
      c.header('Retry-After', '1');
      return c.json(errorBody('unavailable', 'The database is busy or unreachable; retry later.'), 503);
    }
    console.error('unhandled error on %s %s', c.req.method, c.req.path, err);
    return c.json(errorBody('internal', 'Something went wrong on our side.'), 500);
  });
  return { app, metrics, drain: ingest.writer.drain };
}

/**
 * The collector's Hono app.
 * @example const app = createApp({ db: await openDatabase(':memory:'), config: loadConfig({}) }); await app.request('/healthz')
 */
export function createApp(deps: AppDeps): Hono {
  return createCollector(deps).app;
}
