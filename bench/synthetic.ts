// Seeded synthetic traffic for benchmarks and model tests: visitors, sessions, forms and a hidden ground truth.
//
// Each visitor has a hidden buyer intent in [0, 1]. With `signal: true` it drives behaviour (more sessions and
// returns, pricing/docs/contact pages, demo forms, business email, senior title, bigger company) and, through
// the same intent, the ground truth: whether and when the lead reached sql. With `signal: false` behaviour
// comes from a second, independent draw, so nothing observable says anything about the label.
import type { WireEvent } from '../collector/ingest/schema';
import type { LeadHistory } from '../collector/predict/train';
import { normal, seededRandom } from '../collector/predict/random';

export type SyntheticOptions = {
  seed: number;
  /** identified visitors (about 30% of all visitors) */
  leads: number;
  /** about this many events in total, spread over visitors by a power law */
  events: number;
  site?: string;
  start?: number;
  days?: number;
  signal?: boolean;
};

export type SyntheticEvent = { kind: 'event'; site: string; ip: string; ua: string; event: WireEvent };
export type SyntheticTruth = {
  kind: 'truth';
  site: string;
  vid: string;
  email: string;
  intent: number;
  becameLeadAt: number;
  /** null: never reached sql in the simulation */
  reachedSqlAt: number | null;
  /** 'form': a demo/contact-sales form (the rules move it at once); 'sales': qualified by hand, no event */
  qualifiedBy: 'form' | 'sales' | null;
  traits: { email: string; name: string; company: string; title: string; companySize: number; country: string };
};
export type SyntheticRecord = SyntheticEvent | SyntheticTruth;

const DAY = 86_400_000;
const IDENTIFIED_SHARE = 0.3;

const PAGES: Record<string, { path: string; title: string }[]> = {
  pricing: [{ path: '/pricing', title: 'Pricing' }, { path: '/plans/enterprise', title: 'Enterprise plan' }],
  docs: [{ path: '/docs/getting-started', title: 'Getting started' }, { path: '/docs/api', title: 'API reference' }, { path: '/docs/security', title: 'Security' }],
  contact: [{ path: '/contact', title: 'Contact us' }, { path: '/demo', title: 'Book a demo' }],
  careers: [{ path: '/careers', title: 'Careers' }, { path: '/jobs/backend-engineer', title: 'Backend engineer' }],
  blog: Array.from({ length: 12 }, (_, i) => ({ path: `/blog/post-${i + 1}`, title: `Blog post ${i + 1}` })),
  other: [{ path: '/', title: 'Home' }, { path: '/features', title: 'Features' }, { path: '/customers', title: 'Customers' }, { path: '/integrations', title: 'Integrations' }],
};
const REFERRERS = ['', '', 'https://www.google.com/', 'https://www.linkedin.com/', 'https://news.ycombinator.com/', 'https://duckduckgo.com/'];
const UAS = [
  'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0.0.0 Safari/537.36',
  'Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.5 Safari/605.1.15',
  'Mozilla/5.0 (X11; Linux x86_64; rv:127.0) Gecko/20100101 Firefox/127.0',
  'Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.5 Mobile/15E148 Safari/604.1',
];
const FIRST = ['ada', 'grace', 'alan', 'linus', 'margaret', 'ken', 'barbara', 'dennis', 'radia', 'edsger', 'frances', 'john'];
const LAST = ['lovelace', 'hopper', 'turing', 'torvalds', 'hamilton', 'thompson', 'liskov', 'ritchie', 'perlman', 'dijkstra', 'allen', 'backus'];
const FREE_DOMAINS = ['gmail.com', 'yahoo.com', 'hotmail.com', 'outlook.com'];
const COMPANY_WORDS = ['northwind', 'globex', 'initech', 'umbrella', 'hooli', 'vandelay', 'stark', 'wayne', 'acme', 'tyrell'];
const TLDS = ['io', 'com', 'co', 'dev'];
// Titles by seniority level (0–3), as the fit rules read them.
const TITLES = [
  ['Software Engineer', 'Student', 'Marketing Specialist', 'Analyst', 'Consultant'],
  ['Product Manager', 'Engineering Manager', 'Marketing Manager'],
  ['Head of Growth', 'Director of Engineering', 'VP Sales'],
  ['Founder', 'CEO', 'CTO', 'Chief Revenue Officer'],
];
const COUNTRIES = ['FR', 'DE', 'US', 'GB', 'ES', 'NL', 'CA', 'IN'];

