// The data layer's interface: routes and the ingest service talk to this, never to SQL. One implementation per dialect.
import type { DeliveryStore } from '../webhooks/store';

export type Stage = 'visitor' | 'lead' | 'mql' | 'sal' | 'sql' | 'recycled';
export type EventType = 'pageview' | 'form_submit' | 'identify' | 'track';
export type Json = unknown;

export type Site = {
  key: string;
  name: string;
  origins: string[];
  /** Scoring rules and `categories` (URL rules); null → defaults. */
  rules: Json | null;
  createdAt: number;
};

export type Visitor = {
  site: string;
  vid: string;
  leadId: string | null;
  firstSeen: number;
  lastSeen: number;
  lastSessionId: string;
  sessions: number;
  scoreKey: number;
  scoreState: Json | null;
};

export type Lead = {
  id: string;
  site: string;
  email: string;
  name: string | null;
  company: string | null;
  title: string | null;
  traits: Record<string, unknown>;
  stage: Stage;
  stageAt: number;
  rejectedAt: number | null;
  scoreKey: number;
  scoreState: Json | null;
  fitPoints: number;
  grade: string | null;
  probability: number | null;
  firstSeen: number;
  lastSeen: number;
  visits: number;
  pageviews: number;
  createdAt: number;
};

export type StoredEvent = {
  site: string;
  id: string;
  vid: string;
  leadId: string | null;
  sessionId: string;
  type: EventType;
  ts: number;
  receivedAt: number;
  url: string | null;
  ref: string | null;
  title: string | null;
  cat: string | null;
  name: string | null;
  props: Record<string, string | number | boolean> | null;
  email: string | null;
  traits: Record<string, unknown> | null;
  form: Json | null;
  ip: string | null;
  ua: string | null;
};

export type StageChange = { id: string; leadId: string; from: Stage; to: Stage; at: number; cause: string; actor: string | null };
export type User = { id: string; email: string; passwordHash: string; createdAt: number };
export type AuthSession = { idHash: string; userId: string; csrf: string; createdAt: number; expiresAt: number };
export type ApiToken = { id: string; name: string | null; tokenHash: string; createdAt: number; lastUsedAt: number | null };

/** The lead orders the API offers (SPEC §5); a leading `-` is descending. */
export const LEAD_SORTS = ['score', '-score', 'probability', '-probability', 'lastSeen', '-lastSeen', 'createdAt', '-createdAt'] as const;
export type LeadSort = (typeof LEAD_SORTS)[number];

/** A keyset position: the sort column's value on the last row already seen (null for a NULL probability) and its id. */
export type LeadCursor = { value: number | null; id: string };

export type LeadFilter = {
  site?: string;
  stage?: Stage;
  /** Any of these grades. */
  grades?: string[];
  /**
   * Lower bounds on score_key, one per site (decay depends on each site's rules): a lead passes when its site is
   * listed and its score_key reaches that site's key. Sites not listed are left out.
   */
  minScoreKeys?: Array<{ site: string; key: number }>;
  /** Case-insensitive substring of email, name or company (LIKE wildcards in it are literal). */
  q?: string;
  /** Default `-createdAt` (newest first). Ties are broken by id, in the same direction; NULL probabilities come last. */
  sort?: LeadSort;
  /** Rows strictly after this position in `sort` order. */
  after?: LeadCursor;
  /** 1–1000, default 50. */
  limit?: number;
};

/**
 * The statements the ingest pipeline runs inside one transaction (see `Repository.writeGroup`).
 * Async so a PostgreSQL transaction fits; the SQLite implementation answers synchronously underneath.
 */
