// The SQLite repository: better-sqlite3 prepared statements held once, drizzle's migrator for the schema.
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import BetterSqlite3 from 'better-sqlite3';
import { drizzle } from 'drizzle-orm/better-sqlite3';
import { migrate } from 'drizzle-orm/better-sqlite3/migrator';
import {
  ConflictError,
  type ApiToken,
  type GroupResult,
  type IngestTx,
  type Lead,
  type LeadFilter,
  type Repository,
  type Site,
  type StageChange,
  type StoredEvent,
  type User,
  type Visitor,
} from './repository';

const MIGRATIONS = fileURLToPath(new URL('./migrations/sqlite', import.meta.url));

const LEAD_COLUMNS = `id, site, email, name, company, title, traits, stage, stage_at AS stageAt, rejected_at AS rejectedAt,
  score_key AS scoreKey, score_state AS scoreState, fit_points AS fitPoints, grade, probability,
  first_seen AS firstSeen, last_seen AS lastSeen, visits, pageviews, created_at AS createdAt`;
const EVENT_COLUMNS = `site, id, vid, lead_id AS leadId, session_id AS sessionId, type, ts, received_at AS receivedAt,
  url, ref, title, cat, name, props, email, traits, form, ip, ua`;
const VISITOR_COLUMNS = `site, vid, lead_id AS leadId, first_seen AS firstSeen, last_seen AS lastSeen,
  last_session_id AS lastSessionId, sessions, score_key AS scoreKey, score_state AS scoreState`;
const SITE_COLUMNS = `key, name, origins, rules, created_at AS createdAt`;

type Row = Record<string, any>;
const json = (v: unknown) => (v === null || v === undefined ? null : JSON.stringify(v));
const unjson = (v: unknown) => (typeof v === 'string' ? JSON.parse(v) : null);

const toSite = (r: Row): Site => ({ ...r, origins: unjson(r.origins) ?? [], rules: unjson(r.rules) }) as Site;
const toLead = (r: Row): Lead => ({ ...r, traits: unjson(r.traits) ?? {}, scoreState: unjson(r.scoreState) }) as Lead;
const toVisitor = (r: Row): Visitor => ({ ...r, scoreState: unjson(r.scoreState) }) as Visitor;
const toEvent = (r: Row): StoredEvent =>
  ({ ...r, props: unjson(r.props), traits: unjson(r.traits), form: unjson(r.form) }) as StoredEvent;

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
    if (this.raw.open) this.raw.close();
  }

  writeGroup<I, R>(items: I[], fn: (tx: IngestTx, item: I) => Promise<R>): Promise<GroupResult<R>[]> {
    const run = this.writing.catch(() => {}).then(() => this.runGroup(items, fn));
    this.writing = run;
    return run;
  }

  private async runGroup<I, R>(items: I[], fn: (tx: IngestTx, item: I) => Promise<R>): Promise<GroupResult<R>[]> {
    const results: GroupResult<R>[] = [];
    const db = this.raw;
    const s = this.s;
    s.begin.run();
    try {
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
      s.commit.run();
    } catch (error) {
      if (db.inTransaction) db.exec('ROLLBACK');
      throw error;
    }
    return results;
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
    };
  }

  private visitorSync(site: string, vid: string) {
    const row = this.s.visitor.get(site, vid) as Row | undefined;
    return row && toVisitor(row);
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
    const limit = Math.min(Math.max(filter.limit ?? 50, 1), 1000);
    return (this.s.listLeads.all({ site: filter.site ?? null, stage: filter.stage ?? null, limit }) as Row[]).map(toLead);
  }

  async countLeads(site: string) {
    return (this.s.countLeads.get(site) as Row).n as number;
  }

  async listLeadEvents(leadId: string, limit = 1000) {
    return (this.s.leadEvents.all(leadId, limit) as Row[]).map(toEvent);
  }

  async listVisitorEvents(site: string, vid: string, limit = 1000) {
    return (this.s.visitorEvents.all(site, vid, limit) as Row[]).map(toEvent);
  }

  async getVisitor(site: string, vid: string) {
    return this.visitorSync(site, vid);
  }

  async insertStageChange(c: StageChange) {
    this.s.insertStageChange.run(c.id, c.leadId, c.from, c.to, c.at, c.cause, c.actor);
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
}

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
    leadEvents: p(`SELECT ${EVENT_COLUMNS} FROM events WHERE lead_id = ? ORDER BY ts, id LIMIT ?`),
    visitorEvents: p(`SELECT ${EVENT_COLUMNS} FROM events WHERE site = ? AND vid = ? ORDER BY ts, id LIMIT ?`),
    anonymousCounts: p(`SELECT count(*) FILTER (WHERE type = 'pageview') AS pageviews, count(DISTINCT session_id) AS sessions,
      min(ts) AS firstTs, max(ts) AS lastTs FROM events WHERE site = ? AND vid = ? AND lead_id IS NULL`),
    attachEvents: p('UPDATE events SET lead_id = ? WHERE site = ? AND vid = ? AND lead_id IS NULL'),

    visitor: p(`SELECT ${VISITOR_COLUMNS} FROM visitors WHERE site = ? AND vid = ?`),
    insertVisitor: p(`INSERT INTO visitors (site, vid, lead_id, first_seen, last_seen, last_session_id, sessions, score_key, score_state)
      VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`),
    updateVisitor: p(`UPDATE visitors SET lead_id = ?, first_seen = ?, last_seen = ?, last_session_id = ?, sessions = ?
      WHERE site = ? AND vid = ?`),

    lead: p(`SELECT ${LEAD_COLUMNS} FROM leads WHERE id = ?`),
    leadByEmail: p(`SELECT ${LEAD_COLUMNS} FROM leads WHERE site = ? AND email = ?`),
    insertLead: p(`INSERT INTO leads (id, site, email, name, company, title, traits, stage, stage_at, score_key, fit_points, grade,
      first_seen, last_seen, visits, pageviews, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
      ON CONFLICT (site, email) DO NOTHING`),
    updateLeadActivity: p('UPDATE leads SET visits = ?, pageviews = ?, first_seen = ?, last_seen = ? WHERE id = ?'),
    updateLeadProfile: p('UPDATE leads SET name = ?, company = ?, title = ?, traits = ? WHERE id = ?'),
    listLeads: p(`SELECT ${LEAD_COLUMNS} FROM leads WHERE (@site IS NULL OR site = @site) AND (@stage IS NULL OR stage = @stage)
      ORDER BY created_at DESC, id LIMIT @limit`),
    countLeads: p('SELECT count(*) AS n FROM leads WHERE site = ?'),

    insertStageChange: p('INSERT INTO stage_changes (id, lead_id, "from", "to", at, cause, actor) VALUES (?, ?, ?, ?, ?, ?, ?)'),
    stageChanges: p(`SELECT id, lead_id AS leadId, "from", "to", at, cause, actor FROM stage_changes WHERE lead_id = ? ORDER BY at, rowid`),

    insertUser: p('INSERT INTO users (id, email, password_hash, created_at) VALUES (?, ?, ?, ?) ON CONFLICT DO NOTHING'),
    userByEmail: p('SELECT id, email, password_hash AS passwordHash, created_at AS createdAt FROM users WHERE email = ?'),
    insertToken: p('INSERT INTO api_tokens (id, name, token_hash, created_at, last_used_at) VALUES (?, ?, ?, ?, ?)'),
    tokenByHash: p(`SELECT id, name, token_hash AS tokenHash, created_at AS createdAt, last_used_at AS lastUsedAt
      FROM api_tokens WHERE token_hash = ?`),
  };
}
