// The PostgreSQL repository: one `pg` pool shared by every request, named (prepared) statements, drizzle's migrator for the schema.
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import { drizzle } from 'drizzle-orm/node-postgres';
import { migrate } from 'drizzle-orm/node-postgres/migrator';
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
  type Site,
  type StageChange,
  type StoredEvent,
  type StoredModel,
  type TrainingLead,
  type User,
  type Visitor,
  type Webhook,
  type WebhookDelivery,
} from './repository';
import type { Delivery } from '../webhooks/store';
import { newId } from '../ids';

const MIGRATIONS = fileURLToPath(new URL('./migrations/pg', import.meta.url));
/** Key of the advisory lock that keeps collectors starting together from migrating at the same time. */
const MIGRATION_LOCK = 7_305_118_227;
/** Errors of a race with another collector: the whole group is rolled back and run again. */
const RETRYABLE = new Set(['40001', '40P01', '23505']);
const GROUP_ATTEMPTS = 6;
const CONNECT_TIMEOUT_MS = 5_000;

const LEAD_COLUMNS = `id, site, email, name, company, title, traits, stage, stage_at AS "stageAt", rejected_at AS "rejectedAt",
  score_key AS "scoreKey", score_state AS "scoreState", fit_points AS "fitPoints", grade, probability,
  first_seen AS "firstSeen", last_seen AS "lastSeen", visits, pageviews, created_at AS "createdAt"`;
const EVENT_COLUMNS = `site, id, vid, lead_id AS "leadId", session_id AS "sessionId", type, ts, received_at AS "receivedAt",
  url, ref, title, cat, name, props, email, traits, form, ip, ua`;
const VISITOR_COLUMNS = `site, vid, lead_id AS "leadId", first_seen AS "firstSeen", last_seen AS "lastSeen",
  last_session_id AS "lastSessionId", sessions, score_key AS "scoreKey", score_state AS "scoreState"`;
const SITE_COLUMNS = `key, name, origins, rules, created_at AS "createdAt"`;
const WEBHOOK_COLUMNS = `id, site, url, events, secret, created_at AS "createdAt"`;
// payload::text: the exact JSON text enqueued, sent byte for byte (a json column keeps it verbatim).
const DELIVERY_COLUMNS = `id, webhook_id AS "webhookId", lead_id AS "leadId", type, payload::text AS payload, status, attempts,
  next_attempt_at AS "nextAttemptAt", last_status AS "lastStatus", last_error AS "lastError", created_at AS "createdAt",
  delivered_at AS "deliveredAt"`;

const SCORING_EVENT_COLUMNS = `site, id, vid, lead_id AS "leadId", session_id AS "sessionId", type, ts, 0::int8 AS "receivedAt",
  NULL AS url, NULL AS ref, NULL AS title, cat, name, NULL::json AS props, CASE WHEN type = 'form_submit' THEN email END AS email,
  NULL::json AS traits, CASE WHEN form IS NOT NULL THEN json_build_object('kind', form->'kind') END AS form, NULL AS ip, NULL AS ua`;
const MODEL_COLUMNS = `id, site, version, created_at AS "createdAt", params, metrics, active`;

type Row = Record<string, any>;
/** What a rescore page read of a row (json columns as their stored text), compared again when its new values are stored. */
type LeadStamp = {
  id: string; oldState: string | null; oldTraits: string; name: string | null; company: string | null; title: string | null; stage: string;
  rejectedAt: number | null; probability: number | null;
};
type VisitorStamp = { site: string; vid: string; oldState: string | null };
/** Values go to `json` columns as text: `json` (not `jsonb`) keeps key order, so answers match SQLite byte for byte. */
const json = (v: unknown) => (v === null || v === undefined ? null : JSON.stringify(v));

/**
 * PostgreSQL text cannot hold U+0000 (SQLite can): it is dropped from text values rather than failing the request.
 * JSON values are unaffected (JSON.stringify writes it as the escape \u0000).
 */
const withoutNul = (v: unknown) => (typeof v === 'string' && v.includes('\0') ? v.replaceAll('\0', '') : v);

const toSite = (r: Row): Site => ({ ...r, origins: r.origins ?? [] }) as Site;
const toLead = (r: Row): Lead => ({ ...r, traits: r.traits ?? {} }) as Lead;

/** int8 (times in ms, counts) as JS numbers, like SQLite answers them; every other type keeps pg's parser. */
const types = {
  getTypeParser: ((oid: number, format?: 'text' | 'binary') =>
    oid === pg.types.builtins.INT8 ? (v: string) => Number(v) : pg.types.getTypeParser(oid, format)) as typeof pg.types.getTypeParser,
};

/**
 * Opens a pool on a `postgres://` URL and applies pending migrations.
 * @example const db = await openPg('postgres://postgres@127.0.0.1:5432/piste')
 */
export async function openPg(url: string, options: { max?: number } = {}): Promise<PgRepository> {
  // A request waits at most CONNECT_TIMEOUT_MS for a connection, then fails as transient (503, retried by the script).
  // pipeline: a client sends a statement without waiting for the previous answer (ingest's blind writes use it).
  const pool = new pg.Pool({ connectionString: url, types, max: options.max ?? 10, connectionTimeoutMillis: CONNECT_TIMEOUT_MS, pipeline: true });
  // An idle client losing its server (restart, failover) must not crash the process: the pool replaces it.
  pool.on('error', () => {});
  const db = new PgRepository(pool);
  try {
    await db.migrate();
  } catch (error) {
    await pool.end();
    throw error;
  }
  return db;
}

type Queryable = pg.Pool | pg.PoolClient;

export class PgRepository implements Repository {
  readonly dialect = 'pg' as const;

  constructor(readonly pool: pg.Pool) {}

  /** Runs a named statement: PostgreSQL parses and plans it once per connection. */
  private async run(on: Queryable, name: keyof typeof SQL, values: unknown[] = []) {
    return on.query({ name, text: SQL[name], values: values.map(withoutNul) });
  }

  private async rows(name: keyof typeof SQL, values: unknown[] = [], on: Queryable = this.pool) {
    return (await this.run(on, name, values)).rows as Row[];
  }

  private async row(name: keyof typeof SQL, values: unknown[] = [], on: Queryable = this.pool) {
    return (await this.rows(name, values, on))[0] as Row | undefined;
  }

