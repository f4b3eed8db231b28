// The SQLite repository: better-sqlite3 prepared statements held once, drizzle's migrator for the schema.
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import BetterSqlite3 from 'better-sqlite3';
import { drizzle } from 'drizzle-orm/better-sqlite3';
import { migrate } from 'drizzle-orm/better-sqlite3/migrator';
import { buildLeadQuery } from './lead-query';
import {
  ConflictError,
  purgedBatch,
  type ApiToken,
  type AuthSession,
  type GroupResult,
  type IngestTx,
  type Lead,
  type LeadFilter,
  type RescoreCursor,
  type Repository,
  type ScoredEventFields,
  type Site,
  type StageChange,
  type StoredEvent,
  type StoredModel,
  type User,
  type Visitor,
  type Webhook,
  type WebhookDelivery,
} from './repository';
import type { Delivery } from '../webhooks/store';
import { newId } from '../ids';

const MIGRATIONS = fileURLToPath(new URL('./migrations/sqlite', import.meta.url));

const LEAD_COLUMNS = `id, site, email, name, company, title, traits, stage, stage_at AS stageAt, rejected_at AS rejectedAt,
  score_key AS scoreKey, score_state AS scoreState, fit_points AS fitPoints, grade, probability,
  first_seen AS firstSeen, last_seen AS lastSeen, visits, pageviews, created_at AS createdAt`;
const EVENT_COLUMNS = `site, id, vid, lead_id AS leadId, session_id AS sessionId, type, ts, received_at AS receivedAt,
  url, ref, title, cat, name, props, email, traits, form, ip, ua`;
const VISITOR_COLUMNS = `site, vid, lead_id AS leadId, first_seen AS firstSeen, last_seen AS lastSeen,
  last_session_id AS lastSessionId, sessions, score_key AS scoreKey, score_state AS scoreState`;
const SITE_COLUMNS = `key, name, origins, rules, created_at AS createdAt`;
const WEBHOOK_COLUMNS = `id, site, url, events, secret, created_at AS createdAt`;
const DELIVERY_COLUMNS = `id, webhook_id AS webhookId, lead_id AS leadId, type, payload, status, attempts, next_attempt_at AS nextAttemptAt,
  last_status AS lastStatus, last_error AS lastError, created_at AS createdAt, delivered_at AS deliveredAt`;

type Row = Record<string, any>;
/** What a rescore page read of a row (the raw column values), compared again when its new values are stored. */
type LeadStamp = {
  pos: number; id: string; oldState: string | null; oldTraits: string; name: string | null; company: string | null; title: string | null;
  stage: string; rejectedAt: number | null; probability: number | null;
};
type VisitorStamp = { pos: number; site: string; vid: string; oldState: string | null };
/** The row rescore read, unchanged since: LeadStamp's values, in its order, as parameters. */
const STAMPED_LEAD = `rowid = ? AND id = ? AND score_state IS ? AND traits IS ? AND name IS ? AND company IS ? AND title IS ? AND stage = ?
  AND rejected_at IS ? AND probability IS ?`;
const json = (v: unknown) => (v === null || v === undefined ? null : JSON.stringify(v));
const unjson = (v: unknown) => (typeof v === 'string' ? JSON.parse(v) : null);

const toSite = (r: Row): Site => ({ ...r, origins: unjson(r.origins) ?? [], rules: unjson(r.rules) }) as Site;
const toLead = (r: Row): Lead => ({ ...r, traits: unjson(r.traits) ?? {}, scoreState: unjson(r.scoreState) }) as Lead;
/** A raw row's LEAD_COLUMNS values, from index `at`, as a Lead. */
const leadOfValues = (r: unknown[], at: number): Lead => ({
  id: r[at] as string, site: r[at + 1] as string, email: r[at + 2] as string, name: r[at + 3] as string | null, company: r[at + 4] as string | null,
  title: r[at + 5] as string | null, traits: unjson(r[at + 6]) ?? {}, stage: r[at + 7] as Lead['stage'], stageAt: r[at + 8] as number,
  rejectedAt: r[at + 9] as number | null, scoreKey: r[at + 10] as number, scoreState: unjson(r[at + 11]), fitPoints: r[at + 12] as number,
  grade: r[at + 13] as string | null, probability: r[at + 14] as number | null, firstSeen: r[at + 15] as number, lastSeen: r[at + 16] as number,
  visits: r[at + 17] as number, pageviews: r[at + 18] as number, createdAt: r[at + 19] as number,
});
/** A visitor's columns besides site and vid, in the order visitorOfValues reads them. */
const VISITOR_VALUES = 'lead_id, first_seen, last_seen, last_session_id, sessions, score_key, score_state';
/** A raw row's VISITOR_VALUES, from index `at`, as the Visitor `site`/`vid`. */
const visitorOfValues = (site: string, vid: string, r: unknown[], at: number): Visitor => ({
  site, vid, leadId: r[at] as string | null, firstSeen: r[at + 1] as number, lastSeen: r[at + 2] as number, lastSessionId: r[at + 3] as string,
  sessions: r[at + 4] as number, scoreKey: r[at + 5] as number, scoreState: unjson(r[at + 6]),
});
const toVisitor = (r: Row): Visitor => ({ ...r, scoreState: unjson(r.scoreState) }) as Visitor;
const toWebhook = (r: Row): Webhook => ({ ...r, events: unjson(r.events) }) as Webhook;
const toDelivery = (r: Row): WebhookDelivery => ({ ...r, payload: String(r.payload) }) as WebhookDelivery;
/**
 * What rescore reads of an event (`e`): few values, as converting each into a JS value is most of the cost of reading a
 * million rows. The type comes as its index in EVENT_TYPES.
 */
const EVENT_TYPES = ['pageview', 'form_submit', 'identify', 'track'] as const;
const RESCORE_EVENT_COLUMNS = `e.id, e.session_id, CASE e.type WHEN 'pageview' THEN 0 WHEN 'form_submit' THEN 1 WHEN 'identify' THEN 2 ELSE 3 END,
  e.ts, e.cat, e.name, CASE WHEN e.type = 'form_submit' THEN e.email END, CASE WHEN e.form IS NOT NULL THEN e.form -> '$.kind' END`;
/**
 * Each owner's events as one JSON array of RESCORE_EVENT_COLUMNS arrays, built by SQLite: one value per owner to bring
 * into JavaScript (then one `JSON.parse`) instead of nine per event, which cost a quarter to a half more for the leads'
 * events. An owner's events are held at once either way.
 */
const RESCORE_EVENTS = `json_group_array(json_array(${RESCORE_EVENT_COLUMNS}))`;
type RescoreEventValues = [string, string, number, number, string | null, string | null, string | null, unknown];
const byTsThenId = (a: ScoredEventFields, b: ScoredEventFields) => a.ts - b.ts || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0);

