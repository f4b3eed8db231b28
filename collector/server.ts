// Starts the collector on a port with @hono/node-server and shuts it down gracefully on SIGTERM/SIGINT.
import { serve, type ServerType } from '@hono/node-server';
import { createCollector, type AppDeps } from './app';
import type { Config } from './config';
import { systemClock } from './clock';
import { openDatabase } from './db/open';
import { ensureAdmin } from './dashboard/admin';
import { startPurgeJob } from './purge';
import { createWebhookWorker } from './webhooks/worker';
import type { Database } from './db/repository';

const WEBHOOK_TICK_MS = 1000;

export type RunningServer = { port: number; db: Database; close(): Promise<void> };

/**
 * Opens (and migrates) the database unless one is given, and listens on `config.port` (0 → any free port).
 * @example const server = await startServer({ config: loadConfig(process.env) })
 */
export async function startServer({ config, db, ...deps }: { config: Config; db?: Database } & Omit<Partial<AppDeps>, 'config' | 'db'>): Promise<RunningServer> {
  const database = db ?? (await openDatabase(config.databaseUrl));
  if (!db) database.checkpointInBackground?.(); // this process owns the database and writes it for as long as it runs
  // The first dashboard user, from PISTE_ADMIN_EMAIL/PASSWORD (npm start generates one instead: scripts/start.ts).
  await ensureAdmin(database, config, { generate: false, log: (line) => console.log(line) });
  const collector = createCollector({ ...deps, db: database, config });
  // Retention: first run a minute after start, then daily (unref'd timers; stopped on close).
  const purgeJob = startPurgeJob({ db: database, clock: deps.clock ?? systemClock, retentionDays: config.retentionDays, log: (line) => console.log(line) });
  // Webhooks: deliveries are stored with the stage change; this worker sends them (any number of collectors may run one).
  const webhookWorker = createWebhookWorker({ store: database, clock: deps.clock ?? systemClock, allowPrivate: config.webhookAllowPrivate });
  webhookWorker.start(WEBHOOK_TICK_MS);
  const server = await new Promise<ServerType>((resolve, reject) => {
    const s = serve({ fetch: collector.app.fetch, port: config.port }, () => resolve(s));
    s.once('error', reject); // a port in use: the caller says so (piste serve exits 1 with one line)
  }).catch(async (error) => {
    purgeJob.stop();
    webhookWorker.stop();
    if (!db) await database.close();
    throw error;
  });
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : config.port;

  let closing: Promise<void> | null = null;
  const close = () =>
    (closing ??= (async () => {
      // Stop accepting, let in-flight requests finish, commit the last group, then close the database.
      const stopped = new Promise<void>((resolve) => server.close(() => resolve()));
      await purgeJob.stop();
      await webhookWorker.stop(); // before the database closes: in-flight sends get recorded
      await stopped;
      await collector.drain();
      await database.close();
    })());
  const onSignal = () => {
    close().then(
      () => process.exit(0),
      (err) => {
        console.error(err);
        process.exit(1);
      },
    );
  };
  process.once('SIGTERM', onSignal);
  process.once('SIGINT', onSignal);
  return { port, db: database, close };
}