/**
 * Yields, visitor after visitor, its events in time order (then, for a lead, its ground-truth record), so a
 * million events stream through without being held in memory. The same options always give the same records.
 * @example for (const r of generateSynthetic({ seed: 1, leads: 100, events: 5000 })) if (r.kind === 'event') store(r)
 */
export function* generateSynthetic(options: SyntheticOptions): Generator<SyntheticRecord> {
  const { seed, leads, events, site = 'demo', start = Date.UTC(2025, 0, 1), days = 180, signal = true } = options;
  const random = seededRandom(seed);
  const pick = <T>(list: readonly T[]): T => list[Math.floor(random() * list.length)];
  const visitors = Math.max(leads, Math.round(leads / IDENTIFIED_SHARE));
  const host = `https://${site}.piste-demo.net`;

  // Pass 1: what each visitor is (intent, behaviour, lead or not, activity weight), so events can be shared out.
  const intent = new Float64Array(visitors);
  const behaviour = new Float64Array(visitors);
  const isLead = new Uint8Array(visitors);
  const weight = new Float64Array(visitors);
  let totalWeight = 0;
  let leadsLeft = leads;
  for (let i = 0; i < visitors; i++) {
    intent[i] = buyerIntent(random);
    behaviour[i] = signal ? intent[i] : buyerIntent(random);
    isLead[i] = random() * (visitors - i) < leadsLeft ? 1 : 0; // exactly `leads` leads, spread evenly
    leadsLeft -= isLead[i];
    // power law (Pareto, α = 1.6, capped) for activity; intent makes a visitor come back more
    weight[i] = Math.min(300, (1 - random()) ** (-1 / 1.6)) * (0.5 + 1.5 * behaviour[i]);
    totalWeight += weight[i];
  }

  let eventsLeft = events;
  let weightLeft = totalWeight;
  for (let i = 0; i < visitors; i++) {
    const b = behaviour[i];
    const lead = isLead[i] === 1;
    const budget = Math.max(lead ? 2 : 1, Math.round((eventsLeft * weight[i]) / weightLeft));
    eventsLeft -= budget;
    weightLeft -= weight[i];
    const vid = randomId(random);
    const ip = `${11 + Math.floor(random() * 200)}.${Math.floor(random() * 256)}.${Math.floor(random() * 256)}.${Math.floor(random() * 256)}`;
    const ua = pick(UAS);

    // Sessions: high intent → shorter sessions, more of them, closer together.
    const perSession = 2 + random() * 4 * (1 - 0.6 * b);
    const sessions = Math.max(1, Math.min(budget, Math.round(budget / perSession)));
    const starts: number[] = [0];
    for (let s = 1; s < sessions; s++) starts.push(starts[s - 1] + -Math.log(1 - random()) * (0.5 + 8 * (1 - b)) * DAY);
    const span = days * DAY;
    const squeeze = starts[sessions - 1] > span * 0.95 ? (span * 0.95) / starts[sessions - 1] : 1;
    const first = start + random() * (span - starts[sessions - 1] * squeeze);
    const counts = new Array<number>(sessions).fill(Math.floor(budget / sessions));
    for (let r = budget - counts[0] * sessions; r > 0; r--) counts[Math.floor(random() * sessions)]++;

    const identifyAt = lead ? Math.floor(random() * Math.min(sessions, Math.max(1, Math.ceil(sessions * 0.6)))) : -1;
    const traits = lead ? leadTraits(i, b, random, pick) : null;
    // Will this lead ask for a demo later on (beyond any at identification)?
    const laterDemo = lead && random() < 0.04 + 0.45 * b * b;
    let becameLeadAt = -1;
    let formSqlAt: number | null = null;
    let seq = 0;
    const out: SyntheticEvent[] = [];
    const push = (event: Omit<WireEvent, 'id' | 'vid'>) => {
      out.push({ kind: 'event', site, ip, ua, event: { id: `${vid}-${(seq++).toString(36)}`, vid, ...event } as WireEvent });
    };

    for (let s = 0; s < sessions; s++) {
      const sid = randomId(random);
      let ts = Math.round(first + starts[s] * squeeze);
      let ref = pick(REFERRERS);
      for (let k = 0; k < counts[s]; k++) {
        ts += Math.floor(5_000 + random() * 90_000);
        const lastOfSession = k === counts[s] - 1;
        if (s === identifyAt && lastOfSession && traits) {
          const kind = identifyFormKind(b, random);
          becameLeadAt = ts;
          if (kind === 'identify') {
            push({ type: 'identify', ts, sid, email: traits.email, traits: { name: traits.name, company: traits.company, title: traits.title, companySize: traits.companySize, country: traits.country } });
          } else {
            push(formEvent(kind, ts, sid, host, traits));
            if (kind === 'demo' || kind === 'contact_sales') formSqlAt ??= ts;
          }
          continue;
        }
        if (lead && s > identifyAt && becameLeadAt >= 0) {
          if (lastOfSession && laterDemo && formSqlAt === null && random() < 0.5) {
            push(formEvent('demo', ts, sid, host, traits!));
            formSqlAt = ts;
            continue;
          }
          if (random() < 0.08) {
            push({ type: 'track', ts, sid, name: random() < 0.7 ? 'email_open' : 'email_click', props: { campaign: 'monthly' } });
            continue;
          }
        }
        if (random() < 0.02 + 0.05 * b) {
          push({ type: 'track', ts, sid, name: 'document_download', props: { file: 'whitepaper.pdf' } });
          continue;
        }
        const cat = pageCategory(b, random);
        const page = pick(PAGES[cat]);
        const url = host + page.path + (k === 0 && random() < 0.2 ? '?utm_source=newsletter' : '');
        push({ type: 'pageview', ts, sid, url, ref: ref || undefined, title: page.title, cat: cat === 'other' ? undefined : cat });
        ref = url;
      }
    }
    for (const e of out) yield e;

    if (traits && becameLeadAt >= 0) {
      // The label comes from intent: a demo form qualifies at once (when behaviour carries the intent);
      // otherwise sales may qualify the lead by hand some days after it became a lead.
      let reachedSqlAt: number | null = signal ? formSqlAt : null;
      let qualifiedBy: SyntheticTruth['qualifiedBy'] = reachedSqlAt === null ? null : 'form';
      if (reachedSqlAt === null && random() < 0.9 / (1 + Math.exp(-20 * (intent[i] - 0.6)))) {
        reachedSqlAt = becameLeadAt + Math.floor(-Math.log(1 - random()) * 15 * DAY);
        qualifiedBy = 'sales';
      }
      yield { kind: 'truth', site, vid, email: traits.email, intent: intent[i], becameLeadAt, reachedSqlAt, qualifiedBy, traits };
    }
  }
}

