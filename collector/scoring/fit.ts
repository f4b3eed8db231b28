// Fit: points and an A–F grade from what a lead told about itself (email domain, title, size, country, traits).
import { DOMAINS as FREE_DOMAINS } from 'free-email-domains-list';
import { z } from 'zod';
import type { GRADES, Rules } from './rules';

const emailSyntax = z.email();

export type Grade = (typeof GRADES)[number];

export type Traits = {
  email?: string | null;
  title?: string | null;
  companySize?: number | string | null;
  country?: string | null;
  [trait: string]: unknown;
};

export type FitRow = { rule: string; points: number };
export type Fit = { points: number; grade: Grade; fit: FitRow[] };

/**
 * Fit points and grade. Email: business domain or free-mail domain (an unknown or invalid email fires
 * neither); title: the highest-scoring matching keyword rule only; company size, country and trait
 * rules: every one that matches.
 * @example fitOf(DEFAULT_RULES, { email: 'ada@acme.com', title: 'CEO' }) // { points: 20, grade: 'B', … }
 */
export function fitOf(rules: Rules, traits: Traits): Fit {
  const fit: FitRow[] = [];
  const email = emailRow(rules.fit.email, traits.email);
  if (email) fit.push(email);

  const title = words(traits.title);
  if (title) {
    const best = rules.fit.titles
      .filter((r) => r.keywords.some((k) => title.includes(words(k) ?? '\0')))
      .reduce<FitRow | null>((top, r) => (top === null || r.points > top.points ? { rule: r.id, points: r.points } : top), null);
    if (best) fit.push(best);
  }

  const size = companySizeOf(traits.companySize);
  if (size !== null) {
    for (const r of rules.fit.companySize) {
      if ((r.min === undefined || size >= r.min) && (r.max === undefined || size <= r.max)) {
        fit.push({ rule: r.id, points: r.points });
      }
    }
  }

  const country = typeof traits.country === 'string' ? traits.country.trim().toUpperCase() : '';
  if (country) {
    for (const r of rules.fit.countries) {
      if (r.countries.some((c) => c.toUpperCase() === country)) fit.push({ rule: r.id, points: r.points });
    }
  }

  for (const r of rules.fit.traits) {
    const value = Object.hasOwn(traits, r.trait) ? traits[r.trait] : undefined;
    if (traitMatches(value, r)) fit.push({ rule: r.id, points: r.points });
  }

  const points = fit.reduce((sum, row) => sum + row.points, 0);
  return { points, grade: gradeOf(rules, points), fit };
}

/** The grade of a number of fit points: A ≥ 30, B ≥ 20, C ≥ 10, D ≥ 0, F below (by default). */
export function gradeOf(rules: Pick<Rules, 'grades'>, points: number): Grade {
  const g = rules.grades;
  if (points >= g.A) return 'A';
  if (points >= g.B) return 'B';
  if (points >= g.C) return 'C';
  if (points >= g.D) return 'D';
  return 'F';
}

function emailRow(rule: Rules['fit']['email'], raw: string | null | undefined): FitRow | null {
  if (typeof raw !== 'string') return null;
  const email = raw.trim().toLowerCase(); // the maintained list is lower-case
  // The syntax check that identifies leads (a lead's own email always passes it); validator's isEmail, which the list's
  // helpers run on every call, cost a rescore half a second per 100k leads.
  if (!emailSyntax.safeParse(email).success) return null;
  const domain = email.slice(email.lastIndexOf('@') + 1);
  if (FREE_DOMAINS.has(domain) || rule.extraFreeDomains.some((d) => d.toLowerCase() === domain)) return { rule: 'fit:free_email', points: rule.free };
  return { rule: 'fit:business_email', points: rule.business };
}

/** Lower-case words separated by single spaces and padded, so keywords match whole words ("cto" ≠ "director"). */
function words(text: unknown): string | null {
  if (typeof text !== 'string') return null;
  const joined = text.toLowerCase().replace(/[^\p{L}\p{N}]+/gu, ' ').trim();
  return joined ? ` ${joined} ` : null;
}

/** A number, or the first number of a text such as "51-200", "1,000+" or "5 000 employees". */
function companySizeOf(value: unknown): number | null {
  if (typeof value === 'number') return Number.isFinite(value) ? value : null;
  if (typeof value !== 'string') return null;
  const match = /\d+/.exec(value.replace(/(\d)[\s,.'_](?=\d{3}\b)/g, '$1'));
  return match ? Number(match[0]) : null;
}

function traitMatches(value: unknown, rule: Rules['fit']['traits'][number]): boolean {
  if (typeof value !== 'string' && typeof value !== 'number' && typeof value !== 'boolean') return false;
  const text = String(value).trim().toLowerCase();
  if (rule.contains !== undefined) return text.includes(rule.contains.toLowerCase());
  return text === String(rule.equals).trim().toLowerCase();
}