/**
 * A rescore page's events (raw rows: owner's rowid, then its RESCORE_EVENTS, in owner rowid order) onto the lists of
 * `owners` (the page, in rowid order), each list in (ts, id) order.
 */
function groupEvents(rows: unknown[][], owners: Array<{ pos: number; events: ScoredEventFields[] }>) {
  let i = 0;
  for (const r of rows) {
    while (i < owners.length && owners[i].pos < (r[0] as number)) i++;
    if (i === owners.length) break;
    if (owners[i].pos !== r[0]) continue; // an owner that is not on the page (stored since it was read)
    const events = owners[i].events;
    for (const e of JSON.parse(r[1] as string) as RescoreEventValues[]) {
      // The form's kind as stored JSON (`->`), so a kind that is not a string stays one, as on the live path.
      events.push({ id: e[0], sessionId: e[1], type: EVENT_TYPES[e[2]], ts: e[3], cat: e[4], name: e[5], email: e[6], form: e[7] === null ? null : { kind: e[7] } });
    }
    if (events.length > 1) events.sort(byTsThenId);
  }
}

const toEvent = (r: Row): StoredEvent =>
  ({ ...r, props: unjson(r.props), traits: unjson(r.traits), form: unjson(r.form) }) as StoredEvent;

/**
 * The collector's background checkpointer (checkpointInBackground): how often it runs, and the WAL size in pages
 * (≈ 40 MB) from which a commit checkpoints by itself again, so the WAL stays bounded if that thread falls behind.
 */
const CHECKPOINT_EVERY_MS = 100;
const FALLBACK_CHECKPOINT_PAGES = 10_000;
const DEFAULT_CHECKPOINT_PAGES = 1000; // SQLite's own default

/** Opens (creating its folder) a SQLite file or ':memory:' with WAL, busy_timeout 5000, synchronous=NORMAL, foreign keys. */
export function openSqlite(filename: string): SqliteRepository {
  if (filename !== ':memory:') fs.mkdirSync(path.dirname(filename), { recursive: true });
  const raw = new BetterSqlite3(filename);
  raw.pragma('journal_mode = WAL');
  raw.pragma('busy_timeout = 5000');
  raw.pragma('synchronous = NORMAL');
  raw.pragma('foreign_keys = ON');
  return new SqliteRepository(raw);
}

export class SqliteRepository implements Repository {
  readonly dialect = 'sqlite' as const;
  /** Serializes writeGroup calls: their awaits must not interleave inside one connection's transaction. */
  private writing: Promise<unknown> = Promise.resolve();
  private readonly s: ReturnType<typeof prepareStatements>;
  private readonly tx: IngestTx;
  /** Lead-list statements, one per filter combination (see buildLeadQuery), prepared on first use. */
  private readonly leadQueries = new Map<string, BetterSqlite3.Statement>();

  constructor(readonly raw: BetterSqlite3.Database) {
    this.migrateSync();
    this.s = prepareStatements(raw);
    this.tx = this.ingestTx();
  }

  /** Migrations run in the constructor: prepared statements need the tables. `migrate()` stays for the CLI. */
  private migrateSync() {
    migrate(drizzle({ client: this.raw }), { migrationsFolder: MIGRATIONS });
  }

  async migrate() {
    this.migrateSync();
  }

  async ping() {
    this.s.ping.get();
  }

  async close() {
    await this.writing.catch(() => {});
    await this.checkpointer?.stop();
    if (this.raw.open) this.raw.close();
  }

  private checkpointer: { stop(): Promise<void> } | null = null;

  /**
   * Copying committed pages from the WAL into the file (a checkpoint) took 40 % of each ingest COMMIT when the
   * committing connection did it every 1,000 pages. A worker thread with its own connection now does it every
   * CHECKPOINT_EVERY_MS, on the other core; commits only append to the WAL. Durability is unchanged: a commit is
   * complete once in the WAL, checkpointed or not.
   */
  checkpointInBackground() {
    if (this.checkpointer || this.raw.memory) return;
    this.raw.pragma(`wal_autocheckpoint = ${FALLBACK_CHECKPOINT_PAGES}`);
    const worker = new Worker(new URL('./checkpoint-worker.mjs', import.meta.url), {
      workerData: { filename: this.raw.name, everyMs: CHECKPOINT_EVERY_MS },
    });
    worker.unref(); // never keeps the process alive
    let reported = false;
    worker.on('message', (m: { error?: string }) => {
      if (!m.error || reported) return;
      reported = true; // once: it tries again every round
      console.error(`WAL checkpointer: ${m.error} (it tries again every ${CHECKPOINT_EVERY_MS} ms)`);
    });
    worker.on('error', (error) => console.error('WAL checkpointer stopped; commits checkpoint the WAL again:', error));
    const exited = new Promise<void>((resolve) => worker.once('exit', () => resolve()));
    exited.then(() => {
      this.checkpointer = null;
      if (this.raw.open) this.raw.pragma(`wal_autocheckpoint = ${DEFAULT_CHECKPOINT_PAGES}`);
    });
    this.checkpointer = {
      stop: async () => {
        worker.ref(); // until it has exited: an unref'd worker still starting up would let the process end mid-close
        worker.postMessage('stop');
        await exited;
      },
    };
  }

  writeGroup<I, R>(items: I[], fn: (tx: IngestTx, item: I) => Promise<R>): Promise<GroupResult<R>[]> {
    const run = this.writing.catch(() => {}).then(() => this.runGroup(items, fn));
    this.writing = run;
    return run;
  }

  /**
   * Optimistic first: the whole group in one transaction without savepoints (a savepoint pair per item costs more
   * than most items). If any item throws, everything is rolled back and the group re-runs with one savepoint per
   * item, so a failing item still rolls back only itself. Items must therefore be safe to run twice (they are:
   * their only effects are on this database).
   */
  private async runGroup<I, R>(items: I[], fn: (tx: IngestTx, item: I) => Promise<R>): Promise<GroupResult<R>[]> {
    let failure: unknown;
    const results = await this.inTransaction(async () => {
      const values: GroupResult<R>[] = [];
      for (const item of items) values.push({ ok: true, value: await fn(this.tx, item) });
      return values;
    }).catch((error) => {
      failure = error;
      return null;
    });
    if (results) return results;
    if (items.length === 1) return [{ ok: false, error: failure }]; // rolled back: exactly what its savepoint would do
    return this.inTransaction(async () => {
      const s = this.s;
      const results: GroupResult<R>[] = [];
      for (const item of items) {
        s.savepoint.run();
        try {
          const value = await fn(this.tx, item);
          s.release.run();
          results.push({ ok: true, value });
        } catch (error) {
          s.rollbackTo.run();
          s.release.run();
          results.push({ ok: false, error });
        }
      }
      return results;
    });
  }