  /**
   * A client of our own for several statements. While checked out it has no listener of the pool's: a connection lost
   * between two statements (server restart, pg_terminate_backend) would be an uncaught 'error' event and end the
   * process. This one records the loss, and `release` then destroys the client instead of pooling it.
   */
  private async checkout() {
    const client = await this.pool.connect();
    let lost: Error | undefined;
    const onError = (error: Error) => (lost = error);
    client.on('error', onError);
    const release = (broken?: Error) => {
      client.removeListener('error', onError);
      client.release(broken ?? lost);
    };
    return { client, release };
  }

  async migrate() {
    const { client, release } = await this.checkout();
    try {
      await client.query('SELECT pg_advisory_lock($1)', [MIGRATION_LOCK]);
      // The bookkeeping table lives in the current schema, so several installations (or test runs) can share a database.
      const { rows } = await client.query('SELECT current_schema() AS schema');
      await migrate(drizzle({ client }), { migrationsFolder: MIGRATIONS, migrationsSchema: rows[0].schema ?? 'public' });
    } finally {
      await client.query('SELECT pg_advisory_unlock($1)', [MIGRATION_LOCK]).catch(() => {});
      release();
    }
  }

  async ping() {
    await this.pool.query('SELECT 1');
  }

  async close() {
    if (!this.pool.ended) await this.pool.end();
  }

  /** Runs `fn` in one transaction on one pooled client. */
  private async transaction<T>(fn: (client: pg.PoolClient) => Promise<T>): Promise<T> {
    const { client, release } = await this.checkout();
    let broken: Error | undefined;
    try {
      await client.query('BEGIN');
      const value = await fn(client);
      await client.query('COMMIT');
      return value;
    } catch (error) {
      await client.query('ROLLBACK').catch((e: Error) => (broken = e));
      throw error;
    } finally {
      release(broken);
    }
  }

  async writeGroup<I, R>(items: I[], fn: (tx: IngestTx, item: I) => Promise<R>): Promise<GroupResult<R>[]> {
    const { client, release } = await this.checkout();
    let broken: Error | undefined;
    // Items almost never fail alone, so a group first runs without savepoints; only when one fails is it run again
    // with each item in its own savepoint, so that item alone is rolled back.
    let isolate = false;
    try {
      for (let attempt = 1; ; attempt++) {
        const canRetry = attempt < GROUP_ATTEMPTS;
        const results = isolate ? await this.runIsolated(client, items, fn, canRetry) : await this.runTogether(client, items, fn, canRetry);
        if (results === 'isolate') isolate = true;
        else if (results) return results;
        // Lost a race (deadlock with another collector, a visitor inserted meanwhile): back off a little, run it all again.
        else await new Promise((resolve) => setTimeout(resolve, Math.random() * 20 * attempt));
      }
    } catch (error) {
      broken = error as Error;
      throw error;
    } finally {
      release(broken);
    }
  }

  /**
   * The group as one transaction without savepoints: the pool's clients pipeline, so an item's blind writes travel
   * with the next item's first read and the last ones with COMMIT. An anonymous pageview costs two round trips (read
   * the visitor, insert the event). 'isolate' when an item failed (run again with runIsolated); null after a lost race.
   */
  private async runTogether<I, R>(client: pg.PoolClient, items: I[], fn: (tx: IngestTx, item: I) => Promise<R>, canRetry: boolean) {
    const writes = new PendingWrites();
    const tx = this.ingestTx(client, writes);
    const values: R[] = [];
    writes.add(client.query('BEGIN'));
    try {
      for (const item of items) values.push(await fn(tx, item));
      writes.add(client.query('COMMIT'));
      await writes.settle();
      return values.map((value): GroupResult<R> => ({ ok: true, value }));
    } catch (thrown) {
      // A failed write aborts the transaction, so what ran after it failed too: the write's error is the cause.
      const error = (await writes.firstError()) ?? thrown;
      await client.query('ROLLBACK'); // throws when the connection is gone: the whole group fails (503, retried)
      if (canRetry && RETRYABLE.has((error as { code?: string }).code ?? '')) return null;
      if (items.length === 1) return [{ ok: false, error } as GroupResult<R>];
      return 'isolate' as const;
    }
  }

  /** Each item in its own savepoint, so a failing item rolls back only itself; null after a lost race. */
  private async runIsolated<I, R>(client: pg.PoolClient, items: I[], fn: (tx: IngestTx, item: I) => Promise<R>, canRetry: boolean) {
    const writes = new PendingWrites();
    const tx = this.ingestTx(client, writes);
    const results: GroupResult<R>[] = [];
    writes.add(client.query('BEGIN'));
    try {
      for (const item of items) {
        writes.add(client.query('SAVEPOINT item'));
        try {
          const value = await fn(tx, item);
          writes.add(client.query('RELEASE SAVEPOINT item'));
          await writes.settle();
          results.push({ ok: true, value });
        } catch (thrown) {
          const error = (await writes.firstError()) ?? thrown;
          if (canRetry && RETRYABLE.has((error as { code?: string }).code ?? '')) {
            await client.query('ROLLBACK');
            return null;
          }
          await Promise.all([client.query('ROLLBACK TO SAVEPOINT item'), client.query('RELEASE SAVEPOINT item')]);
          results.push({ ok: false, error });
        }
      }
      await client.query('COMMIT');
      return results;
    } catch (error) {
      await writes.firstError();
      await client.query('ROLLBACK').catch(() => {});
      throw error;
    }
  }

