// Per-lead features for the predictive model, computed at a cutoff from the same event stream as the rules engine.
import { isCompanyEmail, isFreeEmail } from 'free-email-domains-list';
import { DEFAULT_RULES, parseRules, scoreEvents, summarize, type Rules, type ScoringEvent } from '../scoring';

/** The rules engine's event: features and score come from the same stream. */
export type PredictEvent = ScoringEvent;

export type LeadTraits = { email?: string | null; title?: string | null; companySize?: number | string | null; country?: string | null };

export type FeatureInput = {
  events: readonly PredictEvent[];
  traits: LeadTraits;
  becameLeadAt: number;
  /** only events with ts < cutoff are used: nothing at or after the cutoff can leak into the features */
  cutoff: number;
  /** half-life of the engagement feature when no `rules` are given (null or 0: no decay; else 14–3650) */
  halfLifeDays: number | null;
  /** the site's scoring rules (their own half-life applies); SPEC §4 defaults with `halfLifeDays` otherwise */
  rules?: Rules;
};

const DAY = 86_400_000;
// With no activity at all before the cutoff, recency is this many days (log-scaled like any other value).
const NO_ACTIVITY_DAYS = 365;

const times = (v: number, one: string, many = `${one}s`) => `${v} ${v === 1 ? one : many}`;
const pages = (kind: string) => (v: number) => `Visited ${kind} pages ${times(v, 'time')}`;
const forms = (kind: string) => (v: number) => `Sent ${times(v, `${kind} form`)}`;
const SENIORITY = ['no senior title', 'a manager title', 'a director-level title', 'a founder or executive title'];

/**
 * The model's features in a fixed order (the order of a model's weights). `label` names the feature for people;
 * `text` says what a lead's raw value means, for explanations ("Visited pricing pages 3 times").
 */
export const FEATURES = [
  { name: 'pageviews', label: 'pages viewed', text: (v: number) => `Viewed ${times(v, 'page')}` },
  { name: 'forms', label: 'forms submitted', text: (v: number) => `Submitted ${times(v, 'form')}` },
  { name: 'identifies', label: 'times identified', text: (v: number) => `Identified ${times(v, 'time')}` },
  { name: 'tracked', label: 'tracked actions', text: (v: number) => `Took ${times(v, 'tracked action')}` },
  { name: 'pricing_views', label: 'visits to pricing pages', text: pages('pricing') },
  { name: 'careers_views', label: 'visits to careers pages', text: pages('careers') },
  { name: 'contact_views', label: 'visits to contact pages', text: pages('contact') },
  { name: 'blog_views', label: 'visits to blog pages', text: pages('blog') },
  { name: 'docs_views', label: 'visits to docs pages', text: pages('docs') },
  { name: 'other_views', label: 'visits to other pages', text: pages('other') },
  { name: 'sessions', label: 'visits', text: (v: number) => `Came ${times(v, 'time')}` },
  { name: 'returning_visits', label: 'returning visits', text: (v: number) => `Came back ${times(v, 'time')}` },
  {
    name: 'days_since_last',
    label: 'days since last visit',
    text: (v: number) => `Last active ${times(Math.round(Math.expm1(v)), 'day')} ago`,
  },
  { name: 'engagement', label: 'engagement score', text: (v: number) => `Engagement score ${Math.round(v)}` },
  { name: 'demo_forms', label: 'demo requests', text: forms('demo request') },
  { name: 'contact_sales_forms', label: 'contact-sales requests', text: forms('contact-sales') },
  { name: 'newsletter_signups', label: 'newsletter sign-ups', text: (v: number) => `Signed up for the newsletter ${times(v, 'time')}` },
  { name: 'other_forms', label: 'other forms', text: forms('other') },
  { name: 'downloads', label: 'documents downloaded', text: (v: number) => `Downloaded ${times(v, 'document')}` },
  { name: 'email_engagement', label: 'email opens and clicks', text: (v: number) => `Opened or clicked our emails ${times(v, 'time')}` },
  { name: 'business_email', label: 'business email address', text: (v: number) => (v ? 'Uses a business email address' : 'No business email address') },
  { name: 'free_email', label: 'free email address', text: (v: number) => (v ? 'Uses a free email address' : 'No free email address') },
  { name: 'title_seniority', label: 'job title seniority', text: (v: number) => `Has ${SENIORITY[v] ?? SENIORITY[0]}` },
  {
    name: 'company_size',
    label: 'company size',
    text: (v: number) => (v === 0 ? 'Company size unknown' : `Works at a company of ${COMPANY_SIZE_TEXT[v]} people`),
  },
] as const;

export type FeatureName = (typeof FEATURES)[number]['name'];
export const FEATURE_NAMES: readonly FeatureName[] = FEATURES.map((f) => f.name);
export const FEATURE_LABELS = Object.fromEntries(FEATURES.map((f) => [f.name, f.label])) as Record<FeatureName, string>;

