// `npm run seed:synthetic -- --leads 100000 --events 1000000 [--db file:./data/bench.db] [--site demo] [--seed 1]`
import { Command } from 'commander';
import { positiveInt } from './args';
import { seedSynthetic } from './seed';

const count = positiveInt;

const program = new Command('seed:synthetic')
  .description('store a seeded synthetic data set (bench/synthetic.ts) through the collector\'s ingest code')
  .option('--leads <n>', 'identified visitors (about 30% of visitors)', count, 10_000)
  .option('--events <n>', 'about this many events in total', count, 100_000)
  .option('--db <url>', 'DATABASE_URL of the target database', process.env.DATABASE_URL ?? 'file:./data/bench.db')
  .option('--site <key>', 'site key (created when missing)', 'demo')
  .option('--seed <n>', 'random seed: the same seed gives the same data', count, 1)
  .parse();

const o = program.opts<{ leads: number; events: number; db: string; site: string; seed: number }>();
console.log(`seeding ${o.leads} leads / ~${o.events} events into ${o.db} (site ${o.site}, seed ${o.seed})`);
const result = await seedSynthetic({ databaseUrl: o.db, site: o.site, leads: o.leads, events: o.events, seed: o.seed, progress: process.stdout.isTTY });
console.log(
  `stored ${result.accepted} events (${result.duplicates} duplicates) in ${result.seconds.toFixed(1)} s: ` +
    `${Math.round(result.eventsPerSecond)} events/s; site ${o.site} now has ${result.leads} leads`,
);
