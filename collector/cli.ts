// The `piste` command line: serve, migrate, site add, user add, token create. Exit codes: 0 ok, 1 error, 2 usage.
import { setFlagsFromString } from 'node:v8';
import { createInterface } from 'node:readline/promises';
import cliProgress from 'cli-progress';
import { Command, CommanderError, InvalidArgumentError } from 'commander';
import { ZodError } from 'zod';
import { hashPassword } from './auth/password';
import { isUserEmail, normalizeUserEmail } from './auth/user-email';
import { hashToken, newSecretToken } from './auth/tokens';
import { systemClock } from './clock';
import type { TrainSiteResult } from './predict/site';
import { ConfigError, loadConfig, type Config } from './config';
import { openDatabase } from './db/open';
import { parseDatabaseUrl } from './db/url';
import { ConflictError, type Database } from './db/repository';
import { ApiError } from './errors';
import { newId } from './ids';

/** An error the CLI prints as is (no stack) before exiting 1. */
class CliError extends Error {}

async function withDatabase<T>(env: NodeJS.ProcessEnv, fn: (db: Database, config: Config) => Promise<T>): Promise<T> {
  const config = loadConfig(env);
  const db = await openDatabase(config.databaseUrl);
  try {
    return await fn(db, config);
  } finally {
    await db.close();
  }
}

async function readPassword(env: NodeJS.ProcessEnv, given?: string): Promise<string> {
  const password = given ?? env.PISTE_ADMIN_PASSWORD ?? (await prompt('Password: '));
  if (password.length < 8) throw new CliError('the password must be at least 8 characters');
  return password;
}

/** Asks in a terminal; otherwise reads the first line piped in (`echo "$PASSWORD" | piste user add …`). */
async function prompt(question: string): Promise<string> {
  const terminal = process.stdin.isTTY;
  const rl = createInterface({ input: process.stdin, output: terminal ? process.stdout : undefined, terminal });
  try {
    if (terminal) return (await rl.question(question)).trim();
    for await (const line of rl) return line.trim();
    throw new CliError('no password: pass --password, set PISTE_ADMIN_PASSWORD, pipe it in, or run in a terminal');
  } finally {
    rl.close();
  }
}

