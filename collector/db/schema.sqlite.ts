// The SQLite schema (drizzle); ARCHITECTURE "Data model". Times are integer ms since epoch; json columns hold text.
import { sqliteTable, text, integer, real, primaryKey, index, uniqueIndex } from 'drizzle-orm/sqlite-core';

const ms = (name: string) => integer(name, { mode: 'number' });

export const sites = sqliteTable('sites', {
  key: text('key').primaryKey(),
  name: text('name').notNull(),
  origins: text('origins', { mode: 'json' }).$type<string[]>().notNull(),
  rules: text('rules', { mode: 'json' }), // null → default rules
  createdAt: ms('created_at').notNull(),
});

export const visitors = sqliteTable(
  'visitors',
  {
    site: text('site').notNull().references(() => sites.key, { onDelete: 'cascade' }),
    vid: text('vid').notNull(),
    leadId: text('lead_id').references(() => leads.id, { onDelete: 'set null' }),
    firstSeen: ms('first_seen').notNull(),
    lastSeen: ms('last_seen').notNull(),
    lastSessionId: text('last_session_id').notNull(),
    sessions: integer('sessions').notNull().default(1),
    scoreKey: real('score_key').notNull().default(0),
    scoreState: text('score_state', { mode: 'json' }),
  },
  (t) => [
    primaryKey({ columns: [t.site, t.vid] }),
    index('visitors_lead_idx').on(t.leadId),
    index('visitors_site_first_seen_idx').on(t.site, t.firstSeen), // funnel: browsers first seen in a period
  ],
);

export const leads = sqliteTable(
  'leads',
  {
    id: text('id').primaryKey(),
    site: text('site').notNull().references(() => sites.key, { onDelete: 'cascade' }),
    email: text('email').notNull(),
    name: text('name'),
    company: text('company'),
    title: text('title'),
    traits: text('traits', { mode: 'json' }).$type<Record<string, unknown>>().notNull().default({}),
    stage: text('stage').notNull().default('lead'),
    stageAt: ms('stage_at').notNull(),
    rejectedAt: ms('rejected_at'),
    scoreKey: real('score_key').notNull().default(0),
    scoreState: text('score_state', { mode: 'json' }),
    fitPoints: integer('fit_points').notNull().default(0),
    grade: text('grade'),
    probability: real('probability'),
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

export const events = sqliteTable(
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
    props: text('props', { mode: 'json' }),
    email: text('email'),
    traits: text('traits', { mode: 'json' }),
    form: text('form', { mode: 'json' }),
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

export const stageChanges = sqliteTable(
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

export const users = sqliteTable('users', {
  id: text('id').primaryKey(),
  email: text('email').notNull().unique(),
  passwordHash: text('password_hash').notNull(),
  createdAt: ms('created_at').notNull(),
});

export const authSessions = sqliteTable(
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

export const apiTokens = sqliteTable('api_tokens', {
  id: text('id').primaryKey(),
  name: text('name'),
  tokenHash: text('token_hash').notNull().unique(),
  createdAt: ms('created_at').notNull(),
  lastUsedAt: ms('last_used_at'),
});

export const webhooks = sqliteTable('webhooks', {
  id: text('id').primaryKey(),
  site: text('site').references(() => sites.key, { onDelete: 'cascade' }),
  url: text('url').notNull(),
  events: text('events', { mode: 'json' }).$type<string[]>(),
  secret: text('secret').notNull(),
  createdAt: ms('created_at').notNull(),
});

export const webhookDeliveries = sqliteTable(
  'webhook_deliveries',
  {
    id: text('id').primaryKey(),
    webhookId: text('webhook_id').notNull().references(() => webhooks.id, { onDelete: 'cascade' }),
    leadId: text('lead_id'),
    type: text('type').notNull(),
    payload: text('payload', { mode: 'json' }).notNull(),
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

export const models = sqliteTable(
  'models',
  {
    id: text('id').primaryKey(),
    site: text('site').notNull().references(() => sites.key, { onDelete: 'cascade' }),
    version: integer('version').notNull(),
    createdAt: ms('created_at').notNull(),
    params: text('params', { mode: 'json' }).notNull(),
    metrics: text('metrics', { mode: 'json' }),
    active: integer('active', { mode: 'boolean' }).notNull().default(false),
  },
  (t) => [uniqueIndex('models_site_version_uq').on(t.site, t.version)],
);

/** Installation-wide values the collector generates once and keeps (e.g. the signing secret when PISTE_SECRET is unset). */
export const settings = sqliteTable('settings', {
  key: text('key').primaryKey(),
  value: text('value').notNull(),
});
