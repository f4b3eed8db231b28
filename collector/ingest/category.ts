// Page category from the site's URL rules when the page did not send one (SPEC §1): the `categories` of its scoring
// rules (SPEC §4 defaults), matched as collector/scoring/categories.ts does.
import type { Site } from '../db/repository';
import { siteRules } from '../leads/rules';
import { categoryOf, type Rules } from '../scoring';

/**
 * The category the site's rules give the URL's path, or null; remembered per URL and rules version (bounded), as a
 * site's pages are few and visited again and again.
 * @example pageCategory(site, 'https://x.io/fr/tarifs?a=1') // 'pricing' with the default rules
 */
export function pageCategory(site: Pick<Site, 'rules'>, url: string | null | undefined): string | null {
  if (!url) return null;
  const rules = siteRules(site);
  if (url.length > 1000) return categoryOf(rules, url); // long URLs are not kept
  let known = remembered.get(rules);
  if (!known) remembered.set(rules, (known = new Map()));
  const hit = known.get(url);
  if (hit !== undefined) return hit;
  const category = categoryOf(rules, url);
  if (known.size >= 2000) known.clear();
  known.set(url, category);
  return category;
}

const remembered = new WeakMap<Rules, Map<string, string | null>>();