  /**
   * The ingest statements on the group's client. Visitors and leads are read FOR UPDATE: a second collector working on
   * the same browser or person waits for this commit, then reads what it wrote, so counters never lose an update.
   * Writes whose answer ingest does not need go to `writes` unawaited; the server still runs everything in order.
   */
  private ingestTx(client: pg.PoolClient, writes: PendingWrites): IngestTx {
    const row = (name: keyof typeof SQL, values: unknown[]) => this.row(name, values, client);
    const write = async (name: keyof typeof SQL, values: unknown[]) => writes.add(this.run(client, name, values));
    return {
      eventExists: async (site, id) => (await row('eventExists', [site, id])) !== undefined,
      insertEvent: async (e) =>
        (
          await this.run(client, 'insertEvent', [
            e.site, e.id, e.vid, e.leadId, e.sessionId, e.type, e.ts, e.receivedAt, e.url, e.ref, e.title, e.cat,
            e.name, json(e.props), e.email, json(e.traits), json(e.form), e.ip, e.ua,
          ])
        ).rowCount === 1,
      getVisitor: async (site, vid) => (await row('visitorForUpdate', [site, vid])) as Visitor | undefined,
      insertVisitor: (v) =>
        write('insertVisitor', [v.site, v.vid, v.leadId, v.firstSeen, v.lastSeen, v.lastSessionId, v.sessions, v.scoreKey, json(v.scoreState)]),
      updateVisitor: (site, vid, c) => write('updateVisitor', [c.leadId, c.firstSeen, c.lastSeen, c.lastSessionId, c.sessions, site, vid]),
      saveVisitor: (v) =>
        write('saveVisitor', [v.leadId, v.firstSeen, v.lastSeen, v.lastSessionId, v.sessions, v.scoreKey, json(v.scoreState), v.site, v.vid]),
      getLead: async (id) => {
        const r = await row('leadForUpdate', [id]);
        return r && toLead(r);
      },
      findOrCreateLead: async (l) => {
        // Sent together: the read runs after the insert, and under READ COMMITTED, after waiting on a concurrent insert
        // of the same email, it sees the committed lead.
        const [inserted, stored] = await Promise.all([
          this.run(client, 'insertLead', [
            l.id, l.site, l.email, l.name, l.company, l.title, json(l.traits), l.stage, l.stageAt, l.scoreKey, l.fitPoints,
            l.grade, l.firstSeen, l.lastSeen, l.visits, l.pageviews, l.createdAt,
          ]),
          row('leadByEmailForUpdate', [l.site, l.email]),
        ]);
        return { lead: toLead(stored!), created: inserted.rowCount === 1 };
      },
      attachAnonymousEvents: async (site, vid, leadId) => {
        const c = (await row('attachEvents', [leadId, site, vid]))!;
        return { pageviews: c.pageviews, sessions: c.sessions, firstTs: c.firstTs, lastTs: c.lastTs };
      },
      updateLeadActivity: (id, c) => write('updateLeadActivity', [c.visits, c.pageviews, c.firstSeen, c.lastSeen, id]),
      updateLeadProfile: (id, p) => write('updateLeadProfile', [p.name, p.company, p.title, json(p.traits), id]),
      insertStageChange: (c) => write('insertStageChange', [c.id, c.leadId, c.from, c.to, c.at, c.cause, c.actor]),
      // --- scoring, stages and webhooks (collector/leads) ---
      setLeadStage: async (id, from, to, at, rejectedAt) =>
        (rejectedAt === undefined
          ? await this.run(client, 'setLeadStage', [to, at, id, from])
          : await this.run(client, 'setLeadStageRejected', [to, at, rejectedAt, id, from])
        ).rowCount === 1,
      updateLeadScore: (id, c) => write('updateLeadScore', [c.scoreKey, json(c.scoreState), c.fitPoints, c.grade, id]),
      updateVisitorScore: (site, vid, c) => write('updateVisitorScore', [c.scoreKey, json(c.scoreState), site, vid]),
      listLeadEvents: async (leadId) => (await this.rows('allLeadEvents', [leadId], client)) as StoredEvent[],
      listAnonymousEvents: async (site, vid) => (await this.rows('anonymousEvents', [site, vid], client)) as StoredEvent[],
      latestVisitorOf: async (leadId) => (await row('latestVisitorOf', [leadId]))?.vid,
      webhooksFor: async (site, event) =>
        ((await this.rows('webhooksForSite', [site], client)) as Webhook[]).filter((w) => w.events === null || w.events.includes(event)),
      insertDelivery: (d) => write('insertDelivery', [d.id, d.webhookId, d.leadId, d.type, d.payload, d.now]),
      // --- models ---
      activeModelRef: async (site) => (await row('activeModelRef', [site])) as { id: string; version: number } | undefined,
      getActiveModel: async (site) => {
        const r = await row('activeModel', [site]);
        return r && toModel(r);
      },
      updateLeadProbability: (id, probability) => write('setLeadProbability', [probability, id]),
      // --- rescore --- (conditional: the row must still hold what the page read)
      storeRescoredLead: async (stamp, c) => {
        const w = stamp.row as LeadStamp;
        const values = [
          c.scoreKey, c.state, c.fitPoints, c.grade, c.probability, w.id, w.oldState, w.oldTraits, w.name, w.company, w.title, w.stage, w.rejectedAt,
          w.probability,
        ];
        return (await this.run(client, 'storeRescoredLead', values)).rowCount === 1;
      },
      storeRescoredVisitor: async (stamp, c) => {
        const w = stamp.row as VisitorStamp;
        return (await this.run(client, 'storeRescoredVisitor', [c.scoreKey, c.state, w.site, w.vid, w.oldState])).rowCount === 1;
      },
    };
  }

  /** A page's events in one query (`owners`: lead ids or vids), grouped by owner, each list in (ts, id) order. */
  private async eventsByOwner(name: 'leadPageEvents' | 'anonymousPageEvents', site: string, owners: string[], by: 'leadId' | 'vid') {
    const grouped = new Map<string, StoredEvent[]>();
    if (owners.length === 0) return grouped;
    for (const e of (await this.rows(name, [site, owners])) as StoredEvent[]) {
      const key = e[by]!;
      const list = grouped.get(key);
      if (list) list.push(e);
      else grouped.set(key, [e]);
    }
    return grouped;
  }

  async getSite(key: string) {
    const r = await this.row('site', [key]);
    return r && toSite(r);
  }

  async listSites() {
    return (await this.rows('sites')).map(toSite);
  }

  async createSite(site: { key: string; name: string; origins: string[]; rules?: unknown }, now: number) {
    const done = await this.run(this.pool, 'insertSite', [site.key, site.name, json(site.origins), json(site.rules ?? null), now]);
    if (done.rowCount === 0) throw new ConflictError(`site "${site.key}" already exists`);
    return (await this.getSite(site.key))!;
  }

  async updateSiteOrigins(key: string, origins: string[]) {
    return (await this.run(this.pool, 'updateSiteOrigins', [json(origins), key])).rowCount === 1;
  }

  async updateSiteRules(key: string, rules: unknown) {
    return (await this.run(this.pool, 'updateSiteRules', [json(rules), key])).rowCount === 1;
  }

  async getLead(id: string) {
    const r = await this.row('lead', [id]);
    return r && toLead(r);
  }

  async getLeadByEmail(site: string, email: string) {
    const r = await this.row('leadByEmail', [site, email]);
    return r && toLead(r);
  }

  async listLeads(filter: LeadFilter) {
    const query = buildLeadQuery(filter);
    let n = 0;
    const text = `SELECT ${LEAD_COLUMNS} FROM leads ${query.sql.replace(/\?/g, () => `$${++n}`)}`;
    // One named statement per filter combination, like SQLite's statement cache (the key names the SQL text).
    const { rows } = await this.pool.query({ name: `listLeads:${query.key}`, text, values: query.params.map(withoutNul) });
    return rows.map(toLead);
  }

