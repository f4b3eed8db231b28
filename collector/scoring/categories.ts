// Page category of a URL from the site's prefix rules (used when the page names no category itself).
import type { CategoryRule } from './rules';

// A leading 2-letter locale segment (/fr/tarifs, /en-gb/pricing) is skipped, so translated sites match too.
const LOCALE = /^[a-z]{2}(?:[-_][a-z]{2,4})?$/;

function segments(path: string): string[] {
  return path
    .split('/')
    .filter((s) => s !== '')
    .map((s) => {
      try {
        return decodeURIComponent(s).toLowerCase();
      } catch {
        return s.toLowerCase(); // a malformed %-escape is kept as typed
      }
    });
}

function startsWith(path: string[], prefix: string[]): boolean {
  return prefix.length <= path.length && prefix.every((s, i) => path[i] === s);
}

function pathOf(url: string): string | null {
  try {
    return new URL(url, 'http://piste.invalid').pathname;
  } catch {
    return null;
  }
}

/**
 * The category whose prefix matches the URL's path by whole segments, case-insensitively; the longest
 * prefix wins, then the first rule. Returns null when nothing matches or the URL cannot be parsed.
 * @example categoryOf(rules, 'https://acme.com/fr/tarifs/') // 'pricing'; '/pricingx' → null
 */
export function categoryOf(rules: { categories: readonly CategoryRule[] }, url: string | null | undefined): string | null {
  if (!url) return null;
  const path = pathOf(url);
  if (path === null) return null;
  const full = segments(path);
  const candidates = LOCALE.test(full[0] ?? '') ? [full, full.slice(1)] : [full];
  let best: { category: string; length: number } | null = null;
  for (const rule of rules.categories) {
    for (const prefix of rule.prefixes) {
      const wanted = segments(prefix);
      if (wanted.length === 0) continue;
      if (candidates.some((c) => startsWith(c, wanted)) && (!best || wanted.length > best.length)) {
        best = { category: rule.category, length: wanted.length };
      }
    }
  }
  return best?.category ?? null;
}
