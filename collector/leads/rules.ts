// A site's parsed scoring rules, cached by the rules JSON so the hot path parses each version once.
import type { Site } from '../db/repository';
import { parseRules, type Rules } from '../scoring';

const cache = new Map<string, Rules>();

/**
 * The site's rules (SPEC §4 defaults when null). Throws a ZodError when the stored rules are invalid.
 * @example const rules = siteRules(site)
 */
export function siteRules(site: Pick<Site, 'rules'>): Rules {
  const key = JSON.stringify(site.rules ?? null);
  let rules = cache.get(key);
  if (!rules) {
    rules = parseRules(site.rules);
    if (cache.size >= 500) cache.clear(); // bounded: rules change rarely, sites are few
    cache.set(key, rules);
  }
  return rules;
}
