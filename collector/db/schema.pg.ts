// The PostgreSQL schema (drizzle): the same tables and columns as schema.sqlite.ts. Times are bigint ms since epoch; json (not jsonb) keeps key order as sent.
import { pgTable, text, integer, bigint, doublePrecision, boolean, json, primaryKey, index, uniqueIndex } from 'drizzle-orm/pg-core';

const ms = (name: string) => bigint(name, { mode: 'number' });

export const sites = pgTable('sites', {
  key: text('key').primaryKey(),
  name: text('name').notNull(),
  origins: json('origins').$type<string[]>().notNull(),
  rules: json('rules'), // null → default rules
  createdAt: ms('created_at').notNull(),
});

export const visitors = pgTable(
  'visitors',
  {
    site: text('site').notNull().references(() => sites.key, { onDelete: 'cascade' }),
    vid: text('vid').notNull(),
    leadId: text('lead_id').references(() => leads.id, { onDelete: 'set null' }),
    firstSeen: ms('first_seen').notNull(),
    lastSeen: ms('last_seen').notNull(),
    lastSessionId: text('last_session_id').notNull(),
    sessions: integer('sessions').notNull().default(1),
    scoreKey: doublePrecision('score_key').notNull().default(0),
    scoreState: json('score_state'),
  },
  (t) => [
    primaryKey({ columns: [t.site, t.vid] }),
    index('visitors_lead_idx').on(t.leadId),
    index('visitors_site_first_seen_idx').on(t.site, t.firstSeen), // funnel: browsers first seen in a period
  ],
);

export const leads = pgTable(
  'leads',
  {
    id: text('id').primaryKey(),
    site: text('site').notNull().references(() => sites.key, { onDelete: 'cascade' }),
    email: text('email').notNull(),
    name: text('name'),
    company: text('company'),
    title: text('title'),
    traits: json('traits').$type<Record<string, unknown>>().notNull().default({}),
    stage: text('stage').notNull().default('lead'),
    stageAt: ms('stage_at').notNull(),
    rejectedAt: ms('rejected_at'),
    scoreKey: doublePrecision('score_key').notNull().default(0),
    scoreState: json('score_state'),
    fitPoints: integer('fit_points').notNull().default(0),
    grade: text('grade'),
    probability: doublePrecision('probability'),
    firstSeen: ms('first_seen').notNull(),
    lastSeen: ms('last_seen').notNull(),
    visits: integer('visits').notNull().default(0),
    pageviews: integer('pageviews').notNull().default(0),
    createdAt: ms('created_at').notNull(),
  },
  (t) => [
    uniqueIndex('leads_site_email_uq').on(t.site, t.email),
    // One index per API sort, ending in id (the tie-break), so a page is read in index order without sorting;
    // the stage filter with the default sort (-score) has its own.
    index('leads_site_score_idx').on(t.site, t.scoreKey, t.id),
    index('leads_site_stage_score_idx').on(t.site, t.stage, t.scoreKey, t.id),
    index('leads_site_probability_idx').on(t.site, t.probability, t.id),
    index('leads_site_last_seen_idx').on(t.site, t.lastSeen, t.id),
    index('leads_site_created_idx').on(t.site, t.createdAt, t.id),
  ],
);

export const events = pgTable(
  'events',
  {
    site: text('site').notNull(),
    id: text('id').notNull(),
    vid: text('vid').notNull(),
    leadId: text('lead_id'),
    sessionId: text('session_id').notNull(),
    type: text('type').notNull(),
    ts: ms('ts').notNull(),
    receivedAt: ms('received_at').notNull(),
    url: text('url'),
    ref: text('ref'),
    title: text('title'),
    cat: text('cat'),
    name: text('name'),
    props: json('props'),
    email: text('email'),
    traits: json('traits'),
    form: json('form'),
    ip: text('ip'),
    ua: text('ua'),
  },
  (t) => [
    primaryKey({ columns: [t.site, t.id] }),
    index('events_site_lead_ts_idx').on(t.site, t.leadId, t.ts),
    index('events_site_vid_ts_idx').on(t.site, t.vid, t.ts),
    index('events_ts_idx').on(t.ts), // retention purge
  ],
);

