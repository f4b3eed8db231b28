// Plain data the dashboard pages render: mirrors the API shapes of SPEC §5 (LEAD, events, stage changes…).

export const STAGES = ['visitor', 'lead', 'mql', 'sal', 'sql', 'recycled'] as const;
export type Stage = (typeof STAGES)[number];

export const GRADES = ['A', 'B', 'C', 'D', 'F'] as const;
export type Grade = (typeof GRADES)[number];

/** The sort orders the API accepts (SPEC §5); anything else is a 400 there. */
export const LEAD_SORTS = ['-score', 'score', '-probability', 'probability', '-lastSeen', 'lastSeen', '-createdAt', 'createdAt'] as const;
export type LeadSort = (typeof LEAD_SORTS)[number];

/** SPEC §5 LEAD; times are ISO 8601 strings. */
export type LeadView = {
  id: string;
  site: string;
  email: string;
  name: string | null;
  company: string | null;
  title: string | null;
  score: number;
  grade: Grade;
  stage: Stage;
  probability: number | null;
  firstSeen: string;
  lastSeen: string;
  visits: number;
  pageviews: number;
};

export type FormView = {
  id?: string | null;
  name?: string | null;
  action?: string | null;
  kind?: string | null;
  fields?: Record<string, string> | null;
};

/** One event of the lead detail (SPEC §5). */
export type EventView = {
  id: string;
  type: 'pageview' | 'form_submit' | 'identify' | 'track';
  ts: string;
  url: string | null;
  title: string | null;
  ref: string | null;
  cat: string | null;
  name: string | null;
  props: Record<string, string | number | boolean> | null;
  form: FormView | null;
  sessionId: string;
};

export type StageChangeView = {
  from: Stage | null;
  to: Stage;
  at: string;
  cause: string;
  actor: string | null;
};

export type BreakdownItem = { rule: string; count: number; points: number };
export type FitItem = { rule: string; points: number };

/** The body of `GET /api/leads/:id`. */
export type LeadDetailView = {
  lead: LeadView;
  events: EventView[];
  stages: StageChangeView[];
  breakdown: BreakdownItem[];
  fit: FitItem[];
  /** The predictive model's reasons for `lead.probability` (collector/predict explain); empty or absent without a model. */
  explain?: ProbabilityReason[];
};
export type ProbabilityReason = { feature: string; label: string; effect: number; direction: 'up' | 'down'; text: string };

/** The lead-list filters, as they appear in the query string. */
export type LeadFilters = {
  site?: string;
  stage?: Stage;
  grade?: Grade;
  minScore?: number;
  q?: string;
  sort?: LeadSort;
};

export type FunnelCounts = { visitors: number; leads: number; mql: number; sal: number; sql: number };
export type HistogramBin = { min: number; max: number; count: number };

export type CategoryRule = { category: string; prefixes: string[] };

export type SiteView = {
  key: string;
  name: string | null;
  origins: string[];
  categories: CategoryRule[];
};

export type WebhookView = {
  id: string;
  site: string | null;
  url: string;
  events: string[];
  createdAt: string;
};

export type DeliveryView = {
  id: string;
  webhookId: string;
  leadId: string;
  type: string;
  status: 'pending' | 'delivered' | 'failed';
  attempts: number;
  lastStatus: number | null;
  lastError: string | null;
  createdAt: string;
  deliveredAt: string | null;
};

export type UserView = { id: string; email: string; createdAt: string };
export type ApiTokenView = { id: string; name: string; createdAt: string; lastUsedAt: string | null };

/** A validation problem shown next to the field it is about (e.g. a zod issue on the rules JSON). */
export type FieldError = { path: string; message: string };

/** What every signed-in page needs: who is signed in and the CSRF token for its forms. */
export type PageContext = { user: { email: string }; csrf: string };

export type Flash = { kind: 'ok' | 'error'; message: string };
