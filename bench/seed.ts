// Stores bench/synthetic.ts traffic through the collector's own ingest code (processBatch inside writeGroup).
import cliProgress from 'cli-progress';
import { openDatabase } from '../collector/db/open';
import type { Database, Site } from '../collector/db/repository';
import { pageCategory } from '../collector/ingest/category';
import { identifyingEmail } from '../collector/ingest/email';
import { truncateIp } from '../collector/ingest/ip';
import { processBatch, type IngestHooks, type PreparedBatch, type PreparedEvent } from '../collector/ingest/process';
import { generateSynthetic, type SyntheticEvent } from './synthetic';

export type SeedOptions = {
  databaseUrl: string;
  site: string;
  leads: number;
  events: number;
  seed: number;
  /** events per beacon request, as the script batches them (≤ 10) */
  perRequest?: number;
  /** beacon requests committed together, as the group writer does under load */
  perTransaction?: number;
  /** steps the collector runs after storage (scoring, stages), when the caller has them */
  hooks?: IngestHooks;
  progress?: boolean;
};

export type SeedResult = { events: number; accepted: number; duplicates: number; leads: number; seconds: number; eventsPerSecond: number };

/**
 * Generates and stores a synthetic data set; creates the site (origin https://SITE.piste-demo.net) when missing.
 * @example await seedSynthetic({ databaseUrl: 'file:./data/bench.db', site: 'demo', leads: 10_000, events: 100_000, seed: 1 })
 */
export async function seedSynthetic(options: SeedOptions): Promise<SeedResult> {
  const { site: key, perRequest = 10, perTransaction = 200 } = options;
  const db = await openDatabase(options.databaseUrl);
  const bar = options.progress
    ? new cliProgress.SingleBar({ format: 'seed [{bar}] {percentage}% | {value}/{total} events | {eps} events/s | ETA {eta}s' }, cliProgress.Presets.shades_classic)
    : null;
  try {
    const site = (await db.getSite(key)) ?? (await db.createSite({ key, name: key, origins: [`https://${key}.piste-demo.net`] }, Date.now()));
    const started = performance.now();
    bar?.start(options.events, 0, { eps: 0 });
    let events = 0;
    let accepted = 0;
    let duplicates = 0;
    let group: PreparedBatch[] = [];
    const commit = async () => {
      const results = await db.writeGroup(group, (tx, batch) => processBatch(tx, batch, options.hooks));
      for (const r of results) {
        if (!r.ok) throw r.error;
        accepted += r.value.accepted;
        duplicates += r.value.duplicates;
      }
      group = [];
      bar?.update(events, { eps: Math.round(events / ((performance.now() - started) / 1000)) });
    };
    for (const batch of beaconBatches(site, generateSynthetic({ seed: options.seed, leads: options.leads, events: options.events, site: key }), perRequest)) {
      group.push(batch);
      events += batch.events.length;
      if (group.length >= perTransaction) await commit();
    }
    if (group.length > 0) await commit();
    bar?.update(events);
    bar?.stop();
    const seconds = (performance.now() - started) / 1000;
    return { events, accepted, duplicates, leads: await db.countLeads(key), seconds, eventsPerSecond: events / seconds };
  } finally {
    bar?.stop();
    await db.close();
  }
}

/** Groups consecutive events of one visitor into requests of at most `perRequest`, prepared as POST /e prepares them. */
function* beaconBatches(site: Site, records: Iterable<{ kind: string }>, perRequest: number): Generator<PreparedBatch> {
  let pending: SyntheticEvent[] = [];
  const flush = (): PreparedBatch => {
    const events = pending.map((r) => prepare(site, r));
    const first = pending[0];
    pending = [];
    return { site, receivedAt: events[events.length - 1].ts, ip: truncateIp(first.ip), ua: first.ua, events };
  };
  for (const record of records) {
    if (record.kind !== 'event') continue;
    const r = record as SyntheticEvent;
    if (pending.length > 0 && (pending.length >= perRequest || pending[0].event.vid !== r.event.vid)) yield flush();
    pending.push(r);
  }
  if (pending.length > 0) yield flush();
}

function prepare(site: Site, { event: e }: SyntheticEvent): PreparedEvent {
  return {
    id: e.id, vid: e.vid, sid: e.sid ?? null, type: e.type, ts: e.ts, url: e.url ?? null, ref: e.ref ?? null, title: e.title ?? null,
    cat: e.cat ?? pageCategory(site, e.url), name: e.name ?? null, props: e.props ?? null, email: e.email ?? null,
    traits: e.traits ?? null, form: e.form ?? null, identity: identifyingEmail(e.email),
  };
}

export type { Database };