  async countLeads(site: string) {
    return (await this.row('countLeads', [site]))!.n as number;
  }

  async listLeadEvents(leadId: string, limit = 1000) {
    return (await this.rows('leadEvents', [leadId, limit])) as StoredEvent[];
  }

  async listVisitorEvents(site: string, vid: string, limit = 1000) {
    return (await this.rows('visitorEvents', [site, vid, limit])) as StoredEvent[];
  }

  async getVisitor(site: string, vid: string) {
    return (await this.row('visitor', [site, vid])) as Visitor | undefined;
  }

  async insertStageChange(c: StageChange, on: Queryable = this.pool) {
    await this.run(on, 'insertStageChange', [c.id, c.leadId, c.from, c.to, c.at, c.cause, c.actor]);
  }

  async listStageChanges(leadId: string) {
    return inChainOrder((await this.rows('stageChanges', [leadId])) as StageChange[]);
  }

  async createUser(u: User) {
    if ((await this.run(this.pool, 'insertUser', [u.id, u.email, u.passwordHash, u.createdAt])).rowCount === 0) {
      throw new ConflictError(`user "${u.email}" already exists`);
    }
  }

  async getUserByEmail(email: string) {
    return (await this.row('userByEmail', [email])) as User | undefined;
  }

  async createApiToken(t: ApiToken) {
    await this.run(this.pool, 'insertToken', [t.id, t.name, t.tokenHash, t.createdAt, t.lastUsedAt]);
  }

  async findApiTokenByHash(tokenHash: string) {
    return (await this.row('tokenByHash', [tokenHash])) as ApiToken | undefined;
  }

  // --- API queries ---
  async listRecentLeadEvents(site: string, leadId: string, limit: number) {
    return (await this.rows('recentLeadEvents', [site, leadId, limit])) as StoredEvent[];
  }

  async listAllLeadEvents(site: string, leadId: string) {
    return (await this.rows('exportLeadEvents', [site, leadId])) as StoredEvent[];
  }

  async listLeadVisitors(site: string, leadId: string) {
    return (await this.rows('leadVisitors', [site, leadId])) as Visitor[];
  }

  eraseLead(id: string) {
    return this.transaction(async (client) => {
      const lead = await this.row('leadForUpdate', [id], client);
      if (!lead) return false;
      // Events of the lead's browsers first (by vid), while the visitors still name the lead.
      await this.run(client, 'eraseVisitorEvents', [lead.site, id]);
      await this.run(client, 'eraseLeadEvents', [lead.site, id]);
      await this.run(client, 'eraseVisitors', [lead.site, id]);
      await this.run(client, 'eraseStageChanges', [id]);
      await this.run(client, 'eraseDeliveries', [id]);
      await this.run(client, 'eraseLead', [id]);
      return true;
    });
  }

  async funnelCounts(site: string, from: number, to: number) {
    const visitors = (await this.row('funnelVisitors', [site, from, to]))!.n as number;
    const entered = Object.fromEntries((await this.rows('funnelEntered', [site, from, to])).map((r) => [r.stage, r.n]));
    const furthest = Object.fromEntries((await this.rows('funnelFurthest', [site, from, to])).map((r) => [r.stage, r.n]));
    return { visitors, entered, furthest };
  }

  async listApiTokens() {
    return (await this.rows('tokens')) as ApiToken[];
  }

  async deleteApiToken(id: string) {
    return (await this.run(this.pool, 'deleteToken', [id])).rowCount === 1;
  }

  async touchApiToken(id: string, now: number, minIntervalMs: number) {
    await this.run(this.pool, 'touchToken', [now, id, now - minIntervalMs]);
  }

  // --- purge --- (each call one short statement: batched deletes never hold locks for long)
  async deleteEventsBefore(before: number, limit: number) {
    return purgedBatch((await this.rows('deleteEventsBefore', [before, limit])) as Array<{ site: string; vid: string; leadId: string | null }>);
  }

  async deleteIdleAnonymousVisitors(before: number, limit: number) {
    return (await this.run(this.pool, 'deleteIdleAnonymousVisitors', [before, limit])).rowCount ?? 0;
  }

  async deleteDeliveriesBefore(before: number, limit: number) {
    return (await this.run(this.pool, 'deleteDeliveriesBefore', [before, limit])).rowCount ?? 0;
  }

  async recountLeadActivity(leadIds: string[]) {
    if (leadIds.length > 0) await this.run(this.pool, 'recountLeadActivity', [leadIds]);
  }

  // --- auth sessions ---
  async createAuthSession(a: AuthSession) {
    await this.run(this.pool, 'insertAuthSession', [a.idHash, a.userId, a.csrf, a.createdAt, a.expiresAt]);
  }

  async getAuthSession(idHash: string, now: number) {
    return (await this.row('authSession', [idHash, now])) as (AuthSession & { email: string }) | undefined;
  }

  async touchAuthSession(idHash: string, expiresAt: number) {
    await this.run(this.pool, 'touchAuthSession', [expiresAt, idHash]);
  }

  async deleteAuthSession(idHash: string) {
    await this.run(this.pool, 'deleteAuthSession', [idHash]);
  }

  async deleteExpiredAuthSessions(now: number) {
    return (await this.run(this.pool, 'deleteExpiredAuthSessions', [now])).rowCount ?? 0;
  }

  async listUsers() {
    return (await this.rows('users')) as Omit<User, 'passwordHash'>[];
  }

  async countUsers() {
    return (await this.row('countUsers'))!.n as number;
  }

  async deleteUser(id: string) {
    return (await this.run(this.pool, 'deleteUser', [id])).rowCount === 1; // auth_sessions: ON DELETE CASCADE
  }

  async setUserPassword(id: string, passwordHash: string) {
    return this.transaction(async (client) => {
      const changed = (await this.run(client, 'setUserPassword', [passwordHash, id])).rowCount === 1;
      await this.run(client, 'deleteSessionsOf', [id]);
      return changed;
    });
  }

  async listLeadScoreKeys(site: string | null) {
    return (await this.rows('leadScoreKeys', [site])) as Array<{ site: string; scoreKey: number }>;
  }

  // --- webhooks ---
  async createWebhook(w: Webhook) {
    await this.run(this.pool, 'insertWebhook', [w.id, w.site, w.url, json(w.events), w.secret, w.createdAt]);
  }

  async listWebhooks(site?: string) {
    return (await (site === undefined ? this.rows('webhooks') : this.rows('webhooksForSite', [site]))) as Webhook[];
  }