  /** BEGIN IMMEDIATE … COMMIT around `work`; rolls back and rethrows when it (or the commit) throws. */
  private async inTransaction<T>(work: () => Promise<T>): Promise<T> {
    this.s.begin.run();
    try {
      const value = await work();
      this.s.commit.run();
      return value;
    } catch (error) {
      if (this.raw.inTransaction) this.raw.exec('ROLLBACK');
      throw error;
    }
  }

  private ingestTx(): IngestTx {
    const s = this.s;
    return {
      eventExists: async (site, id) => s.eventExists.get(site, id) !== undefined,
      insertEvent: async (e) =>
        s.insertEvent.run(
          e.site, e.id, e.vid, e.leadId, e.sessionId, e.type, e.ts, e.receivedAt, e.url, e.ref, e.title, e.cat,
          e.name, json(e.props), e.email, json(e.traits), json(e.form), e.ip, e.ua,
        ).changes === 1,
      getVisitor: async (site, vid) => this.visitorSync(site, vid),
      insertVisitor: async (v) => {
        s.insertVisitor.run(v.site, v.vid, v.leadId, v.firstSeen, v.lastSeen, v.lastSessionId, v.sessions, v.scoreKey, json(v.scoreState));
      },
      updateVisitor: async (site, vid, c) => {
        s.updateVisitor.run(c.leadId, c.firstSeen, c.lastSeen, c.lastSessionId, c.sessions, site, vid);
      },
      saveVisitor: async (v, stored) => {
        // A column in SET rewrites its index entries even with the same value: most events change neither lead nor first visit.
        if (v.leadId === stored.leadId && v.firstSeen === stored.firstSeen) {
          s.saveVisitorActivity.run(v.lastSeen, v.lastSessionId, v.sessions, v.scoreKey, json(v.scoreState), v.site, v.vid);
        } else {
          s.saveVisitor.run(v.leadId, v.firstSeen, v.lastSeen, v.lastSessionId, v.sessions, v.scoreKey, json(v.scoreState), v.site, v.vid);
        }
      },
      getLead: async (id) => this.leadSync(id),
      findOrCreateLead: async (l) => {
        const created =
          s.insertLead.run(
            l.id, l.site, l.email, l.name, l.company, l.title, json(l.traits), l.stage, l.stageAt, l.scoreKey, l.fitPoints,
            l.grade, l.firstSeen, l.lastSeen, l.visits, l.pageviews, l.createdAt,
          ).changes === 1;
        return { lead: toLead(s.leadByEmail.get(l.site, l.email) as Row), created };
      },
      attachAnonymousEvents: async (site, vid, leadId) => {
        const counts = s.anonymousCounts.get(site, vid) as Row;
        s.attachEvents.run(leadId, site, vid);
        return { pageviews: counts.pageviews ?? 0, sessions: counts.sessions ?? 0, firstTs: counts.firstTs, lastTs: counts.lastTs };
      },
      updateLeadActivity: async (id, c) => {
        s.updateLeadActivity.run(c.visits, c.pageviews, c.firstSeen, c.lastSeen, id);
      },
      updateLeadProfile: async (id, p) => {
        s.updateLeadProfile.run(p.name, p.company, p.title, json(p.traits), id);
      },
      insertStageChange: async (c) => this.insertStageChange(c),
      // --- scoring, stages and webhooks (collector/leads) ---
      setLeadStage: async (id, from, to, at, rejectedAt) =>
        (rejectedAt === undefined ? s.setLeadStage.run(to, at, id, from) : s.setLeadStageRejected.run(to, at, rejectedAt, id, from)).changes === 1,
      updateLeadScore: async (id, c) => {
        s.updateLeadScore.run(c.scoreKey, json(c.scoreState), c.fitPoints, c.grade, id);
      },
      updateVisitorScore: async (site, vid, c) => {
        s.updateVisitorScore.run(c.scoreKey, json(c.scoreState), site, vid);
      },
      listLeadEvents: async (leadId) => (s.allLeadEvents.all(leadId, leadId) as Row[]).map(toEvent),
      listAnonymousEvents: async (site, vid) => (s.anonymousEvents.all(site, vid) as Row[]).map(toEvent),
      latestVisitorOf: async (leadId) => (s.latestVisitorOf.get(leadId) as Row | undefined)?.vid,
      webhooksFor: async (site, event) =>
        (s.webhooksForSite.all(site) as Row[]).map(toWebhook).filter((w) => w.events === null || w.events.includes(event)),
      insertDelivery: async (d) => {
        s.insertDelivery.run(d.id, d.webhookId, d.leadId, d.type, d.payload, d.now, d.now);
      },
      // --- models ---
      activeModelRef: async (site) => this.modelStatements.activeRef.get(site) as { id: string; version: number } | undefined,
      getActiveModel: async (site) => this.getActiveModel(site),
      updateLeadProbability: async (id, probability) => {
        this.modelStatements.setProbability.run(probability, id);
      },
      // --- rescore --- (conditional: the row must still hold what the page read)
      storeRescoredLead: async (stamp, c) => {
        const w = stamp.row as LeadStamp;
        const was = [w.pos, w.id, w.oldState, w.oldTraits, w.name, w.company, w.title, w.stage, w.rejectedAt, w.probability];
        const score = [c.scoreKey, c.state, c.fitPoints, c.grade];
        // A column in SET rewrites its index entries even with the same value: probability is set only when it changed.
        const done = c.probability === w.probability ? s.storeRescoredLeadScore.run(...score, ...was) : s.storeRescoredLead.run(...score, c.probability, ...was);
        return done.changes === 1;
      },
      storeRescoredVisitor: async (stamp, c) => {
        const w = stamp.row as VisitorStamp;
        return s.storeRescoredVisitor.run(c.scoreKey, c.state, w.pos, w.site, w.vid, w.oldState).changes === 1;
      },
    };
  }

  /** The hot read of every event: a row as an array (no per-column property names to build), site and vid from the key. */
  private visitorSync(site: string, vid: string): Visitor | undefined {
    const r = this.s.visitorValues.get(site, vid) as unknown[] | undefined;
    return r && visitorOfValues(site, vid, r, 0);
  }

  private leadSync(id: string) {
    const row = this.s.lead.get(id) as Row | undefined;
    return row && toLead(row);
  }

  async getSite(key: string) {
    const row = this.s.site.get(key) as Row | undefined;
    return row && toSite(row);
  }

  async listSites() {
    return (this.s.sites.all() as Row[]).map(toSite);
  }

  async createSite(site: { key: string; name: string; origins: string[]; rules?: unknown }, now: number) {
    const done = this.s.insertSite.run(site.key, site.name, json(site.origins), json(site.rules ?? null), now);
    if (done.changes === 0) throw new ConflictError(`site "${site.key}" already exists`);
    return (await this.getSite(site.key))!;
  }

  async updateSiteOrigins(key: string, origins: string[]) {
    return this.s.updateSiteOrigins.run(json(origins), key).changes === 1;
  }

  async updateSiteRules(key: string, rules: unknown) {
    return this.s.updateSiteRules.run(json(rules), key).changes === 1;
  }

