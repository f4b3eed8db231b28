// The bench's seeded data set: built once per (size, seed, storage code) through seedSynthetic, then copied from a cache.
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import BetterSqlite3 from 'better-sqlite3';
import { seedSynthetic } from './seed';

export type DatasetOptions = {
  root: string;
  site: string;
  leads: number;
  events: number;
  seed: number;
  /** keep a copy under data/bench-cache and reuse it while the storage code and generator are unchanged */
  cache: boolean;
  /** the migrated SQLite file (site already added) to fill */
  target: string;
  log(line: string): void;
};

/** Fills `target` with the data set; says where it came from (seeded now, at what rate, or the cache). */
export async function datasetFile(o: DatasetOptions): Promise<{ leads: number; source: string }> {
  const cacheFile = path.join(o.root, 'data/bench-cache', `${o.site}-seed${o.seed}-${o.leads}-${o.events}-${codeHash(o.root)}.db`);
  let source: string;
  if (o.cache && fs.existsSync(cacheFile)) {
    for (const suffix of ['-wal', '-shm']) fs.rmSync(o.target + suffix, { force: true });
    fs.copyFileSync(cacheFile, o.target);
    source = `cached copy of a seedSynthetic run (${path.relative(o.root, cacheFile)})`;
  } else {
    o.log(`seeding ${o.leads} leads / ~${o.events} events through the collector's ingest code…`);
    const seeded = await seedSynthetic({ databaseUrl: `file:${o.target}`, site: o.site, leads: o.leads, events: o.events, seed: o.seed, progress: process.stdout.isTTY });
    source = `seeded now in ${seeded.seconds.toFixed(1)} s, ${Math.round(seeded.eventsPerSecond)} events/s`;
    if (o.cache) {
      fs.mkdirSync(path.dirname(cacheFile), { recursive: true });
      fs.copyFileSync(o.target, cacheFile); // closing the database checkpointed the WAL into the main file
    }
  }
  // On disk before anything is timed: the write-back of a freshly written 650 MB file otherwise runs during the rescore
  // that follows (11.5 s against 9 s in one run right after seeding).
  for (const file of [o.target, cacheFile]) if (fs.existsSync(file)) flushToDisk(file);
  const db = new BetterSqlite3(o.target, { readonly: true });
  try {
    return { leads: (db.prepare('SELECT count(*) AS n FROM leads WHERE site = ?').get(o.site) as { n: number }).n, source };
  } finally {
    db.close();
  }
}

/** Waits until `file` is on disk (its write-back would otherwise run during whatever is timed next). */
export function flushToDisk(file: string) {
  const fd = fs.openSync(file, 'r+');
  try {
    fs.fsyncSync(fd);
  } finally {
    fs.closeSync(fd);
  }
}

/** Changes to the schema, the generator or the ingest code make a new data set. */
function codeHash(root: string): string {
  const hash = createHash('sha256');
  const migrations = path.join(root, 'collector/db/migrations/sqlite');
  const files = [
    ...fs.readdirSync(migrations).filter((f) => f.endsWith('.sql')).sort().map((f) => path.join(migrations, f)),
    ...['bench/synthetic.ts', 'bench/seed.ts', 'collector/ingest/process.ts', 'collector/db/sqlite.ts'].map((f) => path.join(root, f)),
  ];
  for (const file of files) hash.update(fs.readFileSync(file));
  return hash.digest('hex').slice(0, 10);
}