/**
 * Groups generated records into lead histories for training (events as the scoring engine sees them).
 * Holds everything in memory: for tests and small runs, not for the million-event seed.
 */
export function leadHistories(records: Iterable<SyntheticRecord>): (LeadHistory & { intent: number })[] {
  const eventsByVid = new Map<string, LeadHistory['events'][number][]>();
  const out: (LeadHistory & { intent: number })[] = [];
  for (const r of records) {
    if (r.kind === 'event') {
      const e = r.event;
      let list = eventsByVid.get(e.vid);
      if (!list) eventsByVid.set(e.vid, (list = []));
      list.push({ id: e.id, type: e.type, ts: e.ts, sessionId: e.sid ?? e.vid, cat: e.cat ?? null, name: e.name ?? null, formKind: e.form?.kind ?? null, hasEmail: Boolean(e.email) });
    } else {
      out.push({ id: r.vid, becameLeadAt: r.becameLeadAt, reachedSqlAt: r.reachedSqlAt, events: eventsByVid.get(r.vid) ?? [], traits: r.traits, intent: r.intent });
      eventsByVid.delete(r.vid);
    }
  }
  return out;
}

/** About one visitor in four is a real buyer (intent 0.5–1); the rest browse (0–0.35). */
function buyerIntent(random: () => number): number {
  return random() < 0.25 ? 0.5 + 0.5 * random() : 0.35 * random();
}