  async deleteWebhook(id: string) {
    // Deliveries go with it (foreign key cascade).
    return (await this.run(this.pool, 'deleteWebhook', [id])).rowCount === 1;
  }

  async listDeliveries(webhookId?: string, limit = 100) {
    const n = Math.min(Math.max(Math.trunc(limit) || 100, 1), 1000);
    return (await this.rows('deliveries', [webhookId ?? null, n])) as WebhookDelivery[];
  }

  /** FOR UPDATE SKIP LOCKED: workers of several collectors claim disjoint deliveries without waiting on each other. */
  async claimDue(now: number, limit: number, lockMs: number) {
    return (await this.rows('claimDue', [now + lockMs, now, limit])) as Delivery[];
  }

  async markDelivered(id: string, now: number, status: number) {
    await this.run(this.pool, 'markDelivered', [now, status, id]);
  }

  async markRetry(id: string, _now: number, nextAttemptAt: number, status: number | null, error: string) {
    await this.run(this.pool, 'markRetry', [nextAttemptAt, status, error.slice(0, 1000), id]);
  }

  async markFailed(id: string, _now: number, status: number | null, error: string) {
    await this.run(this.pool, 'markFailed', [status, error.slice(0, 1000), id]);
  }

  // --- settings and rescore (collector/leads) ---
  async getSetting(key: string) {
    return (await this.row('setting', [key]))?.value as string | undefined;
  }

  async setSettingIfAbsent(key: string, value: string) {
    await this.run(this.pool, 'insertSetting', [key, value]);
    return (await this.row('setting', [key]))!.value as string;
  }

  async leadIdsAfter(site: string | null, afterId: string | null, limit: number) {
    return (await this.rows('leadIdsAfter', [site, afterId, limit])).map((r) => r.id as string);
  }

  async anonymousVidsAfter(site: string, after: string | null, limit: number) {
    return (await this.rows('anonymousVidsAfter', [site, after, limit])).map((r) => r.vid as string);
  }

  async anonymousVisitorsAtMost(site: string) {
    return (await this.row('anonymousVisitorsAtMost', [site]))!.n as number; // exact here: an upper bound all the same
  }

  /** Leads in id order (keyset), their events with one query per page; outside any transaction. */
  async rescoreLeads(site: string, after: RescoreCursor | null, limit: number) {
    const rows = await this.rows('leadPage', [site, after, limit]);
    const events = await this.eventsByOwner('leadPageEvents', site, rows.map((r) => r.id as string), 'leadId');
    const page = rows.map(({ stateText, traitsText, ...r }) => {
      const stamp: LeadStamp = {
        id: r.id, oldState: stateText, oldTraits: traitsText, name: r.name, company: r.company, title: r.title, stage: r.stage, rejectedAt: r.rejectedAt,
        probability: r.probability,
      };
      return { lead: toLead(r), events: events.get(r.id) ?? [], stamp: { row: stamp } };
    });
    return { rows: page, next: rows.length < limit ? null : (rows[rows.length - 1].id as string) };
  }

  async rescoreVisitors(site: string, after: RescoreCursor | null, limit: number) {
    const rows = await this.rows('anonymousVisitorPage', [site, after, limit]);
    const events = await this.eventsByOwner('anonymousPageEvents', site, rows.map((r) => r.vid as string), 'vid');
    const page = rows.map(({ stateText, ...r }) => {
      const stamp: VisitorStamp = { site, vid: r.vid, oldState: stateText };
      return { visitor: r as Visitor, events: events.get(r.vid) ?? [], stamp: { row: stamp } };
    });
    return { rows: page, next: rows.length < limit ? null : (rows[rows.length - 1].vid as string) };
  }

  // --- models ---
  saveModel(site: string, params: unknown, metrics: unknown, now: number) {
    return this.transaction(async (client) => {
      // Serializes two trainings of one site (two collectors): the second waits, then takes the next version.
      await client.query('SELECT pg_advisory_xact_lock(hashtext($1))', [`piste:model:${site}`]);
      const version = (((await this.row('maxModelVersion', [site], client))!.v as number | null) ?? 0) + 1;
      const id = newId();
      await this.run(client, 'deactivateModels', [site]);
      await this.run(client, 'insertModel', [id, site, version, now, json(params), json(metrics)]);
      return { id, version };
    });
  }

  async getActiveModel(site: string) {
    const r = await this.row('activeModel', [site]);
    return r && toModel(r);
  }

  async listModels(site: string) {
    return (await this.rows('models', [site])).map(toModel);
  }

  /** Two statements per page: the leads, then all their events at once (grouped here), not one query per lead. */
  async listTrainingLeads(site: string, afterId: string | null, limit: number): Promise<TrainingLead[]> {
    const rows = await this.rows('trainingLeads', [site, afterId, limit]);
    const events = new Map<string, StoredEvent[]>(rows.map((r) => [r.id as string, []]));
    if (rows.length > 0) {
      for (const e of (await this.rows('trainingEvents', [site, [...events.keys()]])) as StoredEvent[]) events.get(e.leadId!)!.push(e);
    }
    return rows.map(({ reachedSqlAt, ...lead }) => ({
      lead: toLead(lead),
      reachedSqlAt: (reachedSqlAt as number | null) ?? null,
      events: events.get(lead.id as string)!,
    }));
  }
}

const toModel = (r: Row): StoredModel => ({ ...r, metrics: r.metrics ?? null }) as StoredModel;

/**
 * Statements sent without waiting for their answer (the client pipelines them behind what is already on the wire).
 * `settle` waits for all of them and throws the first failure.
 */
class PendingWrites {
  private pending: Promise<unknown>[] = [];

  add(statement: Promise<unknown>) {
    statement.catch(() => {}); // observed in settle/firstError; never an unhandled rejection meanwhile
    this.pending.push(statement);
  }

  async settle() {
    const error = await this.firstError();
    if (error !== undefined) throw error;
  }

  /**
   * Waits for every statement in flight; the error of the first one sent that failed. In send order, not in the order
   * the rejections arrive: a failed write aborts the transaction, and the 25P02 of a later statement may settle first.
   */
  async firstError(): Promise<unknown> {
    for (const result of await Promise.allSettled(this.pending.splice(0))) if (result.status === 'rejected') return result.reason;
    return undefined;
  }
}

/**
 * Orders a lead's changes as the chain they form (each one leaves the stage the previous one entered), the order
 * SQLite's rowid gives. `at` alone is not enough with several collectors: it is the time a request arrived, and a
 * request that waited for the lead's row lock commits its move after one that arrived later. PostgreSQL has no
 * insertion order to fall back on (ctid reuses the slots of rolled-back rows), so `at` then ctid only break ties.
 */
