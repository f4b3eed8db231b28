// Scoring rules as data: the zod schema a site's rules must satisfy, the SPEC §4 defaults, and parseRules.
import { z } from 'zod';

export { categoryOf } from './categories';

/** Event types the engine scores (the wire format's `type`). */
export const EVENT_TYPES = ['pageview', 'form_submit', 'identify', 'track'] as const;
export const GRADES = ['A', 'B', 'C', 'D', 'F'] as const;

// '__proto__' would corrupt the plain objects the score state keys by rule id; 'floor' is the breakdown's own row.
const RuleId = z
  .string()
  .trim()
  .min(1)
  .max(100)
  .refine((id) => id !== '__proto__' && id !== 'floor', { message: 'reserved rule id' });
const Name = z.string().trim().min(1).max(100);
const Points = z.number().finite().min(-10_000).max(10_000);
const Count = z.number().int().min(1).max(1_000_000);

const Cap = z.strictObject({
  /** at most this many firings per UTC day */
  perDay: Count.optional(),
  /** at most this many firings per session */
  perSession: Count.optional(),
  /** fires at most once ever */
  once: z.boolean().optional(),
});

const engagementBase = { id: RuleId.optional(), points: Points, cap: Cap.optional() };

/** One engagement rule: what it matches (`on`), its points and its caps. Its id defaults to a readable name. */
const EngagementRuleInput = z.discriminatedUnion('on', [
  z.strictObject({ ...engagementBase, on: z.literal('event'), type: z.enum(EVENT_TYPES) }),
  z.strictObject({ ...engagementBase, on: z.literal('category'), category: Name }),
  z.strictObject({ ...engagementBase, on: z.literal('track'), name: Name }),
  z.strictObject({ ...engagementBase, on: z.literal('form_kind'), kind: Name }),
  z.strictObject({ ...engagementBase, on: z.literal('form_with_email') }),
  z.strictObject({ ...engagementBase, on: z.literal('returning_visit') }),
]);

function engagementId(rule: z.output<typeof EngagementRuleInput>): string {
  switch (rule.on) {
    case 'event':
      return rule.type;
    case 'category':
      return `category:${rule.category}`;
    case 'track':
      return `track:${rule.name}`;
    case 'form_kind':
      return `form_kind:${rule.kind}`;
    default:
      return rule.on;
  }
}

export const EngagementRuleSchema = EngagementRuleInput.transform((rule) => ({
  ...rule,
  id: rule.id ?? engagementId(rule),
  cap: rule.cap ?? {},
}));
export type EngagementRule = z.output<typeof EngagementRuleSchema>;

const withFitId = <T extends { id?: string }>(fallback: (r: T) => string) => (r: T) => ({ ...r, id: r.id ?? fallback(r) });

const TitleRule = z
  .strictObject({ id: RuleId.optional(), keywords: z.array(Name).min(1).max(100), points: Points })
  .transform(withFitId((r) => `fit:title:${r.keywords[0]}`));

const CompanySizeRule = z
  .strictObject({
    id: RuleId.optional(),
    min: z.number().int().min(0).optional(),
    max: z.number().int().min(0).optional(),
    points: Points,
  })
  .refine((r) => r.min === undefined || r.max === undefined || r.min <= r.max, { message: 'min must be ≤ max' })
  .transform(withFitId((r) => `fit:company_size:${r.min ?? 0}-${r.max ?? ''}`));

const CountryRule = z
  .strictObject({ id: RuleId.optional(), countries: z.array(Name).min(1).max(300), points: Points })
  .transform(withFitId((r) => `fit:country:${r.countries.join(',')}`));

const TraitRule = z
  .strictObject({
    id: RuleId.optional(),
    trait: Name,
    equals: z.union([z.string().max(500), z.number(), z.boolean()]).optional(),
    contains: z.string().min(1).max(500).optional(),
    points: Points,
  })
  .refine((r) => (r.equals === undefined) !== (r.contains === undefined), {
    message: 'a trait rule needs exactly one of equals or contains',
  })
  .transform(
    withFitId((r) => `fit:trait:${r.trait}${r.contains !== undefined ? `~${r.contains}` : `=${String(r.equals)}`}`),
  );

const DEFAULT_TITLES = [
  {
    id: 'fit:title_senior',
    keywords: ['founder', 'ceo', 'cto', 'coo', 'cfo', 'chief', 'vp', 'vice president', 'head', 'director'],
    points: 10,
  },
  { id: 'fit:title_manager', keywords: ['manager'], points: 5 },
];

const EmailFit = z.strictObject({
  /** points for a business (non free-mail) domain */
  business: Points.default(10),
  /** points for a free-mail domain (gmail.com, …) */
  free: Points.default(-10),
  /** domains to treat as free-mail besides the maintained list */
  extraFreeDomains: z.array(Name).max(10_000).default(() => []),
});

const FitSchema = z.strictObject({
  email: EmailFit.prefault(() => ({})),
  /** title seniority: only the highest-scoring matching rule counts */
  titles: z.array(TitleRule).max(100).prefault(() => structuredClone(DEFAULT_TITLES)),
  /** every matching rule counts */
  companySize: z.array(CompanySizeRule).max(100).default(() => []),
  countries: z.array(CountryRule).max(100).default(() => []),
  traits: z.array(TraitRule).max(100).default(() => []),
});