  async getLead(id: string) {
    return this.leadSync(id);
  }

  async getLeadByEmail(site: string, email: string) {
    const row = this.s.leadByEmail.get(site, email) as Row | undefined;
    return row && toLead(row);
  }

  async listLeads(filter: LeadFilter) {
    const query = buildLeadQuery(filter);
    let statement = this.leadQueries.get(query.key);
    if (!statement) {
      statement = this.raw.prepare(`SELECT ${LEAD_COLUMNS} FROM leads ${query.sql}`);
      this.leadQueries.set(query.key, statement);
    }
    return (statement.all(...query.params) as Row[]).map(toLead);
  }

  async countLeads(site: string) {
    return (this.s.countLeads.get(site) as Row).n as number;
  }

  async listLeadEvents(leadId: string, limit = 1000) {
    return (this.s.leadEvents.all(leadId, leadId, limit) as Row[]).map(toEvent);
  }

  async listVisitorEvents(site: string, vid: string, limit = 1000) {
    return (this.s.visitorEvents.all(site, vid, limit) as Row[]).map(toEvent);
  }

  async getVisitor(site: string, vid: string) {
    return this.visitorSync(site, vid);
  }

  async insertStageChange(c: StageChange) {
    this.s.insertStageChange.run({ id: c.id, leadId: c.leadId, from: c.from, to: c.to, at: c.at, cause: c.cause, actor: c.actor });
  }

  async listStageChanges(leadId: string) {
    return this.s.stageChanges.all(leadId) as StageChange[];
  }

  async createUser(u: User) {
    if (this.s.insertUser.run(u.id, u.email, u.passwordHash, u.createdAt).changes === 0) {
      throw new ConflictError(`user "${u.email}" already exists`);
    }
  }

  async getUserByEmail(email: string) {
    return this.s.userByEmail.get(email) as User | undefined;
  }

  async createApiToken(t: ApiToken) {
    this.s.insertToken.run(t.id, t.name, t.tokenHash, t.createdAt, t.lastUsedAt);
  }

  async findApiTokenByHash(tokenHash: string) {
    return this.s.tokenByHash.get(tokenHash) as ApiToken | undefined;
  }

  // --- API queries ---
  async listRecentLeadEvents(site: string, leadId: string, limit: number) {
    return (this.s.recentLeadEvents.all(site, leadId, limit) as Row[]).map(toEvent);
  }

  async listAllLeadEvents(site: string, leadId: string) {
    return (this.s.exportLeadEvents.all(site, leadId, site, leadId) as Row[]).map(toEvent);
  }

  async listLeadVisitors(site: string, leadId: string) {
    return (this.s.leadVisitors.all(site, leadId) as Row[]).map(toVisitor);
  }

  eraseLead(id: string) {
    return this.exclusive(() =>
      this.raw.transaction(() => {
        const lead = this.s.lead.get(id) as Row | undefined;
        if (!lead) return false;
        // Events of the lead's browsers first (by vid), while the visitors still name the lead.
        this.s.eraseVisitorEvents.run(lead.site, lead.site, id, id);
        this.s.eraseLeadEvents.run(lead.site, id);
        this.s.eraseVisitors.run(lead.site, id);
        this.s.eraseStageChanges.run(id);
        this.s.eraseDeliveries.run(id);
        this.s.eraseLead.run(id);
        return true;
      })(),
    );
  }

  async funnelCounts(site: string, from: number, to: number) {
    const visitors = (this.s.funnelVisitors.get(site, from, to) as Row).n as number;
    const r = this.s.funnelStages.get(site, from, to) as Row;
    const present = (counts: Record<string, number | null>) => Object.fromEntries(Object.entries(counts).filter(([, n]) => n));
    const entered = present({ lead: r.lead, mql: r.mql, sal: r.sal, sql: r.sql, recycled: r.recycled });
    const furthest = present({ lead: r.toLead, mql: r.toMql, sal: r.toSal, sql: r.toSql });
    return { visitors, entered, furthest };
  }

  async listApiTokens() {
    return this.s.tokens.all() as ApiToken[];
  }

  async deleteApiToken(id: string) {
    return this.s.deleteToken.run(id).changes === 1;
  }

  async touchApiToken(id: string, now: number, minIntervalMs: number) {
    this.s.touchToken.run(now, id, now - minIntervalMs);
  }

  // --- purge ---
  /** Runs after the group commit in progress, never inside it: the connection and its transaction are shared. */
  private exclusive<T>(fn: () => T): Promise<T> {
    const run = this.writing.catch(() => {}).then(fn);
    this.writing = run;
    return run;
  }

  deleteEventsBefore(before: number, limit: number) {
    return this.exclusive(() => purgedBatch(this.s.deleteEventsBefore.all(before, limit) as Array<{ site: string; vid: string; leadId: string | null }>));
  }

  deleteIdleAnonymousVisitors(before: number, limit: number) {
    return this.exclusive(() => this.s.deleteIdleAnonymousVisitors.run(before, limit).changes);
  }

  deleteDeliveriesBefore(before: number, limit: number) {
    return this.exclusive(() => this.s.deleteDeliveriesBefore.run(before, limit).changes);
  }

  recountLeadActivity(leadIds: string[]) {
    return this.exclusive(() => {
      this.raw.transaction(() => {
        for (const id of leadIds) this.s.recountLeadActivity.run(id);
      })();
    });
  }

  // --- auth sessions ---
  // Prepared on first use: the tables exist only after the constructor's migration.
  private authPrepared?: ReturnType<SqliteRepository['prepareAuth']>;
  private get authStatements() {
    return (this.authPrepared ??= this.prepareAuth());
  }

  private prepareAuth() {
    return {
    insert: this.raw.prepare('INSERT INTO auth_sessions (id_hash, user_id, csrf, created_at, expires_at) VALUES (?, ?, ?, ?, ?)'),
    get: this.raw.prepare(`SELECT s.id_hash AS idHash, s.user_id AS userId, s.csrf, s.created_at AS createdAt, s.expires_at AS expiresAt,
      u.email FROM auth_sessions s JOIN users u ON u.id = s.user_id WHERE s.id_hash = ? AND s.expires_at > ?`),
    touch: this.raw.prepare('UPDATE auth_sessions SET expires_at = ? WHERE id_hash = ?'),
    delete: this.raw.prepare('DELETE FROM auth_sessions WHERE id_hash = ?'),
    deleteExpired: this.raw.prepare('DELETE FROM auth_sessions WHERE expires_at <= ?'),
    users: this.raw.prepare('SELECT id, email, created_at AS createdAt FROM users ORDER BY created_at, email'),
    countUsers: this.raw.prepare('SELECT count(*) AS n FROM users'),
    deleteUser: this.raw.prepare('DELETE FROM users WHERE id = ?'), // auth_sessions: ON DELETE CASCADE
    setPassword: this.raw.prepare('UPDATE users SET password_hash = ? WHERE id = ?'),
    deleteSessionsOf: this.raw.prepare('DELETE FROM auth_sessions WHERE user_id = ?'),
    scoreKeys: this.raw.prepare('SELECT site, score_key AS scoreKey FROM leads WHERE (@site IS NULL OR site = @site)'),
    };
  }

