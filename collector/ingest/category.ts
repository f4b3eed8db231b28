// Page category from the site's URL rules when the page did not send one (SPEC §4 defaults).

export type CategoryRules = Record<string, string[]>;

export const DEFAULT_CATEGORIES: CategoryRules = {
  pricing: ['/pricing', '/plans', '/tarifs', '/prix'],
  careers: ['/careers', '/jobs', '/recrutement', '/carrieres'],
  contact: ['/contact', '/demo'],
  blog: ['/blog'],
  docs: ['/docs'],
};

/** `rules.categories` of a site when it is a valid map of category → path prefixes, else the defaults. */
export function categoryRulesOf(siteRules: unknown): CategoryRules {
  const categories = (siteRules as { categories?: unknown } | null)?.categories;
  if (!categories || typeof categories !== 'object' || Array.isArray(categories)) return DEFAULT_CATEGORIES;
  const valid = Object.entries(categories).every(([, prefixes]) => Array.isArray(prefixes) && prefixes.every((p) => typeof p === 'string'));
  return valid ? (categories as CategoryRules) : DEFAULT_CATEGORIES;
}

/**
 * Matches whole path segments, case-insensitively, also after a two-letter language segment:
 * `/pricing`, `/pricing/team`, `/fr/tarifs` are pricing; `/pricingfoo` and `/blog-pricing` are not.
 * @example categoryOf('https://x.io/fr/tarifs?a=1', DEFAULT_CATEGORIES) // 'pricing'
 */
export function categoryOf(url: string | undefined, rules: CategoryRules): string | null {
  if (!url) return null;
  if (url.length > 1000) return resolve(url, rules); // long URLs are not kept
  // A site's pages are few and visited again and again: remember each URL's answer per rules object (bounded).
  let known = remembered.get(rules);
  if (!known) remembered.set(rules, (known = new Map()));
  const hit = known.get(url);
  if (hit !== undefined) return hit;
  const category = resolve(url, rules);
  if (known.size >= 2000) known.clear();
  known.set(url, category);
  return category;
}

const remembered = new WeakMap<CategoryRules, Map<string, string | null>>();

function resolve(url: string, rules: CategoryRules): string | null {
  let pathname: string;
  try {
    pathname = new URL(url, 'http://relative.invalid').pathname.toLowerCase();
  } catch {
    return null;
  }
  const withoutLanguage = pathname.replace(/^\/[a-z]{2}(-[a-z]{2})?(?=\/)/, '');
  for (const [category, prefixes] of Object.entries(rules)) {
    for (const prefix of prefixes) {
      const p = prefix.toLowerCase().replace(/\/+$/, '');
      if (!p) continue;
      for (const path of [pathname, withoutLanguage]) {
        if (path === p || path.startsWith(p + '/')) return category;
      }
    }
  }
  return null;
}