export interface IngestTx {
  eventExists(site: string, id: string): Promise<boolean>;
  /** INSERT … ON CONFLICT DO NOTHING; false when (site, id) was already stored. */
  insertEvent(event: StoredEvent): Promise<boolean>;
  getVisitor(site: string, vid: string): Promise<Visitor | undefined>;
  insertVisitor(visitor: Visitor): Promise<void>;
  updateVisitor(site: string, vid: string, change: Pick<Visitor, 'leadId' | 'lastSeen' | 'firstSeen' | 'lastSessionId' | 'sessions'>): Promise<void>;
  /**
   * Optional: writes an existing visitor's activity and score in one statement (else updateVisitor + updateVisitorScore).
   * `stored`: its indexed columns as the row holds them; unchanged ones may be left out of the write.
   */
  saveVisitor?(visitor: Visitor, stored: Pick<Visitor, 'leadId' | 'firstSeen'>): Promise<void>;
  getLead(id: string): Promise<Lead | undefined>;
  /** Creates the lead unless (site, email) exists (ON CONFLICT DO NOTHING); returns the stored one and whether it is new. */
  findOrCreateLead(lead: Lead): Promise<{ lead: Lead; created: boolean }>;
  /** Gives the visitor's anonymous events (lead_id null) to the lead; returns what they add to the lead's counters. */
  attachAnonymousEvents(site: string, vid: string, leadId: string): Promise<{ pageviews: number; sessions: number; firstTs: number | null; lastTs: number | null }>;
  updateLeadActivity(id: string, change: { visits: number; pageviews: number; firstSeen: number; lastSeen: number }): Promise<void>;
  updateLeadProfile(id: string, profile: { name: string | null; company: string | null; title: string | null; traits: Record<string, unknown> }): Promise<void>;
  insertStageChange(change: StageChange): Promise<void>;

  // --- scoring, stages and webhooks (collector/leads) ---
  /** Conditional move: `UPDATE leads SET stage = to … WHERE id = ? AND stage = from`; false when the lead is no longer at `from`. `rejectedAt` given → stored too. */
  setLeadStage(id: string, from: Stage, to: Stage, at: number, rejectedAt?: number | null): Promise<boolean>;
  updateLeadScore(id: string, score: { scoreKey: number; scoreState: Json; fitPoints: number; grade: string | null }): Promise<void>;
  updateVisitorScore(site: string, vid: string, score: { scoreKey: number; scoreState: Json }): Promise<void>;
  /** Every event of the lead, in (ts, id) order. */
  listLeadEvents(leadId: string): Promise<StoredEvent[]>;
  /** The visitor's events that belong to no lead, in (ts, id) order. */
  listAnonymousEvents(site: string, vid: string): Promise<StoredEvent[]>;
  /** The lead's most recently seen browser, or undefined. */
  latestVisitorOf(leadId: string): Promise<string | undefined>;
  /** Webhooks listening to `event` for this site (webhook.site null = every site; events null = every event). */
  webhooksFor(site: string, event: string): Promise<Webhook[]>;
  /** Queues a delivery, due at `now`; `payload` is the exact JSON body to send. */
  insertDelivery(delivery: { id: string; webhookId: string; leadId: string | null; type: string; payload: string; now: number }): Promise<void>;

  // --- models --- (predictive scoring, collector/predict)
  /** The site's active model's id and version, or undefined: one indexed lookup, so every batch sees a new model at once. */
  activeModelRef(site: string): Promise<{ id: string; version: number } | undefined>;
  getActiveModel(site: string): Promise<StoredModel | undefined>;
  updateLeadProbability(id: string, probability: number | null): Promise<void>;

  // --- rescore (collector/leads/rescore) ---
  /**
   * Stores a lead's rescored values if its row still holds what `stamp` recorded when rescore read it (score state,
   * profile, stage): false when another writer changed it since, and then nothing is written.
   */
  storeRescoredLead(stamp: RescoreStamp, score: RescoredLead): Promise<boolean>;
  /** The same for an anonymous visitor; false too when it has been identified since. */
  storeRescoredVisitor(stamp: RescoreStamp, score: RescoredVisitor): Promise<boolean>;
}

// --- purge ---
/** What one purge batch deleted: how many events, and the leads and anonymous visitors they belonged to (each once). */
export type PurgedBatch = { deleted: number; leadIds: string[]; anonymous: Array<{ site: string; vid: string }> };