  createAuthSession(a: AuthSession) {
    return this.exclusive(() => void this.authStatements.insert.run(a.idHash, a.userId, a.csrf, a.createdAt, a.expiresAt));
  }

  async getAuthSession(idHash: string, now: number) {
    return this.authStatements.get.get(idHash, now) as (AuthSession & { email: string }) | undefined;
  }

  touchAuthSession(idHash: string, expiresAt: number) {
    return this.exclusive(() => void this.authStatements.touch.run(expiresAt, idHash));
  }

  deleteAuthSession(idHash: string) {
    return this.exclusive(() => void this.authStatements.delete.run(idHash));
  }

  deleteExpiredAuthSessions(now: number) {
    return this.exclusive(() => this.authStatements.deleteExpired.run(now).changes);
  }

  async listUsers() {
    return this.authStatements.users.all() as Omit<User, 'passwordHash'>[];
  }

  async countUsers() {
    return (this.authStatements.countUsers.get() as Row).n as number;
  }

  deleteUser(id: string) {
    return this.exclusive(() => this.authStatements.deleteUser.run(id).changes === 1);
  }

  setUserPassword(id: string, passwordHash: string) {
    return this.exclusive(() => {
      const a = this.authStatements;
      return this.raw.transaction(() => {
        const changed = a.setPassword.run(passwordHash, id).changes === 1;
        a.deleteSessionsOf.run(id);
        return changed;
      })();
    });
  }

  async listLeadScoreKeys(site: string | null) {
    return this.authStatements.scoreKeys.all({ site }) as Array<{ site: string; scoreKey: number }>;
  }

  // --- webhooks ---
  createWebhook(w: Webhook) {
    return this.exclusive(() => void this.s.insertWebhook.run(w.id, w.site, w.url, json(w.events), w.secret, w.createdAt));
  }

  async listWebhooks(site?: string) {
    const rows = (site === undefined ? this.s.webhooks.all() : this.s.webhooksForSite.all(site)) as Row[];
    return rows.map(toWebhook);
  }

  deleteWebhook(id: string) {
    // Deliveries go with it (foreign key cascade); exclusive so a group commit's transaction is never split.
    return this.exclusive(() => this.s.deleteWebhook.run(id).changes === 1);
  }

  async listDeliveries(webhookId?: string, limit = 100) {
    const n = Math.min(Math.max(Math.trunc(limit) || 100, 1), 1000);
    return (this.s.deliveries.all({ webhookId: webhookId ?? null, limit: n }) as Row[]).map(toDelivery);
  }

  claimDue(now: number, limit: number, lockMs: number): Promise<Delivery[]> {
    return this.exclusive(() => {
      // Deliveries go with their webhook (foreign key cascade); a stray without one is failed, never sent.
      const rows = this.s.claimDue.all(now + lockMs, now, now, limit) as Row[];
      for (const r of rows) if (r.url === null) this.s.markFailed.run(null, 'webhook deleted', r.id);
      return rows.filter((r) => r.url !== null).map((r) => ({ ...r, payload: String(r.payload) }) as Delivery);
    });
  }

  markDelivered(id: string, now: number, status: number) {
    return this.exclusive(() => void this.s.markDelivered.run(now, status, id));
  }

  markRetry(id: string, _now: number, nextAttemptAt: number, status: number | null, error: string) {
    return this.exclusive(() => void this.s.markRetry.run(nextAttemptAt, status, error.slice(0, 1000), id));
  }

  markFailed(id: string, _now: number, status: number | null, error: string) {
    return this.exclusive(() => void this.s.markFailed.run(status, error.slice(0, 1000), id));
  }

  // --- settings and rescore (collector/leads) ---
  async getSetting(key: string) {
    return (this.s.setting.get(key) as Row | undefined)?.value as string | undefined;
  }

  setSettingIfAbsent(key: string, value: string) {
    return this.exclusive(() => {
      this.s.insertSetting.run(key, value);
      return (this.s.setting.get(key) as Row).value as string;
    });
  }

  async leadIdsAfter(site: string | null, afterId: string | null, limit: number) {
    return (this.s.leadIdsAfter.all({ site, after: afterId, limit }) as Row[]).map((r) => r.id as string);
  }

  async anonymousVidsAfter(site: string, after: string | null, limit: number) {
    return (this.s.anonymousVidsAfter.all({ site, after, limit }) as Row[]).map((r) => r.vid as string);
  }

  async anonymousVisitorsAtMost(site: string) {
    return (this.s.anonymousVisitorsAtMost.get(site) as Row).n as number;
  }

  // --- rescore (one pass over the events, page by page) ---
  /**
   * A rescore reads every event once in lead order, not in the order they were stored, and rewrites every lead and
   * visitor: the file is memory-mapped (no read syscall per page) and the page cache raised to 128 MB (a 2 MB cache
   * spills dirty pages to the WAL mid-transaction and reads them back). Only the process running a rescore does this
   * (a collector never calls it), so the server's memory is not affected.
   */
  private mapForScan() {
    if (this.mapped || this.raw.name === ':memory:') return;
    this.mapped = true;
    this.raw.pragma('mmap_size = 4294967296');
    this.raw.pragma('cache_size = -131072');
  }
  private mapped = false;

  /**
   * Leads in table (rowid) order, so the transaction that stores a page rewrites neighbouring rows; their events with
   * one statement per page, which seeks each lead's range of (site, lead_id, ts) in turn.
   */
  async rescoreLeads(site: string, after: RescoreCursor | null, limit: number, until = Number.MAX_SAFE_INTEGER) {
    this.mapForScan();
    // Raw rows (rowid, then LEAD_COLUMNS' values): as objects by column name, a page took two to three times as long.
    const rows = this.s.rescoreLeadPage.all({ site, after: after ?? 0, until, limit }) as unknown[][];
    if (rows.length === 0) return { rows: [], next: null };
    const page = rows.map((r) => {
      const lead = leadOfValues(r, 1);
      const stamp: LeadStamp = { // r[12], r[7]: the score state and traits as stored text
        pos: r[0] as number, id: lead.id, oldState: r[12] as string | null, oldTraits: r[7] as string, name: lead.name, company: lead.company,
        title: lead.title, stage: lead.stage, rejectedAt: lead.rejectedAt, probability: lead.probability,
      };
      return { pos: stamp.pos, lead, events: [] as ScoredEventFields[], stamp: { row: stamp } };
    });
    const last = rows[rows.length - 1][0] as number;
    groupEvents(this.s.rescoreLeadEvents.all({ site, after: after ?? 0, last }) as unknown[][], page);
    return { rows: page, next: rows.length < limit ? null : last };
  }