const GradeThresholds = z
  .strictObject({ A: z.number().finite(), B: z.number().finite(), C: z.number().finite(), D: z.number().finite() })
  .refine((g) => g.A >= g.B && g.B >= g.C && g.C >= g.D, { message: 'grade thresholds must be A ≥ B ≥ C ≥ D' });

const CategoryRule = z.strictObject({
  category: Name,
  prefixes: z.array(z.string().trim().min(1).max(200).startsWith('/')).min(1).max(100),
});
export type CategoryRule = z.output<typeof CategoryRule>;

const DEFAULT_ENGAGEMENT: z.input<typeof EngagementRuleSchema>[] = [
  { id: 'pageview', on: 'event', type: 'pageview', points: 1, cap: { perDay: 10 } },
  { id: 'category:pricing', on: 'category', category: 'pricing', points: 15, cap: { perSession: 1 } },
  { id: 'category:careers', on: 'category', category: 'careers', points: -10, cap: { perSession: 1 } },
  { id: 'returning_visit', on: 'returning_visit', points: 5 },
  { id: 'form_with_email', on: 'form_with_email', points: 10 },
  { id: 'track:newsletter_signup', on: 'track', name: 'newsletter_signup', points: 5 },
  { id: 'track:document_download', on: 'track', name: 'document_download', points: 1 },
  { id: 'track:email_open', on: 'track', name: 'email_open', points: 2 },
  { id: 'track:email_click', on: 'track', name: 'email_click', points: 3 },
  { id: 'form_kind:demo', on: 'form_kind', kind: 'demo', points: 30 },
  { id: 'form_kind:contact_sales', on: 'form_kind', kind: 'contact_sales', points: 30 },
];

const DEFAULT_CATEGORIES: CategoryRule[] = [
  { category: 'pricing', prefixes: ['/pricing', '/plans', '/tarifs', '/prix'] },
  { category: 'careers', prefixes: ['/careers', '/jobs', '/recrutement', '/carrieres'] },
  { category: 'contact', prefixes: ['/contact', '/demo'] },
  { category: 'blog', prefixes: ['/blog'] },
  { category: 'docs', prefixes: ['/docs'] },
];

function uniqueIds(ids: string[], ctx: z.RefinementCtx, what: string): void {
  const seen = new Set<string>();
  for (const id of ids) {
    if (seen.has(id)) ctx.addIssue({ code: 'custom', message: `duplicate ${what} rule id "${id}"` });
    seen.add(id);
  }
}

/**
 * A site's scoring rules. Every part is optional in the input and defaults to SPEC §4; a list that is given
 * replaces the default list entirely.
 */
export const RulesSchema = z
  .strictObject({
    /** decay half-life of engagement points; null or 0 = no decay. ≥ 14 days keeps scoreKey finite until ~2063. */
    halfLifeDays: z
      .number()
      .refine((d) => d === 0 || (d >= 14 && d <= 3650), { message: 'halfLifeDays must be 0 (off) or 14…3650' })
      .nullable()
      .default(90),
    engagement: z
      .array(EngagementRuleSchema)
      .max(200)
      .prefault(() => structuredClone(DEFAULT_ENGAGEMENT)),
    fit: FitSchema.prefault(() => ({})),
    grades: GradeThresholds.prefault(() => ({ A: 30, B: 20, C: 10, D: 0 })),
    mql: z
      .strictObject({ score: z.number().finite().default(50), minGrade: z.enum(GRADES).default('C') })
      .prefault(() => ({})),
    sql: z.strictObject({ score: z.number().finite().default(100) }).prefault(() => ({})),
    /** form kinds that ask for sales contact: the lead becomes SQL at once */
    sqlFormKinds: z.array(Name).max(100).default(() => ['demo', 'contact_sales']),
    /** URL path prefixes → page category, used when the page names no category itself */
    categories: z.array(CategoryRule).max(200).prefault(() => structuredClone(DEFAULT_CATEGORIES)),
  })
  .superRefine((rules, ctx) => {
    uniqueIds(
      rules.engagement.map((r) => r.id),
      ctx,
      'engagement',
    );
    const fit = rules.fit;
    uniqueIds(
      [
        'fit:business_email',
        'fit:free_email',
        ...[...fit.titles, ...fit.companySize, ...fit.countries, ...fit.traits].map((r) => r.id),
      ],
      ctx,
      'fit',
    );
  });

export type Rules = z.output<typeof RulesSchema>;
export type RulesInput = z.input<typeof RulesSchema>;

/**
 * Validates rules (an object, or its JSON text) and fills every missing part with the defaults.
 * null/undefined give the defaults. Throws a ZodError on invalid rules, invalid JSON text included.
 * @example parseRules({ halfLifeDays: null }) // defaults without decay
 */
export function parseRules(json: unknown): Rules {
  return RulesSchema.parse(typeof json === 'string' ? parseJson(json) : (json ?? {}));
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text) ?? {};
  } catch {
    throw new z.ZodError([{ code: 'custom', message: 'rules are not valid JSON', path: [], input: text }]);
  }
}

/** SPEC §4 defaults. Frozen: parse a copy (`parseRules({...})`) to change them. */
export const DEFAULT_RULES: Rules = deepFreeze(parseRules({}));

function deepFreeze<T>(value: T): T {
  if (value && typeof value === 'object') {
    for (const inner of Object.values(value)) deepFreeze(inner);
    Object.freeze(value);
  }
  return value;
}