const COMPANY_SIZE_TEXT = ['', '1–9', '10–99', '100–999', '1,000–9,999', '10,000+'];
const CATEGORIES = ['pricing', 'careers', 'contact', 'blog', 'docs'] as const;
const FORM_KINDS: Record<string, FeatureName> = { demo: 'demo_forms', contact_sales: 'contact_sales_forms', newsletter: 'newsletter_signups' };

/**
 * Features of one lead at `cutoff`, from events strictly before it.
 * @example extractFeatures({ events, traits: { email: 'ada@acme.io' }, becameLeadAt, cutoff: becameLeadAt, halfLifeDays: 90 }).pricing_views
 */
export function extractFeatures(input: FeatureInput): Record<FeatureName, number> {
  const { cutoff, halfLifeDays } = input;
  const events = input.events.filter((e) => e.ts < cutoff);
  const f = Object.fromEntries(FEATURE_NAMES.map((n) => [n, 0])) as Record<FeatureName, number>;
  const sessions = new Set<string>();
  let last = -Infinity;
  for (const e of events) {
    if (e.sessionId !== '') sessions.add(e.sessionId); // '' = outside any visit (e.g. an email open)
    last = Math.max(last, e.ts);
    if (e.type === 'pageview') {
      f.pageviews++;
      const cat = CATEGORIES.find((c) => c === e.cat) ?? 'other';
      f[`${cat}_views`]++;
    } else if (e.type === 'form_submit') {
      f.forms++;
      f[FORM_KINDS[e.formKind ?? ''] ?? 'other_forms']++;
    } else if (e.type === 'identify') {
      f.identifies++;
    } else {
      f.tracked++;
      if (e.name === 'document_download') f.downloads++;
      if (e.name === 'email_open' || e.name === 'email_click') f.email_engagement++;
      if (e.name === 'newsletter_signup') f.newsletter_signups++;
    }
  }
  f.sessions = sessions.size;
  f.returning_visits = Math.max(0, sessions.size - 1);
  f.days_since_last = Math.log1p(last === -Infinity ? NO_ACTIVITY_DAYS : Math.max(0, cutoff - last) / DAY);
  const rules = input.rules ?? defaultRulesWith(halfLifeDays);
  f.engagement = summarize(rules, scoreEvents(rules, events), cutoff).score;
  const emailKind = emailKindOf(input.traits.email);
  f.business_email = emailKind === 'business' ? 1 : 0;
  f.free_email = emailKind === 'free' ? 1 : 0;
  f.title_seniority = seniorityOf(input.traits.title);
  f.company_size = companySizeBucket(input.traits.companySize);
  return f;
}

/** The features as a vector in FEATURE_NAMES order, as the model takes them. */
export function featureVector(features: Record<FeatureName, number>): number[] {
  return FEATURE_NAMES.map((n) => features[n]);
}

export function emailKindOf(email: string | null | undefined): 'business' | 'free' | 'none' {
  if (typeof email !== 'string' || !email.includes('@')) return 'none';
  const normalized = email.trim().toLowerCase();
  // as the fit rules read it: both checks validate the syntax, so an unparseable address is neither kind
  if (isFreeEmail(normalized)) return 'free';
  return isCompanyEmail(normalized) ? 'business' : 'none';
}

const rulesByHalfLife = new Map<number | null, Rules>([[DEFAULT_RULES.halfLifeDays, DEFAULT_RULES]]);
/** Parsing rules is not free and a dataset asks thousands of times: one parsed copy per half-life. */
function defaultRulesWith(halfLifeDays: number | null): Rules {
  let rules = rulesByHalfLife.get(halfLifeDays);
  if (!rules) rulesByHalfLife.set(halfLifeDays, (rules = parseRules({ halfLifeDays })));
  return rules;
}

/** 3 founder/C-level/owner/president, 2 VP/head/director, 1 manager, 0 anything else (SPEC §4's title rule, graded). */
export function seniorityOf(title: string | null | undefined): number {
  if (typeof title !== 'string') return 0;
  const t = title.toLowerCase();
  if (/\b(co-?founder|founder|ceo|cto|cfo|coo|cmo|cro|chief|owner|president|managing director)\b/.test(t)) return 3;
  if (/\b(vp|vice president|head|director)\b/.test(t)) return 2;
  if (/\bmanager\b/.test(t)) return 1;
  return 0;
}

/** 0 unknown, else 1 + ⌊log10(size)⌋ capped at 5: 1–9 → 1, 10–99 → 2, … 10,000+ → 5. Accepts "51-200" (lower bound). */
export function companySizeBucket(size: number | string | null | undefined): number {
  const n = typeof size === 'number' ? size : typeof size === 'string' ? Number.parseInt(size.replace(/[,\s]/g, ''), 10) : NaN;
  if (!Number.isFinite(n) || n < 1) return 0;
  return Math.min(5, 1 + Math.floor(Math.log10(n)));
}