export const stageChanges = pgTable(
  'stage_changes',
  {
    id: text('id').primaryKey(),
    leadId: text('lead_id').notNull().references(() => leads.id, { onDelete: 'cascade' }),
    /** The lead's site, copied at insert so the funnel reads one index range instead of joining every lead. */
    site: text('site'),
    from: text('from').notNull(),
    to: text('to').notNull(),
    at: ms('at').notNull(),
    cause: text('cause').notNull(),
    actor: text('actor'),
  },
  (t) => [index('stage_changes_lead_idx').on(t.leadId, t.at), index('stage_changes_site_at_idx').on(t.site, t.at, t.to, t.leadId)],
);

export const users = pgTable('users', {
  id: text('id').primaryKey(),
  email: text('email').notNull().unique(),
  passwordHash: text('password_hash').notNull(),
  createdAt: ms('created_at').notNull(),
});

export const authSessions = pgTable(
  'auth_sessions',
  {
    idHash: text('id_hash').primaryKey(),
    userId: text('user_id').notNull().references(() => users.id, { onDelete: 'cascade' }),
    csrf: text('csrf').notNull(),
    createdAt: ms('created_at').notNull(),
    expiresAt: ms('expires_at').notNull(),
  },
  (t) => [index('auth_sessions_expires_idx').on(t.expiresAt)],
);

export const apiTokens = pgTable('api_tokens', {
  id: text('id').primaryKey(),
  name: text('name'),
  tokenHash: text('token_hash').notNull().unique(),
  createdAt: ms('created_at').notNull(),
  lastUsedAt: ms('last_used_at'),
});

export const webhooks = pgTable('webhooks', {
  id: text('id').primaryKey(),
  site: text('site').references(() => sites.key, { onDelete: 'cascade' }),
  url: text('url').notNull(),
  events: json('events').$type<string[]>(),
  secret: text('secret').notNull(),
  createdAt: ms('created_at').notNull(),
});

export const webhookDeliveries = pgTable(
  'webhook_deliveries',
  {
    id: text('id').primaryKey(),
    webhookId: text('webhook_id').notNull().references(() => webhooks.id, { onDelete: 'cascade' }),
    leadId: text('lead_id'),
    type: text('type').notNull(),
    payload: json('payload').notNull(),
    status: text('status', { enum: ['pending', 'delivered', 'failed'] }).notNull().default('pending'),
    attempts: integer('attempts').notNull().default(0),
    nextAttemptAt: ms('next_attempt_at').notNull(),
    lockedUntil: ms('locked_until'),
    lastStatus: integer('last_status'),
    lastError: text('last_error'),
    createdAt: ms('created_at').notNull(),
    deliveredAt: ms('delivered_at'),
  },
  (t) => [
    index('webhook_deliveries_due_idx').on(t.status, t.nextAttemptAt),
    // Retention deletes the oldest finished deliveries in batches; erasure deletes a lead's.
    index('webhook_deliveries_created_idx').on(t.createdAt),
    index('webhook_deliveries_lead_idx').on(t.leadId),
  ],
);

export const models = pgTable(
  'models',
  {
    id: text('id').primaryKey(),
    site: text('site').notNull().references(() => sites.key, { onDelete: 'cascade' }),
    version: integer('version').notNull(),
    createdAt: ms('created_at').notNull(),
    params: json('params').notNull(),
    metrics: json('metrics'),
    active: boolean('active').notNull().default(false),
  },
  (t) => [uniqueIndex('models_site_version_uq').on(t.site, t.version)],
);

/** Installation-wide values the collector generates once and keeps (e.g. the signing secret when PISTE_SECRET is unset). */
export const settings = pgTable('settings', {
  key: text('key').primaryKey(),
  value: text('value').notNull(),
});
