// Plain data the dashboard pages render: the API shapes of SPEC §5 (LEAD, events, stage changes…), narrowed for display.
import type { EventJson, StageChangeJson } from '../api/leads';
import type { LeadJson } from '../leads/json';

export const STAGES = ['visitor', 'lead', 'mql', 'sal', 'sql', 'recycled'] as const;
export type Stage = (typeof STAGES)[number];

export const GRADES = ['A', 'B', 'C', 'D', 'F'] as const;
export type Grade = (typeof GRADES)[number];

/** The sort orders the API accepts (SPEC §5); anything else is a 400 there. */
export const LEAD_SORTS = ['-score', 'score', '-probability', 'probability', '-lastSeen', 'lastSeen', '-createdAt', 'createdAt'] as const;
export type LeadSort = (typeof LEAD_SORTS)[number];

/** SPEC §5 LEAD, as the API serves it (times are ISO 8601 strings), with the grade narrowed for the badges. */
export type LeadView = Omit<LeadJson, 'grade'> & { grade: Grade };

export type FormView = {
  id?: string | null;
  name?: string | null;
  action?: string | null;
  kind?: string | null;
  fields?: Record<string, string> | null;
};

/** One event of the lead detail (SPEC §5), with the form narrowed to what the timeline shows. */
export type EventView = Omit<EventJson, 'form'> & { form: FormView | null };

export type StageChangeView = Omit<StageChangeJson, 'from' | 'to'> & { from: Stage | null; to: Stage };

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

/** The body of `GET /api/funnel` the page draws (`rate`: this step / the previous one, null when that is 0). */
export type FunnelView = {
  site: string;
  from: string;
  to: string;
  funnel: Array<{ stage: 'visitor' | 'lead' | 'mql' | 'sal' | 'sql'; count: number; rate: number | null }>;
};
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

export type UserView = { id: string; email: string; createdAt: string; /** the signed-in user */ you?: boolean };
export type ApiTokenView = { id: string; name: string; createdAt: string; lastUsedAt: string | null };

/** A validation problem shown next to the field it is about (e.g. a zod issue on the rules JSON). */
export type FieldError = { path: string; message: string };

/** What every signed-in page needs: who is signed in and the CSRF token for its forms. */
export type PageContext = { user: { email: string }; csrf: string };

export type Flash = { kind: 'ok' | 'error'; message: string };
