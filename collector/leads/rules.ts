// A site's parsed scoring rules, cached by the rules JSON so the hot path parses each version once.
import type { Site } from '../db/repository';
import { parseRules, type Rules } from '../scoring';

const cache = new Map<string, Rules>();

/**
 * The site's rules (SPEC §4 defaults when null). Throws a ZodError when the stored rules are invalid.
 * @example const rules = siteRules(site)
 */
export function siteRules(site: Pick<Site, 'rules'>): Rules {
  // By identity first: the site cache hands out the same rules object for seconds, and serializing a site's custom
  // rules on every request cost more than the rest of the scoring hook.
  const stored = site.rules;
  const known = stored !== null && typeof stored === 'object' ? byObject.get(stored) : undefined;
  if (known) return known;
  const rules = parsedByJson(stored);
  if (stored !== null && typeof stored === 'object') byObject.set(stored, rules);
  return rules;
}

const byObject = new WeakMap<object, Rules>();

function parsedByJson(stored: unknown): Rules {
  const key = JSON.stringify(stored ?? null);
  let rules = cache.get(key);
  if (!rules) {
    rules = parseRules(stored);
    if (cache.size >= 500) cache.clear(); // bounded: rules change rarely, sites are few
    cache.set(key, rules);
  }
  return rules;
}