function inChainOrder(changes: StageChange[]): StageChange[] {
  const left = [...changes]; // already sorted by at, ctid
  const ordered: StageChange[] = [];
  while (left.length > 0) {
    const current = ordered.at(-1)?.to;
    const next = left.findIndex((c) => (current === undefined ? !left.some((o) => o !== c && o.to === c.from) : c.from === current));
    ordered.push(left.splice(Math.max(next, 0), 1)[0]);
  }
  return ordered;
}

/**
 * Every statement, by name. Text order is compared with COLLATE "C" (code points), the order SQLite's BINARY gives,
 * whatever collation the database was created with.
 */
const SQL = {
  site: `SELECT ${SITE_COLUMNS} FROM sites WHERE key = $1`,
  sites: `SELECT ${SITE_COLUMNS} FROM sites ORDER BY key COLLATE "C"`,
  insertSite: 'INSERT INTO sites (key, name, origins, rules, created_at) VALUES ($1, $2, $3, $4, $5) ON CONFLICT DO NOTHING',
  updateSiteOrigins: 'UPDATE sites SET origins = $1 WHERE key = $2',
  updateSiteRules: 'UPDATE sites SET rules = $1 WHERE key = $2',

  eventExists: 'SELECT 1 FROM events WHERE site = $1 AND id = $2',
  insertEvent: `INSERT INTO events (site, id, vid, lead_id, session_id, type, ts, received_at, url, ref, title, cat, name,
    props, email, traits, form, ip, ua) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19)
    ON CONFLICT DO NOTHING`,
  leadEvents: `SELECT ${EVENT_COLUMNS} FROM events WHERE lead_id = $1 ORDER BY ts, id COLLATE "C" LIMIT $2`,
  visitorEvents: `SELECT ${EVENT_COLUMNS} FROM events WHERE site = $1 AND vid = $2 ORDER BY ts, id COLLATE "C" LIMIT $3`,
  // One round trip: move the visitor's anonymous events to the lead and count what they bring.
  attachEvents: `WITH moved AS (UPDATE events SET lead_id = $1 WHERE site = $2 AND vid = $3 AND lead_id IS NULL RETURNING type, session_id, ts)
    SELECT count(*) FILTER (WHERE type = 'pageview') AS pageviews, count(DISTINCT session_id) AS sessions,
    min(ts) AS "firstTs", max(ts) AS "lastTs" FROM moved`,

  visitor: `SELECT ${VISITOR_COLUMNS} FROM visitors WHERE site = $1 AND vid = $2`,
  visitorForUpdate: `SELECT ${VISITOR_COLUMNS} FROM visitors WHERE site = $1 AND vid = $2 FOR UPDATE`,
  insertVisitor: `INSERT INTO visitors (site, vid, lead_id, first_seen, last_seen, last_session_id, sessions, score_key, score_state)
    VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)`,
  updateVisitor: `UPDATE visitors SET lead_id = $1, first_seen = $2, last_seen = $3, last_session_id = $4, sessions = $5
    WHERE site = $6 AND vid = $7`,
  saveVisitor: `UPDATE visitors SET lead_id = $1, first_seen = $2, last_seen = $3, last_session_id = $4, sessions = $5, score_key = $6,
    score_state = $7 WHERE site = $8 AND vid = $9`,

  lead: `SELECT ${LEAD_COLUMNS} FROM leads WHERE id = $1`,
  leadForUpdate: `SELECT ${LEAD_COLUMNS} FROM leads WHERE id = $1 FOR UPDATE`,
  leadByEmail: `SELECT ${LEAD_COLUMNS} FROM leads WHERE site = $1 AND email = $2`,
  leadByEmailForUpdate: `SELECT ${LEAD_COLUMNS} FROM leads WHERE site = $1 AND email = $2 FOR UPDATE`,
  insertLead: `INSERT INTO leads (id, site, email, name, company, title, traits, stage, stage_at, score_key, fit_points, grade,
    first_seen, last_seen, visits, pageviews, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17)
    ON CONFLICT (site, email) DO NOTHING`,
  updateLeadActivity: 'UPDATE leads SET visits = $1, pageviews = $2, first_seen = $3, last_seen = $4 WHERE id = $5',
  updateLeadProfile: 'UPDATE leads SET name = $1, company = $2, title = $3, traits = $4 WHERE id = $5',
  countLeads: 'SELECT count(*) AS n FROM leads WHERE site = $1',

  insertStageChange: 'INSERT INTO stage_changes (id, lead_id, site, "from", "to", at, cause, actor) VALUES ($1, $2, (SELECT site FROM leads WHERE id = $2), $3, $4, $5, $6, $7)',
  // Put in chain order by inChainOrder.
  stageChanges: `SELECT id, lead_id AS "leadId", "from", "to", at, cause, actor FROM stage_changes WHERE lead_id = $1 ORDER BY at, ctid`,

  insertUser: 'INSERT INTO users (id, email, password_hash, created_at) VALUES ($1, $2, $3, $4) ON CONFLICT DO NOTHING',
  userByEmail: 'SELECT id, email, password_hash AS "passwordHash", created_at AS "createdAt" FROM users WHERE email = $1',
  insertToken: 'INSERT INTO api_tokens (id, name, token_hash, created_at, last_used_at) VALUES ($1, $2, $3, $4, $5)',
  tokenByHash: `SELECT id, name, token_hash AS "tokenHash", created_at AS "createdAt", last_used_at AS "lastUsedAt"
    FROM api_tokens WHERE token_hash = $1`,
  // --- API queries ---
  recentLeadEvents: `SELECT * FROM (SELECT ${EVENT_COLUMNS} FROM events WHERE site = $1 AND lead_id = $2
    ORDER BY ts DESC, id COLLATE "C" DESC LIMIT $3) AS recent ORDER BY ts, id COLLATE "C"`,
  exportLeadEvents: `SELECT ${EVENT_COLUMNS} FROM events WHERE site = $1 AND (lead_id = $2
    OR vid IN (SELECT vid FROM visitors WHERE site = $1 AND lead_id = $2)) ORDER BY ts, id COLLATE "C"`,
  leadVisitors: `SELECT ${VISITOR_COLUMNS} FROM visitors WHERE site = $1 AND lead_id = $2 ORDER BY first_seen, vid COLLATE "C"`,
  eraseVisitorEvents: `DELETE FROM events WHERE site = $1 AND vid IN (SELECT vid FROM visitors WHERE site = $1 AND lead_id = $2)
    AND (lead_id IS NULL OR lead_id = $2)`,
  eraseLeadEvents: 'DELETE FROM events WHERE site = $1 AND lead_id = $2',
  eraseVisitors: 'DELETE FROM visitors WHERE site = $1 AND lead_id = $2',
  eraseStageChanges: 'DELETE FROM stage_changes WHERE lead_id = $1',
  eraseDeliveries: 'DELETE FROM webhook_deliveries WHERE lead_id = $1',
  eraseLead: 'DELETE FROM leads WHERE id = $1',
  funnelVisitors: 'SELECT count(*) AS n FROM visitors WHERE site = $1 AND first_seen >= $2 AND first_seen < $3',
  funnelEntered: `SELECT sc."to" AS stage, count(DISTINCT sc.lead_id) AS n FROM stage_changes sc JOIN leads l ON l.id = sc.lead_id
    WHERE l.site = $1 AND sc.at >= $2 AND sc.at < $3 GROUP BY sc."to"`,
  funnelFurthest: `SELECT CASE reached.rank WHEN 1 THEN 'lead' WHEN 2 THEN 'mql' WHEN 3 THEN 'sal' ELSE 'sql' END AS stage, count(*) AS n
    FROM (SELECT max(CASE sc."to" WHEN 'lead' THEN 1 WHEN 'mql' THEN 2 WHEN 'sal' THEN 3 WHEN 'sql' THEN 4 ELSE 0 END) AS rank
          FROM stage_changes sc JOIN leads l ON l.id = sc.lead_id WHERE l.site = $1 AND sc.at >= $2 AND sc.at < $3 GROUP BY sc.lead_id) AS reached
    WHERE reached.rank > 0 GROUP BY reached.rank`,
  tokens: `SELECT id, name, token_hash AS "tokenHash", created_at AS "createdAt", last_used_at AS "lastUsedAt" FROM api_tokens
    ORDER BY created_at, id COLLATE "C"`,
  deleteToken: 'DELETE FROM api_tokens WHERE id = $1',
  touchToken: 'UPDATE api_tokens SET last_used_at = $1 WHERE id = $2 AND (last_used_at IS NULL OR last_used_at <= $3)',

  // --- purge ---
  deleteEventsBefore: `DELETE FROM events WHERE (site, id) IN (SELECT site, id FROM events WHERE ts < $1 ORDER BY ts LIMIT $2)
    RETURNING site, vid, lead_id AS "leadId"`,
  deleteIdleAnonymousVisitors: `DELETE FROM visitors WHERE (site, vid) IN (SELECT v.site, v.vid FROM visitors v
    WHERE v.lead_id IS NULL AND v.last_seen < $1 AND NOT EXISTS (SELECT 1 FROM events e WHERE e.site = v.site AND e.vid = v.vid) LIMIT $2)`,
  recountLeadActivity: `UPDATE leads SET
    pageviews = (SELECT count(*) FROM events e WHERE e.site = leads.site AND e.lead_id = leads.id AND e.type = 'pageview'),
    visits = (SELECT count(DISTINCT NULLIF(e.session_id, '')) FROM events e WHERE e.site = leads.site AND e.lead_id = leads.id)
    WHERE id = ANY($1::text[])`,
  deleteDeliveriesBefore: `DELETE FROM webhook_deliveries WHERE id IN (SELECT id FROM webhook_deliveries
    WHERE created_at < $1 AND status <> 'pending' ORDER BY created_at LIMIT $2)`,

  // --- scoring, stages and webhooks (collector/leads) ---
  setLeadStage: 'UPDATE leads SET stage = $1, stage_at = $2 WHERE id = $3 AND stage = $4',
  setLeadStageRejected: 'UPDATE leads SET stage = $1, stage_at = $2, rejected_at = $3 WHERE id = $4 AND stage = $5',
  updateLeadScore: 'UPDATE leads SET score_key = $1, score_state = $2, fit_points = $3, grade = $4 WHERE id = $5',
  updateVisitorScore: 'UPDATE visitors SET score_key = $1, score_state = $2 WHERE site = $3 AND vid = $4',
  allLeadEvents: `SELECT ${EVENT_COLUMNS} FROM events WHERE lead_id = $1 ORDER BY ts, id COLLATE "C"`,
  anonymousEvents: `SELECT ${EVENT_COLUMNS} FROM events WHERE site = $1 AND vid = $2 AND lead_id IS NULL ORDER BY ts, id COLLATE "C"`,
  latestVisitorOf: 'SELECT vid FROM visitors WHERE lead_id = $1 ORDER BY last_seen DESC, vid COLLATE "C" LIMIT 1',
  insertDelivery: `INSERT INTO webhook_deliveries (id, webhook_id, lead_id, type, payload, status, attempts, next_attempt_at, created_at)
    VALUES ($1, $2, $3, $4, $5, 'pending', 0, $6, $6)`,

  // --- webhooks ---
  insertWebhook: 'INSERT INTO webhooks (id, site, url, events, secret, created_at) VALUES ($1, $2, $3, $4, $5, $6)',
  webhooks: `SELECT ${WEBHOOK_COLUMNS} FROM webhooks ORDER BY created_at, id COLLATE "C"`,
  webhooksForSite: `SELECT ${WEBHOOK_COLUMNS} FROM webhooks WHERE site IS NULL OR site = $1 ORDER BY created_at, id COLLATE "C"`,
  deleteWebhook: 'DELETE FROM webhooks WHERE id = $1',
  deliveries: `SELECT ${DELIVERY_COLUMNS} FROM webhook_deliveries WHERE ($1::text IS NULL OR webhook_id = $1)
    ORDER BY created_at DESC, id COLLATE "C" LIMIT $2`,
  // Returned in the order the rows were stored (ctid before the claim's update), as SQLite returns them (rowid): a
  // lead's stage changes enqueued together (visitor→lead, lead→sql) are sent in that order.
  claimDue: `WITH due AS (SELECT id, ctid AS pos FROM webhook_deliveries
      WHERE status = 'pending' AND next_attempt_at <= $2 AND (locked_until IS NULL OR locked_until <= $2)
      ORDER BY next_attempt_at, id COLLATE "C" LIMIT $3 FOR UPDATE SKIP LOCKED),
    claimed AS (UPDATE webhook_deliveries AS d SET locked_until = $1 FROM due, webhooks w WHERE d.id = due.id AND w.id = d.webhook_id
      RETURNING d.id, d.webhook_id AS "webhookId", w.url, w.secret, d.payload::text AS payload, d.attempts, d.created_at AS "createdAt", due.pos)
    SELECT id, "webhookId", url, secret, payload, attempts, "createdAt" FROM claimed ORDER BY pos`,
  markDelivered: `UPDATE webhook_deliveries SET status = 'delivered', delivered_at = $1, last_status = $2, last_error = NULL,
    attempts = attempts + 1, locked_until = NULL WHERE id = $3 AND status = 'pending'`,
  markRetry: `UPDATE webhook_deliveries SET next_attempt_at = $1, last_status = $2, last_error = $3,
    attempts = attempts + 1, locked_until = NULL WHERE id = $4 AND status = 'pending'`,
  markFailed: `UPDATE webhook_deliveries SET status = 'failed', last_status = $1, last_error = $2,
    attempts = attempts + 1, locked_until = NULL WHERE id = $3 AND status = 'pending'`,

  // --- settings and rescore (collector/leads) ---
  setting: 'SELECT value FROM settings WHERE key = $1',
  insertSetting: 'INSERT INTO settings (key, value) VALUES ($1, $2) ON CONFLICT DO NOTHING',
  leadIdsAfter: `SELECT id FROM leads WHERE ($1::text IS NULL OR site = $1) AND ($2::text IS NULL OR id COLLATE "C" > $2)
    ORDER BY id COLLATE "C" LIMIT $3`,
  anonymousVidsAfter: `SELECT vid FROM visitors WHERE site = $1 AND lead_id IS NULL AND ($2::text IS NULL OR vid COLLATE "C" > $2)
    ORDER BY vid COLLATE "C" LIMIT $3`,
  anonymousVisitorsAtMost: 'SELECT count(*) AS n FROM visitors WHERE site = $1 AND lead_id IS NULL',
  // Rescore's pages: what scoring reads of each event (the other fields null, as on SQLite).
  leadPage: `SELECT ${LEAD_COLUMNS}, score_state::text AS "stateText", traits::text AS "traitsText" FROM leads WHERE site = $1 AND ($2::text IS NULL OR id COLLATE "C" > $2) ORDER BY id COLLATE "C" LIMIT $3`,
  leadPageEvents: `SELECT ${SCORING_EVENT_COLUMNS} FROM events WHERE site = $1 AND lead_id = ANY($2::text[]) ORDER BY ts, id COLLATE "C"`,
  anonymousVisitorPage: `SELECT ${VISITOR_COLUMNS}, score_state::text AS "stateText" FROM visitors WHERE site = $1 AND lead_id IS NULL AND ($2::text IS NULL OR vid COLLATE "C" > $2)
    ORDER BY vid COLLATE "C" LIMIT $3`,
  anonymousPageEvents: `SELECT ${SCORING_EVENT_COLUMNS} FROM events WHERE site = $1 AND vid = ANY($2::text[]) AND lead_id IS NULL
    ORDER BY ts, id COLLATE "C"`,
  // Conditional on what the page read (json compared as its stored text, which `json` keeps verbatim).
  storeRescoredLead: `UPDATE leads SET score_key = $1, score_state = $2, fit_points = $3, grade = $4, probability = $5
    WHERE id = $6 AND score_state::text IS NOT DISTINCT FROM $7 AND traits::text = $8 AND name IS NOT DISTINCT FROM $9
    AND company IS NOT DISTINCT FROM $10 AND title IS NOT DISTINCT FROM $11 AND stage = $12 AND rejected_at IS NOT DISTINCT FROM $13
    AND probability IS NOT DISTINCT FROM $14`,
  storeRescoredVisitor: `UPDATE visitors SET score_key = $1, score_state = $2
    WHERE site = $3 AND vid = $4 AND lead_id IS NULL AND score_state::text IS NOT DISTINCT FROM $5`,

  // --- auth sessions ---
  insertAuthSession: 'INSERT INTO auth_sessions (id_hash, user_id, csrf, created_at, expires_at) VALUES ($1, $2, $3, $4, $5)',
  authSession: `SELECT s.id_hash AS "idHash", s.user_id AS "userId", s.csrf, s.created_at AS "createdAt", s.expires_at AS "expiresAt",
    u.email FROM auth_sessions s JOIN users u ON u.id = s.user_id WHERE s.id_hash = $1 AND s.expires_at > $2`,
  touchAuthSession: 'UPDATE auth_sessions SET expires_at = $1 WHERE id_hash = $2',
  deleteAuthSession: 'DELETE FROM auth_sessions WHERE id_hash = $1',
  deleteUser: 'DELETE FROM users WHERE id = $1',
  setUserPassword: 'UPDATE users SET password_hash = $1 WHERE id = $2',
  deleteSessionsOf: 'DELETE FROM auth_sessions WHERE user_id = $1',
  deleteExpiredAuthSessions: 'DELETE FROM auth_sessions WHERE expires_at <= $1',
  users: 'SELECT id, email, created_at AS "createdAt" FROM users ORDER BY created_at, email COLLATE "C"',
  countUsers: 'SELECT count(*) AS n FROM users',
  leadScoreKeys: 'SELECT site, score_key AS "scoreKey" FROM leads WHERE ($1::text IS NULL OR site = $1)',

  // --- models ---
  maxModelVersion: 'SELECT max(version) AS v FROM models WHERE site = $1',
  deactivateModels: 'UPDATE models SET active = false WHERE site = $1 AND active',
  insertModel: `INSERT INTO models (id, site, version, created_at, params, metrics, active) VALUES ($1, $2, $3, $4, $5, $6, true)`,
  activeModel: `SELECT ${MODEL_COLUMNS} FROM models WHERE site = $1 AND active ORDER BY version DESC LIMIT 1`,
  activeModelRef: 'SELECT id, version FROM models WHERE site = $1 AND active ORDER BY version DESC LIMIT 1',
  models: `SELECT ${MODEL_COLUMNS} FROM models WHERE site = $1 ORDER BY version DESC`,
  setLeadProbability: 'UPDATE leads SET probability = $1 WHERE id = $2',
  trainingLeads: `SELECT ${LEAD_COLUMNS},
    (SELECT min(sc.at) FROM stage_changes sc WHERE sc.lead_id = leads.id AND sc."to" = 'sql') AS "reachedSqlAt"
    FROM leads WHERE site = $1 AND ($2::text IS NULL OR id COLLATE "C" > $2) ORDER BY id COLLATE "C" LIMIT $3`,
  trainingEvents: `SELECT ${EVENT_COLUMNS} FROM events WHERE site = $1 AND lead_id = ANY($2::text[]) ORDER BY ts, id COLLATE "C"`,
};
