// Starts the collector on a port with @hono/node-server and shuts it down gracefully on SIGTERM/SIGINT.
import { serve, type ServerType } from '@hono/node-server';
import { createCollector, type AppDeps } from './app';
import type { Config } from './config';
import { openDatabase } from './db/open';
import type { Database } from './db/repository';

export type RunningServer = { port: number; db: Database; close(): Promise<void> };

/**
 * Opens (and migrates) the database unless one is given, and listens on `config.port` (0 → any free port).
 * @example const server = await startServer({ config: loadConfig(process.env) })
 */
export async function startServer({ config, db, ...deps }: { config: Config; db?: Database } & Omit<Partial<AppDeps>, 'config' | 'db'>): Promise<RunningServer> {
  const database = db ?? (await openDatabase(config.databaseUrl));
  const collector = createCollector({ ...deps, db: database, config });
  const server = await new Promise<ServerType>((resolve) => {
    const s = serve({ fetch: collector.app.fetch, port: config.port }, () => resolve(s));
  });
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : config.port;

  let closing: Promise<void> | null = null;
  const close = () =>
    (closing ??= (async () => {
      // Stop accepting, let in-flight requests finish, commit the last group, then close the database.
      await new Promise<void>((resolve) => server.close(() => resolve()));
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