  /** Anonymous visitors in table order too, their events with one statement per page. */
  async rescoreVisitors(site: string, after: RescoreCursor | null, limit: number, until = Number.MAX_SAFE_INTEGER) {
    this.mapForScan();
    const rows = this.s.rescoreVisitorPage.all({ site, after: after ?? 0, until, limit }) as unknown[][]; // rowid, then VISITOR_VALUES
    if (rows.length === 0) return { rows: [], next: null };
    const page = rows.map((r) => {
      const visitor = visitorOfValues(site, r[1] as string, r, 2);
      const stamp: VisitorStamp = { pos: r[0] as number, site, vid: visitor.vid, oldState: r[8] as string | null };
      return { pos: stamp.pos, visitor, events: [] as ScoredEventFields[], stamp: { row: stamp } };
    });
    const last = rows[rows.length - 1][0] as number;
    groupEvents(this.s.rescoreVisitorEvents.all({ site, after: after ?? 0, last }) as unknown[][], page);
    return { rows: page, next: rows.length < limit ? null : last };
  }

  async rescorePositions() {
    return { leads: (this.s.lastLeadPosition.get() as number | null) ?? 0, visitors: (this.s.lastVisitorPosition.get() as number | null) ?? 0 };
  }

  // --- models ---
  private modelsPrepared?: ReturnType<SqliteRepository['prepareModels']>;
  private get modelStatements() {
    return (this.modelsPrepared ??= this.prepareModels());
  }

  private prepareModels() {
    const columns = 'id, site, version, created_at AS createdAt, params, metrics, active';
    return {
      maxVersion: this.raw.prepare('SELECT max(version) AS v FROM models WHERE site = ?'),
      deactivate: this.raw.prepare('UPDATE models SET active = 0 WHERE site = ? AND active = 1'),
      insert: this.raw.prepare('INSERT INTO models (id, site, version, created_at, params, metrics, active) VALUES (?, ?, ?, ?, ?, ?, 1)'),
      active: this.raw.prepare(`SELECT ${columns} FROM models WHERE site = ? AND active = 1 ORDER BY version DESC LIMIT 1`),
      activeRef: this.raw.prepare('SELECT id, version FROM models WHERE site = ? AND active = 1 ORDER BY version DESC LIMIT 1'),
      list: this.raw.prepare(`SELECT ${columns} FROM models WHERE site = ? ORDER BY version DESC`),
      setProbability: this.raw.prepare('UPDATE leads SET probability = ? WHERE id = ?'),
      trainingLeads: this.raw.prepare(`SELECT ${LEAD_COLUMNS},
        (SELECT min(sc.at) FROM stage_changes sc WHERE sc.lead_id = leads.id AND sc."to" = 'sql') AS reachedSqlAt
        FROM leads WHERE site = @site AND id > @after ORDER BY id LIMIT @limit`), // '' starts: every id sorts after it
    };
  }

  saveModel(site: string, params: unknown, metrics: unknown, now: number) {
    const m = this.modelStatements;
    // exclusive: never inside a group commit's open transaction on the shared connection
    return this.exclusive(() =>
      this.raw.transaction(() => {
        const version = (((m.maxVersion.get(site) as Row).v as number | null) ?? 0) + 1;
        const id = newId();
        m.deactivate.run(site);
        m.insert.run(id, site, version, now, json(params), json(metrics));
        return { id, version };
      }).immediate(),
    );
  }

  async getActiveModel(site: string) {
    const row = this.modelStatements.active.get(site) as Row | undefined;
    return row && toModel(row);
  }

  async listModels(site: string) {
    return (this.modelStatements.list.all(site) as Row[]).map(toModel);
  }

  async listTrainingLeads(site: string, afterId: string | null, limit: number) {
    const rows = this.modelStatements.trainingLeads.all({ site, after: afterId ?? '', limit }) as Row[];
    return rows.map(({ reachedSqlAt, ...lead }) => ({
      lead: toLead(lead),
      reachedSqlAt: (reachedSqlAt as number | null) ?? null,
      events: (this.s.allLeadEvents.all(lead.id, lead.id) as Row[]).map(toEvent),
    }));
  }
}

const toModel = (r: Row): StoredModel => ({ ...r, params: unjson(r.params), metrics: unjson(r.metrics), active: r.active === 1 }) as StoredModel;