/** A PurgedBatch from the deleted rows' owners. */
export function purgedBatch(rows: Array<{ site: string; vid: string; leadId: string | null }>): PurgedBatch {
  const leadIds = new Set<string>();
  const anonymous = new Map<string, { site: string; vid: string }>();
  for (const { site, vid, leadId } of rows) {
    if (leadId !== null) leadIds.add(leadId);
    else anonymous.set(`${site}\u0000${vid}`, { site, vid });
  }
  return { deleted: rows.length, leadIds: [...leadIds], anonymous: [...anonymous.values()] };
}

// --- rescore ---
/** Where a rescore page ended (opaque to rescore: a row position or a key, as the implementation pages). */
export type RescoreCursor = string | number;
/** What a row held when rescore read it (opaque outside the repository that made it). */
export type RescoreStamp = { readonly row: unknown };
export type RescorePage<T> = { rows: Array<T & { stamp: RescoreStamp }>; next: RescoreCursor | null };
/** What scoring and the model read of a stored event (rescore reads a million of them: only this). */
export type ScoredEventFields = Pick<StoredEvent, 'id' | 'type' | 'ts' | 'sessionId' | 'cat' | 'name' | 'email' | 'form'>;
/** A rescored row's new values; `state` is the score state as JSON text (serialized once, possibly in another thread). */
export type RescoredLead = { scoreKey: number; state: string; fitPoints: number; grade: string | null; probability: number | null };
export type RescoredVisitor = { scoreKey: number; state: string };

// --- webhooks ---
export type Webhook = { id: string; site: string | null; url: string; events: string[] | null; secret: string; createdAt: number };
export type WebhookDelivery = {
  id: string;
  webhookId: string;
  leadId: string | null;
  type: string;
  payload: string;
  status: 'pending' | 'delivered' | 'failed';
  attempts: number;
  nextAttemptAt: number;
  lastStatus: number | null;
  lastError: string | null;
  createdAt: number;
  deliveredAt: number | null;
};

export type GroupResult<R> = { ok: true; value: R } | { ok: false; error: unknown };

export interface Repository extends DeliveryStore {
  readonly dialect: 'sqlite' | 'pg';

  /** Applies pending migrations (idempotent). */
  migrate(): Promise<void>;
  /** Resolves when the database answers a trivial query. */
  ping(): Promise<void>;
  close(): Promise<void>;
  /**
   * For a long-running collector on a SQLite file: WAL checkpoints move to a background thread, so an ingest COMMIT
   * only appends to the WAL. `close()` stops that thread. Absent where the database checkpoints itself (PostgreSQL).
   */
  checkpointInBackground?(): void;

  /**
   * Group commit: runs `fn` for every item inside ONE transaction, each item isolated (a savepoint), so one
   * failing item rolls back only itself. Resolves after COMMIT with one result per item, in order.
   */
  writeGroup<I, R>(items: I[], fn: (tx: IngestTx, item: I) => Promise<R>): Promise<GroupResult<R>[]>;

  getSite(key: string): Promise<Site | undefined>;
  listSites(): Promise<Site[]>;
  createSite(site: { key: string; name: string; origins: string[]; rules?: Json | null }, now: number): Promise<Site>;
  updateSiteOrigins(key: string, origins: string[]): Promise<boolean>;
  updateSiteRules(key: string, rules: Json | null): Promise<boolean>;

  getLead(id: string): Promise<Lead | undefined>;
  getLeadByEmail(site: string, email: string): Promise<Lead | undefined>;
  listLeads(filter: LeadFilter): Promise<Lead[]>;
  countLeads(site: string): Promise<number>;

  /** Events in ts order. */
  listLeadEvents(leadId: string, limit?: number): Promise<StoredEvent[]>;
  listVisitorEvents(site: string, vid: string, limit?: number): Promise<StoredEvent[]>;
  getVisitor(site: string, vid: string): Promise<Visitor | undefined>;

  insertStageChange(change: StageChange): Promise<void>;
  listStageChanges(leadId: string): Promise<StageChange[]>;

  /** Throws `ConflictError` when the email exists. */
  createUser(user: User): Promise<void>;
  getUserByEmail(email: string): Promise<User | undefined>;

