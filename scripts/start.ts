// `npm start`: migrate the embedded database, make sure site `demo` and a first user exist, run the collector and the demo site.
import { loadConfig, ConfigError } from '../collector/config';
import { ensureAdmin } from '../collector/dashboard/admin';
import { openDatabase } from '../collector/db/open';
import type { Database } from '../collector/db/repository';
import { startServer } from '../collector/server';
import { createDemoServer } from '../demo-site/serve';

/** Site `demo` accepts beacons from the demo server at this port (added when missing, e.g. after DEMO_PORT changed). */
async function ensureDemoSite(db: Database, demoPort: number, now: number): Promise<void> {
  const origins = [`http://localhost:${demoPort}`, `http://127.0.0.1:${demoPort}`];
  const site = await db.getSite('demo');
  if (!site) {
    await db.createSite({ key: 'demo', name: 'Northwind demo', origins }, now);
    return;
  }
  const missing = origins.filter((o) => !site.origins.includes(o));
  if (missing.length) await db.updateSiteOrigins('demo', [...site.origins, ...missing]);
}

async function main(): Promise<void> {
  const config = loadConfig(process.env);
  const db = await openDatabase(config.databaseUrl); // applies pending migrations
  await ensureDemoSite(db, config.demoPort, Date.now());
  const admin = await ensureAdmin(db, config, { generate: true, log: () => {} });

  const collector = await startServer({ config, db });
  const collectorUrl = `http://localhost:${collector.port}`;
  const demo = await createDemoServer({ port: config.demoPort, collectorUrl });
  const demoUrl = `http://localhost:${demo.port}`;

  const email = admin.created ? admin.email : (await db.listUsers())[0]?.email;
  const signIn = admin.created && admin.password
    ? `${email} / ${admin.password}   (shown once: note it now)`
    : admin.created || config.adminPassword
      ? `${email} / the password in PISTE_ADMIN_PASSWORD`
      : `${email} / the password printed by the first \`npm start\` (or add a user: npx piste user add EMAIL)`;
  console.log(
    [
      '',
      'Piste is running.',
      `  Demo site:  ${demoUrl}      browse it, then fill in a form: you become a lead`,
      `  Dashboard:  ${collectorUrl}`,
      `  Sign in:    ${signIn}`,
      `  Data:       ${config.databaseUrl}`,
      'Press Ctrl-C to stop.',
      '',
    ].join('\n'),
  );

  // startServer closes the collector on SIGINT/SIGTERM and exits; the demo server closes first, in the same tick.
  const stopDemo = () => void demo.close().catch(() => {});
  process.once('SIGINT', stopDemo);
  process.once('SIGTERM', stopDemo);
}

main().catch((err) => {
  console.error(err instanceof ConfigError ? `piste: ${err.message}` : err);
  process.exit(1);
});