function pageCategory(b: number, random: () => number): string {
  const weights: [string, number][] = [
    ['pricing', 0.03 + 0.25 * b],
    ['docs', 0.05 + 0.15 * b],
    ['contact', 0.01 + 0.06 * b],
    ['careers', 0.01 + 0.08 * (1 - b)],
    ['blog', 0.05 + 0.3 * (1 - b)],
    ['other', 0.35],
  ];
  let u = random() * weights.reduce((s, [, w]) => s + w, 0);
  for (const [cat, w] of weights) if ((u -= w) < 0) return cat;
  return 'other';
}

function identifyFormKind(b: number, random: () => number): 'demo' | 'contact_sales' | 'newsletter' | 'ebook' | 'identify' {
  const u = random();
  if (u < 0.02 + 0.25 * b * b) return 'demo';
  if (u < 0.04 + 0.35 * b * b) return 'contact_sales';
  if (u < 0.55) return 'newsletter';
  if (u < 0.85) return 'ebook';
  return 'identify';
}

function formEvent(kind: string, ts: number, sid: string, host: string, t: NonNullable<SyntheticTruth['traits']>): Omit<WireEvent, 'id' | 'vid'> {
  return {
    type: 'form_submit',
    ts,
    sid,
    url: `${host}/${kind === 'newsletter' ? 'blog' : kind === 'ebook' ? 'resources/ebook' : 'demo'}`,
    email: t.email,
    traits: { name: t.name, company: t.company, title: t.title, companySize: t.companySize, country: t.country },
    form: { id: `${kind}-form`, name: kind, kind, fields: { company: t.company, title: t.title, company_size: String(t.companySize) } },
  };
}

function leadTraits(i: number, b: number, random: () => number, pick: <T>(l: readonly T[]) => T): SyntheticTruth['traits'] {
  const first = pick(FIRST);
  const last = pick(LAST);
  const company = `${pick(COMPANY_WORDS)}${i}`;
  const business = random() < 0.2 + 0.75 * b;
  const email = `${first}.${last}${i}@${business ? `${company}.${pick(TLDS)}` : pick(FREE_DOMAINS)}`;
  const u = random();
  const level = u < 0.05 + 0.4 * b ? 3 : u < 0.15 + 0.6 * b ? 2 : u < 0.35 + 0.5 * b ? 1 : 0;
  const companySize = Math.max(1, Math.round(Math.exp(2 + 3.5 * b + normal(random))));
  return { email, name: `${cap(first)} ${cap(last)}`, company: cap(company), title: pick(TITLES[level]), companySize, country: pick(COUNTRIES) };
}

function cap(s: string): string {
  return s[0].toUpperCase() + s.slice(1);
}

const ID_CHARS = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';
/** 22 characters from the seeded source (like collector/ids newId, but reproducible). */
function randomId(random: () => number): string {
  let id = '';
  for (let k = 0; k < 22; k++) id += ID_CHARS[Math.floor(random() * 62)];
  return id;
}