  createApiToken(token: ApiToken): Promise<void>;
  findApiTokenByHash(tokenHash: string): Promise<ApiToken | undefined>;

  // --- API queries ---
  /** The most recent `limit` events of a lead, returned in ts order (uses the (site, lead_id, ts) index). */
  listRecentLeadEvents(site: string, leadId: string, limit: number): Promise<StoredEvent[]>;
  /** Every event of a lead and of the browsers that now belong to it, in ts order (personal-data export). */
  listAllLeadEvents(site: string, leadId: string): Promise<StoredEvent[]>;
  /** The browsers (visitors) that belong to a lead. */
  listLeadVisitors(site: string, leadId: string): Promise<Visitor[]>;
  /**
   * Erases a lead in one transaction: its events (by lead_id and by its visitors' vids), its visitors, its stage
   * changes, the webhook deliveries about it, and the lead. False when there was no such lead.
   */
  eraseLead(id: string): Promise<boolean>;
  /**
   * Funnel counts for [from, to): browsers first seen; leads per stage entered; leads per furthest stage reached
   * (lead < mql < sal < sql; recycled does not count as progress).
   */
  funnelCounts(site: string, from: number, to: number): Promise<{
    visitors: number;
    entered: Partial<Record<Stage, number>>;
    furthest: Partial<Record<'lead' | 'mql' | 'sal' | 'sql', number>>;
  }>;
  listApiTokens(): Promise<ApiToken[]>;
  deleteApiToken(id: string): Promise<boolean>;
  /** Sets last_used_at = now unless it was set less than `minIntervalMs` ago (saves a write per request). */
  touchApiToken(id: string, now: number, minIntervalMs: number): Promise<void>;

  // --- purge --- (retention, collector/purge): each call is one short transaction, so a large purge never holds a long write lock.
  /** Deletes at most `limit` events with `ts < before`, oldest first; returns how many, and whose they were. */
  deleteEventsBefore(before: number, limit: number): Promise<PurgedBatch>;
  /** Deletes at most `limit` anonymous visitors (no lead) last seen before `before` that have no event left. */
  deleteIdleAnonymousVisitors(before: number, limit: number): Promise<number>;
  /** Sets each lead's `pageviews` and `visits` (distinct sessions) from its stored events, as ingest counts them. */
  recountLeadActivity(leadIds: string[]): Promise<void>;
  /** Deletes at most `limit` delivered or failed webhook deliveries (their payloads name the lead) created before `before`, oldest first; pending ones stay for the worker. */
  deleteDeliveriesBefore(before: number, limit: number): Promise<number>;

  // --- webhooks --- (the Repository is also the webhook worker's DeliveryStore: claimDue, markDelivered, markRetry, markFailed)
  createWebhook(webhook: Webhook): Promise<void>;
  /** Every webhook, oldest first; with `site`, those of that site and the site-less ones. */
  listWebhooks(site?: string): Promise<Webhook[]>;
  /** Deletes the webhook and its deliveries; false when it did not exist. */
  deleteWebhook(id: string): Promise<boolean>;
  /** Newest first; `limit` default 100, at most 1000. */
  listDeliveries(webhookId?: string, limit?: number): Promise<WebhookDelivery[]>;