export function buildProgram(env: NodeJS.ProcessEnv, out: (line: string) => void): Command {
  const program = new Command('piste')
    .description('Piste: self-hosted, first-party lead tracking. Configuration comes from the environment (see README).')
    .exitOverride()
    .showHelpAfterError();

  program
    .command('serve')
    .description('apply pending migrations and start the collector on $PORT (8787)')
    .action(async () => {
      const config = loadConfig(env);
      limitHeapGrowth();
      const { startServer } = await import('./server'); // the whole app: loaded for `serve` only, so other commands start fast
      const server = await startServer({ config });
      out(`Piste collector listening on http://localhost:${server.port}`);
    });

  program
    .command('migrate')
    .description('apply pending database migrations and exit')
    .action(() => withDatabase(env, async () => out('migrations applied')));

  const site = program.command('site').description('manage sites');
  site
    .command('add')
    .description('add a site and the origins allowed to send its beacons')
    .argument('<key>', 'site key used in data-site (lower-case letters, digits, - and _)')
    // Repeated, not variadic: `--origin <url...>` also took the key when the options came first.
    .requiredOption('--origin <url>', 'allowed origin, e.g. https://www.example.com (repeatable)', (url: string, earlier?: string[]) => [...(earlier ?? []), url])
    .option('--name <name>', 'display name (default: the key)')
    .action((key: string, opts: { origin: string[]; name?: string }) =>
      withDatabase(env, async (db, config) => {
        // The API's createSite: the CLI, POST /api/sites and the dashboard accept the same keys and origins.
        const { createSite } = await import('./api/admin'); // each command loads what it uses: they start faster
        const created = await createSite({ db, config, clock: systemClock }, { key, name: opts.name, origins: opts.origin });
        out(`site "${created.key}" added (origins: ${created.origins.join(', ')})`);
        out(`<script defer src="http://localhost:${config.port}/piste.js" data-site="${created.key}"></script>`);
      }),
    );

  const user = program.command('user').description('manage dashboard users');
  user
    .command('add')
    .description('add a dashboard user (password from --password, $PISTE_ADMIN_PASSWORD or a prompt)')
    .argument('<email>', 'the sign-in email')
    .option('--password <password>', 'the password (at least 8 characters)')
    .action(async (rawEmail: string, opts: { password?: string }) => {
      const email = normalizeUserEmail(rawEmail);
      if (!isUserEmail(email)) throw new CliError(`invalid email "${rawEmail}"`);
      const passwordHash = await hashPassword(await readPassword(env, opts.password));
      await withDatabase(env, async (db) => {
        await db.createUser({ id: newId(), email, passwordHash, createdAt: systemClock.now() });
        out(`user ${email} added`);
      });
    });

  user
    .command('passwd')
    .description("set a dashboard user's password (as user add) and end every session of theirs")
    .argument('<email>', 'the sign-in email')
    .option('--password <password>', 'the new password (at least 8 characters)')
    .action(async (rawEmail: string, opts: { password?: string }) => {
      const email = normalizeUserEmail(rawEmail);
      await withDatabase(env, async (db) => {
        const found = await db.getUserByEmail(email);
        if (!found) throw new CliError(`no user "${email}"`);
        await db.setUserPassword(found.id, await hashPassword(await readPassword(env, opts.password)));
        out(`password of ${email} changed; their sessions have ended`);
      });
    });
  user
    .command('remove')
    .description('remove a dashboard user; their sessions end at once')
    .argument('<email>', 'the sign-in email')
    .action((rawEmail: string) =>
      withDatabase(env, async (db) => {
        const email = normalizeUserEmail(rawEmail);
        const found = await db.getUserByEmail(email);
        if (!found || !(await db.deleteUser(found.id))) throw new CliError(`no user "${email}"`);
        out(`user ${email} removed`);
      }),
    );

  const token = program.command('token').description('manage API tokens');
  token
    .command('create')
    .description('create an API token for Authorization: Bearer (printed once, stored hashed)')
    .option('--name <name>', 'what the token is for')
    .action((opts: { name?: string }) =>
      withDatabase(env, async (db) => {
        const secret = newSecretToken();
        await db.createApiToken({ id: newId(), name: opts.name ?? null, tokenHash: hashToken(secret), createdAt: systemClock.now(), lastUsedAt: null });
        out(secret);
      }),
    );

  program
    .command('purge')
    .description('apply the retention period: delete events older than $PISTE_RETENTION_DAYS (760) and visitors left without events')
    .action(() =>
      withDatabase(env, async (db, config) => {
        const { purge } = await import('./purge');
        const r = await purge(db, { now: systemClock.now(), retentionDays: config.retentionDays });
        out(`purged ${r.events} events, ${r.visitors} anonymous visitors and ${r.deliveries} webhook deliveries older than ${new Date(r.before).toISOString()} (${config.retentionDays} days); ${r.leads} leads recounted`);
      }),
    );

  program
    .command('rescore')
    .description('recompute every score, grade and automatic stage from stored history (after a rules change); idempotent')
    .option('--site <key>', 'only this site (default: every site)')
    .action((opts: { site?: string }) =>
      withDatabase(env, async (db, config) => {
        const { rescoreSite } = await import('./leads/rescore');
        const keys = opts.site ? [opts.site] : (await db.listSites()).map((s) => s.key);
        // A second connection (a worker thread) rescores beside this one; not to a private in-memory database.
        const location = parseDatabaseUrl(config.databaseUrl);
        const databaseUrl = location.dialect === 'sqlite' && location.filename === ':memory:' ? undefined : config.databaseUrl;
        if (opts.site && !(await db.getSite(opts.site))) throw new CliError(`no site "${opts.site}"`);
        const now = systemClock.now();
        for (const key of keys) {
          // The bar goes to stderr so stdout keeps only the summary lines.
          const bar = new cliProgress.SingleBar({ stream: process.stderr, format: `${key} [{bar}] {value}/{total}`, noTTYOutput: false }, cliProgress.Presets.shades_classic);
          bar.start(0, 0);
          try {
            const r = await rescoreSite(db, key, { now, databaseUrl, onProgress: ({ done, total }) => (bar.setTotal(total), bar.update(done)) });
            bar.stop();
            out(`site "${key}": rescored ${r.leads} leads and ${r.visitors} anonymous visitors; ${r.moved} leads moved forward`);
          } catch (err) {
            bar.stop();
            if (err instanceof ZodError) throw new CliError(`site "${key}" has invalid rules: ${err.issues[0]?.message ?? err.message}`);
            throw err;
          }
        }
      }),
    );

  program
    .command('train')
    .description('train the predictive model (probability of reaching sql) on stored history; stores it as the active version')
    .option('--site <key>', 'only this site (default: every site)')
    .option('--window-days <n>', 'label: reached sql within this many days of becoming a lead', positiveInt, 30)
    .option('--observe-days <n>', 'features are read this many days after a lead became one', nonNegativeInt, 7)
    .option('--min-positives <n>', 'refuse to train with fewer leads that reached sql', nonNegativeInt, 20)
    .option('--seed <n>', 'seed for a reproducible run', nonNegativeInt, 1)
    .action((opts: { site?: string; windowDays: number; observeDays: number; minPositives: number; seed: number }) =>
      withDatabase(env, async (db) => {
        const { trainSite } = await import('./predict/site');
        const keys = opts.site ? [opts.site] : (await db.listSites()).map((s) => s.key);
        if (keys.length === 0) throw new CliError('no site yet: add one with `piste site add`');
        const failures: string[] = [];
        for (const key of keys) {
          const r = await trainSite(db, key, { now: systemClock.now(), windowDays: opts.windowDays, observeDays: opts.observeDays, minPositives: opts.minPositives, seed: opts.seed });
          if (!r.ok) {
            failures.push(r.message);
            continue;
          }
          for (const line of trainReport(key, r)) out(line);
        }
        if (failures.length > 0) throw new CliError(failures.join('\npiste: '));
      }),
    );

  return program;
}