function prepareStatements(db: BetterSqlite3.Database) {
  const p = (sql: string) => db.prepare(sql);
  return {
    ping: p('SELECT 1'),
    begin: p('BEGIN IMMEDIATE'),
    commit: p('COMMIT'),
    savepoint: p('SAVEPOINT item'),
    release: p('RELEASE item'),
    rollbackTo: p('ROLLBACK TO item'),
    site: p(`SELECT ${SITE_COLUMNS} FROM sites WHERE key = ?`),
    sites: p(`SELECT ${SITE_COLUMNS} FROM sites ORDER BY key`),
    insertSite: p('INSERT INTO sites (key, name, origins, rules, created_at) VALUES (?, ?, ?, ?, ?) ON CONFLICT DO NOTHING'),
    updateSiteOrigins: p('UPDATE sites SET origins = ? WHERE key = ?'),
    updateSiteRules: p('UPDATE sites SET rules = ? WHERE key = ?'),

    eventExists: p('SELECT 1 FROM events WHERE site = ? AND id = ?'),
    insertEvent: p(`INSERT INTO events (site, id, vid, lead_id, session_id, type, ts, received_at, url, ref, title, cat, name,
      props, email, traits, form, ip, ua) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING`),
    leadEvents: p(`SELECT ${EVENT_COLUMNS} FROM events WHERE site = (SELECT site FROM leads WHERE id = ?) AND lead_id = ? ORDER BY ts, id LIMIT ?`),
    visitorEvents: p(`SELECT ${EVENT_COLUMNS} FROM events WHERE site = ? AND vid = ? ORDER BY ts, id LIMIT ?`),
    anonymousCounts: p(`SELECT count(*) FILTER (WHERE type = 'pageview') AS pageviews, count(DISTINCT session_id) AS sessions,
      min(ts) AS firstTs, max(ts) AS lastTs FROM events WHERE site = ? AND vid = ? AND lead_id IS NULL`),
    attachEvents: p('UPDATE events SET lead_id = ? WHERE site = ? AND vid = ? AND lead_id IS NULL'),

    visitorValues: p(`SELECT ${VISITOR_VALUES} FROM visitors WHERE site = ? AND vid = ?`).raw(true),
    insertVisitor: p(`INSERT INTO visitors (site, vid, lead_id, first_seen, last_seen, last_session_id, sessions, score_key, score_state)
      VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`),
    updateVisitor: p(`UPDATE visitors SET lead_id = ?, first_seen = ?, last_seen = ?, last_session_id = ?, sessions = ?
      WHERE site = ? AND vid = ?`),
    saveVisitor: p(`UPDATE visitors SET lead_id = ?, first_seen = ?, last_seen = ?, last_session_id = ?, sessions = ?, score_key = ?,
      score_state = ? WHERE site = ? AND vid = ?`),
    saveVisitorActivity: p(`UPDATE visitors SET last_seen = ?, last_session_id = ?, sessions = ?, score_key = ?, score_state = ?
      WHERE site = ? AND vid = ?`),

    lead: p(`SELECT ${LEAD_COLUMNS} FROM leads WHERE id = ?`),
    leadByEmail: p(`SELECT ${LEAD_COLUMNS} FROM leads WHERE site = ? AND email = ?`),
    insertLead: p(`INSERT INTO leads (id, site, email, name, company, title, traits, stage, stage_at, score_key, fit_points, grade,
      first_seen, last_seen, visits, pageviews, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
      ON CONFLICT (site, email) DO NOTHING`),
    updateLeadActivity: p('UPDATE leads SET visits = ?, pageviews = ?, first_seen = ?, last_seen = ? WHERE id = ?'),
    updateLeadProfile: p('UPDATE leads SET name = ?, company = ?, title = ?, traits = ? WHERE id = ?'),
    countLeads: p('SELECT count(*) AS n FROM leads WHERE site = ?'),

    insertStageChange: p(`INSERT INTO stage_changes (id, lead_id, site, "from", "to", at, cause, actor)
      VALUES (@id, @leadId, (SELECT site FROM leads WHERE id = @leadId), @from, @to, @at, @cause, @actor)`),
    stageChanges: p(`SELECT id, lead_id AS leadId, "from", "to", at, cause, actor FROM stage_changes WHERE lead_id = ? ORDER BY at, rowid`),

    insertUser: p('INSERT INTO users (id, email, password_hash, created_at) VALUES (?, ?, ?, ?) ON CONFLICT DO NOTHING'),
    userByEmail: p('SELECT id, email, password_hash AS passwordHash, created_at AS createdAt FROM users WHERE email = ?'),
    insertToken: p('INSERT INTO api_tokens (id, name, token_hash, created_at, last_used_at) VALUES (?, ?, ?, ?, ?)'),
    tokenByHash: p(`SELECT id, name, token_hash AS tokenHash, created_at AS createdAt, last_used_at AS lastUsedAt
      FROM api_tokens WHERE token_hash = ?`),

    // --- API queries ---
    recentLeadEvents: p(`SELECT * FROM (SELECT ${EVENT_COLUMNS} FROM events WHERE site = ? AND lead_id = ? ORDER BY ts DESC, id DESC LIMIT ?)
      ORDER BY ts, id`),
    exportLeadEvents: p(`SELECT ${EVENT_COLUMNS} FROM events WHERE site = ? AND (lead_id = ?
      OR vid IN (SELECT vid FROM visitors WHERE site = ? AND lead_id = ?)) ORDER BY ts, id`),
    leadVisitors: p(`SELECT ${VISITOR_COLUMNS} FROM visitors WHERE site = ? AND lead_id = ? ORDER BY first_seen, vid`),
    // The erased lead's browsers' events, but not another person's on a shared browser (SPEC §3: they stay theirs).
    eraseVisitorEvents: p(`DELETE FROM events WHERE site = ? AND vid IN (SELECT vid FROM visitors WHERE site = ? AND lead_id = ?)
      AND (lead_id IS NULL OR lead_id = ?)`),
    eraseLeadEvents: p('DELETE FROM events WHERE site = ? AND lead_id = ?'),
    eraseVisitors: p('DELETE FROM visitors WHERE site = ? AND lead_id = ?'),
    eraseStageChanges: p('DELETE FROM stage_changes WHERE lead_id = ?'),
    eraseDeliveries: p('DELETE FROM webhook_deliveries WHERE lead_id = ?'),
    eraseLead: p('DELETE FROM leads WHERE id = ?'),
    funnelVisitors: p('SELECT count(*) AS n FROM visitors WHERE site = ? AND first_seen >= ? AND first_seen < ?'),
    // One pass over stage_changes_site_at_idx (covering): per lead in the period, which stages it entered and the
    // furthest one reached (lead < mql < sal < sql; recycled is not progress); then the sums.
    funnelStages: p(`SELECT sum(l) AS lead, sum(m) AS mql, sum(a) AS sal, sum(q) AS sql, sum(r) AS recycled,
        sum(rank = 1) AS toLead, sum(rank = 2) AS toMql, sum(rank = 3) AS toSal, sum(rank = 4) AS toSql
      FROM (SELECT max("to" = 'lead') AS l, max("to" = 'mql') AS m, max("to" = 'sal') AS a, max("to" = 'sql') AS q,
          max("to" = 'recycled') AS r,
          max(CASE "to" WHEN 'lead' THEN 1 WHEN 'mql' THEN 2 WHEN 'sal' THEN 3 WHEN 'sql' THEN 4 ELSE 0 END) AS rank
        FROM stage_changes WHERE site = ? AND at >= ? AND at < ? GROUP BY lead_id)`),
    tokens: p(`SELECT id, name, token_hash AS tokenHash, created_at AS createdAt, last_used_at AS lastUsedAt FROM api_tokens
      ORDER BY created_at, id`),
    deleteToken: p('DELETE FROM api_tokens WHERE id = ?'),
    touchToken: p('UPDATE api_tokens SET last_used_at = ? WHERE id = ? AND (last_used_at IS NULL OR last_used_at <= ?)'),

    // --- purge ---
    deleteEventsBefore: p(`DELETE FROM events WHERE (site, id) IN (SELECT site, id FROM events WHERE ts < ? ORDER BY ts LIMIT ?)
      RETURNING site, vid, lead_id AS leadId`),
    deleteIdleAnonymousVisitors: p(`DELETE FROM visitors WHERE (site, vid) IN (SELECT v.site, v.vid FROM visitors v
      WHERE v.lead_id IS NULL AND v.last_seen < ? AND NOT EXISTS (SELECT 1 FROM events e WHERE e.site = v.site AND e.vid = v.vid) LIMIT ?)`),
    recountLeadActivity: p(`UPDATE leads SET
      pageviews = (SELECT count(*) FROM events e WHERE e.site = leads.site AND e.lead_id = leads.id AND e.type = 'pageview'),
      visits = (SELECT count(DISTINCT NULLIF(e.session_id, '')) FROM events e WHERE e.site = leads.site AND e.lead_id = leads.id)
      WHERE id = ?`),
    deleteDeliveriesBefore: p(`DELETE FROM webhook_deliveries WHERE id IN (SELECT id FROM webhook_deliveries
      WHERE created_at < ? AND status <> 'pending' ORDER BY created_at LIMIT ?)`),

    // --- scoring, stages and webhooks (collector/leads) ---
    setLeadStage: p('UPDATE leads SET stage = ?, stage_at = ? WHERE id = ? AND stage = ?'),
    setLeadStageRejected: p('UPDATE leads SET stage = ?, stage_at = ?, rejected_at = ? WHERE id = ? AND stage = ?'),
    updateLeadScore: p('UPDATE leads SET score_key = ?, score_state = ?, fit_points = ?, grade = ? WHERE id = ?'),
    updateVisitorScore: p('UPDATE visitors SET score_key = ?, score_state = ? WHERE site = ? AND vid = ?'),
    // The site comes from the lead so the (site, lead_id, ts) index serves it (lead_id alone would scan every event).
    allLeadEvents: p(`SELECT ${EVENT_COLUMNS} FROM events WHERE site = (SELECT site FROM leads WHERE id = ?) AND lead_id = ? ORDER BY ts, id`),
    anonymousEvents: p(`SELECT ${EVENT_COLUMNS} FROM events WHERE site = ? AND vid = ? AND lead_id IS NULL ORDER BY ts, id`),
    latestVisitorOf: p('SELECT vid FROM visitors WHERE lead_id = ? ORDER BY last_seen DESC, vid LIMIT 1'),
    insertDelivery: p(`INSERT INTO webhook_deliveries (id, webhook_id, lead_id, type, payload, status, attempts, next_attempt_at, created_at)
      VALUES (?, ?, ?, ?, ?, 'pending', 0, ?, ?)`),

    // --- webhooks ---
    insertWebhook: p('INSERT INTO webhooks (id, site, url, events, secret, created_at) VALUES (?, ?, ?, ?, ?, ?)'),
    webhooks: p(`SELECT ${WEBHOOK_COLUMNS} FROM webhooks ORDER BY created_at, id`),
    webhooksForSite: p(`SELECT ${WEBHOOK_COLUMNS} FROM webhooks WHERE site IS NULL OR site = ? ORDER BY created_at, id`),
    deleteWebhook: p('DELETE FROM webhooks WHERE id = ?'),
    deliveries: p(`SELECT ${DELIVERY_COLUMNS} FROM webhook_deliveries WHERE (@webhookId IS NULL OR webhook_id = @webhookId)
      ORDER BY created_at DESC, id LIMIT @limit`),
    // One statement, so the claim is atomic; RETURNING may only read the updated table, hence the subqueries.
    claimDue: p(`UPDATE webhook_deliveries SET locked_until = ?
      WHERE id IN (SELECT id FROM webhook_deliveries
        WHERE status = 'pending' AND next_attempt_at <= ? AND (locked_until IS NULL OR locked_until <= ?)
        ORDER BY next_attempt_at, id LIMIT ?)
      RETURNING id, webhook_id AS webhookId, (SELECT url FROM webhooks w WHERE w.id = webhook_id) AS url,
        (SELECT secret FROM webhooks w WHERE w.id = webhook_id) AS secret, payload, attempts, created_at AS createdAt`),
    markDelivered: p(`UPDATE webhook_deliveries SET status = 'delivered', delivered_at = ?, last_status = ?, last_error = NULL,
      attempts = attempts + 1, locked_until = NULL WHERE id = ? AND status = 'pending'`),
    markRetry: p(`UPDATE webhook_deliveries SET next_attempt_at = ?, last_status = ?, last_error = ?,
      attempts = attempts + 1, locked_until = NULL WHERE id = ? AND status = 'pending'`),
    markFailed: p(`UPDATE webhook_deliveries SET status = 'failed', last_status = ?, last_error = ?,
      attempts = attempts + 1, locked_until = NULL WHERE id = ? AND status = 'pending'`),

    // --- settings and rescore (collector/leads) ---
    setting: p('SELECT value FROM settings WHERE key = ?'),
    insertSetting: p('INSERT INTO settings (key, value) VALUES (?, ?) ON CONFLICT DO NOTHING'),
    // Keyset pages as index ranges (an `@after IS NULL OR …` test, or an index on site, would re-read the site per page).
    leadIdsAfter: p(`SELECT id FROM leads WHERE (@site IS NULL OR +site = @site) AND id > coalesce(@after, '') ORDER BY id LIMIT @limit`),
    anonymousVidsAfter: p(`SELECT vid FROM visitors WHERE site = @site AND vid > coalesce(@after, '') AND +lead_id IS NULL
      ORDER BY vid LIMIT @limit`),
    // Two index-only counts (an exact one reads every visitor row): anonymous visitors of any site, visitors of this one.
    anonymousVisitorsAtMost: p('SELECT min((SELECT count(*) FROM visitors WHERE lead_id IS NULL), (SELECT count(*) FROM visitors WHERE site = ?)) AS n'),
    // --- rescore --- pages in rowid order; `+site`, `+lead_id`: walk the rowid range, not an index on site (which would
    // read every row of the site per page).
    lastLeadPosition: p('SELECT max(rowid) FROM leads').pluck(),
    rescoreLeadPage: p(`SELECT rowid, ${LEAD_COLUMNS} FROM leads WHERE rowid > @after AND rowid <= @until AND +site = @site
      ORDER BY rowid LIMIT @limit`).raw(),
    // CROSS JOIN: the page's rows (by rowid) drive one index seek each, and their events come out in the page's order.
    rescoreLeadEvents: p(`SELECT l.rowid, ${RESCORE_EVENTS} FROM leads l CROSS JOIN events e ON e.site = l.site AND e.lead_id = l.id
      WHERE l.rowid > @after AND l.rowid <= @last AND +l.site = @site GROUP BY l.rowid ORDER BY l.rowid`).raw(),
    lastVisitorPosition: p('SELECT max(rowid) FROM visitors').pluck(),
    rescoreVisitorPage: p(`SELECT rowid, vid, ${VISITOR_VALUES} FROM visitors WHERE rowid > @after AND rowid <= @until AND +site = @site
      AND +lead_id IS NULL ORDER BY rowid LIMIT @limit`).raw(),
    rescoreVisitorEvents: p(`SELECT v.rowid, ${RESCORE_EVENTS} FROM visitors v CROSS JOIN events e ON e.site = v.site AND e.vid = v.vid
      WHERE v.rowid > @after AND v.rowid <= @last AND +v.site = @site AND v.lead_id IS NULL AND +e.lead_id IS NULL GROUP BY v.rowid ORDER BY v.rowid`).raw(),
    storeRescoredLead: p(`UPDATE leads SET score_key = ?, score_state = ?, fit_points = ?, grade = ?, probability = ? WHERE ${STAMPED_LEAD}`),
    storeRescoredLeadScore: p(`UPDATE leads SET score_key = ?, score_state = ?, fit_points = ?, grade = ? WHERE ${STAMPED_LEAD}`),
    storeRescoredVisitor: p(`UPDATE visitors SET score_key = ?, score_state = ?
      WHERE rowid = ? AND site = ? AND vid = ? AND lead_id IS NULL AND score_state IS ?`),
  };
}