  // --- settings and rescore (collector/leads) ---
  getSetting(key: string): Promise<string | undefined>;
  /** Stores `value` unless the key exists; returns the stored value (the existing one wins a race). */
  setSettingIfAbsent(key: string, value: string): Promise<string>;
  /** Lead ids of a site (every site when null) after `afterId`, in id order: rescore pages through them. */
  leadIdsAfter(site: string | null, afterId: string | null, limit: number): Promise<string[]>;
  /** Anonymous visitors (no lead) of a site after `after` (vid), in vid order. */
  anonymousVidsAfter(site: string, after: string | null, limit: number): Promise<string[]>;
  /** At least the number of the site's anonymous visitors, cheaply (from indexes only where it can): rescore's progress total. */
  anonymousVisitorsAtMost(site: string): Promise<number>;
  /**
   * Rescore's reads, outside any transaction: the next `limit` leads of `site` after `after` (null to start), in
   * the order the implementation reads and rewrites fastest, each with every event of its own and a stamp of what
   * its row held. The events carry what scoring and the model read, in (ts, id) order: the email of form submissions
   * only, and `form` reduced to its `kind`. `next` is null after the
   * last page. Each page costs a constant number of queries, whatever the number of leads.
   */
  rescoreLeads(
    site: string,
    after: RescoreCursor | null,
    limit: number,
    until?: number,
  ): Promise<RescorePage<{ lead: Lead; events: ScoredEventFields[] }>>;
  /**
   * The same for anonymous visitors (no lead), each with its events that belong to no lead. For both: with `until`,
   * only rows at or before that position (see rescorePositions).
   */
  rescoreVisitors(
    site: string,
    after: RescoreCursor | null,
    limit: number,
    until?: number,
  ): Promise<RescorePage<{ visitor: Visitor; events: ScoredEventFields[] }>>;
  /**
   * Optional: the highest position a lead and a visitor have, when positions are numbers a rescore can split into
   * ranges (SQLite's rowid), so two threads can share the work range by range.
   */
  rescorePositions?(): Promise<{ leads: number; visitors: number }>;

  // --- auth sessions --- (dashboard sign-in, collector/dashboard): only the sha256 of a session id is stored.
  createAuthSession(session: AuthSession): Promise<void>;
  /** The session with this id hash if it has not expired at `now`, with its user's email. */
  getAuthSession(idHash: string, now: number): Promise<(AuthSession & { email: string }) | undefined>;
  /** Moves a live session's expiry (sliding sessions). */
  touchAuthSession(idHash: string, expiresAt: number): Promise<void>;
  deleteAuthSession(idHash: string): Promise<void>;
  /** Deletes sessions expired at `now`; returns how many. */
  deleteExpiredAuthSessions(now: number): Promise<number>;
  /** Users without their password hashes, oldest first. */
  listUsers(): Promise<Omit<User, 'passwordHash'>[]>;
  /** Removes a user and, with it, every session of theirs; false when there was none. */
  deleteUser(id: string): Promise<boolean>;
  /** Sets a user's password hash and ends every session of theirs (signed out everywhere); false when there was none. */
  setUserPassword(id: string, passwordHash: string): Promise<boolean>;
  countUsers(): Promise<number>;
  /** Every lead's site and score_key (one site, or all when null): the dashboard's score histogram. */
  listLeadScoreKeys(site: string | null): Promise<Array<{ site: string; scoreKey: number }>>;

  // --- models --- (predictive scoring, collector/predict)
  /**
   * Stores a trained model as the site's new active one, in one transaction: version = the site's highest + 1,
   * every earlier model of the site set inactive.
   */
  saveModel(site: string, params: Json, metrics: Json, now: number): Promise<{ id: string; version: number }>;
  getActiveModel(site: string): Promise<StoredModel | undefined>;
  /** Every model of the site, newest version first. */
  listModels(site: string): Promise<StoredModel[]>;
  /**
   * A page of the site's leads after `afterId` (id order) as training reads them: the lead (`createdAt` is when it
   * became a lead), when it first reached `sql` (its first stage change to sql, null if never), and every event
   * of the lead in (ts, id) order. Training pages through a site with it, so 100k leads are never held at once.
   */
  listTrainingLeads(site: string, afterId: string | null, limit: number): Promise<TrainingLead[]>;
}

// --- models ---
/** A predictive model as stored: `params` and `metrics` are collector/predict's JSON (see collector/predict/model.ts). */
export type StoredModel = { id: string; site: string; version: number; createdAt: number; params: Json; metrics: Json | null; active: boolean };
export type TrainingLead = { lead: Lead; reachedSqlAt: number | null; events: StoredEvent[] };

/** A write that broke a uniqueness rule (existing site key, user email…). */
export class ConflictError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ConflictError';
  }
}

/** What `openDatabase` returns; today the repository itself. */
export type Database = Repository;