function positiveInt(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1 || n > 3650) throw new InvalidArgumentError('expected a whole number from 1 to 3650');
  return n;
}

function nonNegativeInt(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0 || n > 1_000_000) throw new InvalidArgumentError('expected a whole number, 0 or more');
  return n;
}

/** The held-out metrics next to the rules' AUC on the same leads, as a small table. */
function trainReport(site: string, r: Extract<TrainSiteResult, { ok: true }>): string[] {
  const m = r.metrics;
  const f = (v: number) => (Number.isFinite(v) ? v.toFixed(3) : 'n/a');
  return [
    `site "${site}": model v${r.version} trained on ${m.nTrain} leads, tested on the ${m.nTest} most recent (label: reached sql within ${m.windowDays} days; ${m.positives} of ${m.rows} did)`,
    '                     model   rules',
    `  AUC                ${f(m.auc)}   ${f(m.ruleAuc)}`,
    `  precision top 10%  ${f(m.precisionAt10)}           (share of all leads that reached sql: ${f(m.positives / m.rows)})`,
    `  Brier score        ${f(m.brier)}`,
    m.auc > m.ruleAuc
      ? '  the model ranks the test leads better than the rule score'
      : '  the model does not rank the test leads better than the rule score: keep relying on the rules',
    `  probability updated for ${r.updated} leads`,
  ];
}

/**
 * Under load the collector keeps ≈ 30 MB of live objects, but V8 lets the old generation grow to about four times the
 * live size before a full collection (its default on a machine with this much memory), which took RSS past 250 MB.
 * Little of the ingest's garbage reaches the old generation, so letting it grow by a quarter costs only an occasional
 * full collection (marked concurrently). V8 reads this flag at every collection, so setting it once the process runs
 * takes effect.
 */
function limitHeapGrowth() {
  setFlagsFromString('--heap-growing-percent=25');
}

/** Runs the CLI; resolves with the exit code (serve keeps running and resolves 0 once listening). */
export async function main(argv: string[], env: NodeJS.ProcessEnv = process.env): Promise<number> {
  const program = buildProgram(env, (line) => console.log(line));
  try {
    await program.parseAsync(argv, { from: 'user' });
    return 0;
  } catch (err) {
    if (err instanceof CommanderError) return err.exitCode === 0 ? 0 : 2;
    if (err instanceof ConfigError || err instanceof CliError || err instanceof ConflictError || err instanceof ApiError) {
      console.error(`piste: ${err.message}`);
      return 1;
    }
    const clear = systemErrorMessage(err, env);
    if (clear) {
      console.error(`piste: ${clear}`);
      return 1;
    }
    console.error('piste:', err);
    return 1;
  }
}

/** One line for the system errors an operator causes and can fix: a port in use, a database that does not answer. */
function systemErrorMessage(err: unknown, env: NodeJS.ProcessEnv): string | undefined {
  const e = err as NodeJS.ErrnoException & { port?: number; address?: string };
  if (e?.code === 'EADDRINUSE') return `port ${e.port ?? env.PORT ?? 8787} is already in use: stop what listens there, or set PORT`;
  if (e?.code === 'EACCES' && e.syscall === 'listen') return `not allowed to listen on port ${e.port ?? env.PORT}: choose a PORT above 1023`;
  if (['ECONNREFUSED', 'ENOTFOUND', 'ETIMEDOUT', 'EAI_AGAIN'].includes(e?.code ?? '')) {
    return `the database does not answer (${e.code}${e.address ? ` ${e.address}${e.port ? `:${e.port}` : ''}` : ''}): check DATABASE_URL and that the server runs`;
  }
  if (err instanceof AggregateError && err.errors.length) return systemErrorMessage(err.errors[0], env);
  return undefined;
}
