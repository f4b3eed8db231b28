// The data layer's interface: routes and the ingest service talk to this, never to SQL. One implementation per dialect.

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
export type ApiToken = { id: string; name: string | null; tokenHash: string; createdAt: number; lastUsedAt: number | null };

export type LeadFilter = {
  site?: string;
  stage?: Stage;
  /** Newest first by created_at; the API engineer extends this with score/grade/q/cursor. */
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
  getLead(id: string): Promise<Lead | undefined>;
  /** Creates the lead unless (site, email) exists (ON CONFLICT DO NOTHING); returns the stored one and whether it is new. */
  findOrCreateLead(lead: Lead): Promise<{ lead: Lead; created: boolean }>;
  /** Gives the visitor's anonymous events (lead_id null) to the lead; returns what they add to the lead's counters. */
  attachAnonymousEvents(site: string, vid: string, leadId: string): Promise<{ pageviews: number; sessions: number; firstTs: number | null; lastTs: number | null }>;
  updateLeadActivity(id: string, change: { visits: number; pageviews: number; firstSeen: number; lastSeen: number }): Promise<void>;
  updateLeadProfile(id: string, profile: { name: string | null; company: string | null; title: string | null; traits: Record<string, unknown> }): Promise<void>;
  insertStageChange(change: StageChange): Promise<void>;
}

export type GroupResult<R> = { ok: true; value: R } | { ok: false; error: unknown };

export interface Repository {
  readonly dialect: 'sqlite' | 'pg';

  /** Applies pending migrations (idempotent). */
  migrate(): Promise<void>;
  /** Resolves when the database answers a trivial query. */
  ping(): Promise<void>;
  close(): Promise<void>;

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
}

/** A write that broke a uniqueness rule (existing site key, user email…). */
export class ConflictError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ConflictError';
  }
}

/** What `openDatabase` returns; today the repository itself. */
export type Database = Repository;
