// A short-lived cache of sites for the hot path, so rules and origin changes reach every collector within seconds.
import type { Clock } from '../clock';
import type { Repository, Site } from '../db/repository';

export const SITE_CACHE_TTL_MS = 5_000;

export type SiteCache = {
  get(key: string): Promise<Site | undefined>;
  /** Whether any site allows this origin (answers CORS preflights, which carry no site key). */
  isKnownOrigin(origin: string): Promise<boolean>;
};

export function createSiteCache(db: Repository, clock: Clock, ttl = SITE_CACHE_TTL_MS): SiteCache {
  const sites = new Map<string, { site: Site; at: number }>();
  let origins: { set: Set<string>; at: number } | null = null;
  return {
    async get(key) {
      const hit = sites.get(key);
      if (hit && clock.now() - hit.at < ttl) return hit.site;
      const site = await db.getSite(key);
      // Unknown keys are not cached: a site added a moment ago must work at once, and the lookup is a primary key.
      if (site) sites.set(key, { site, at: clock.now() });
      else sites.delete(key);
      return site;
    },
    async isKnownOrigin(origin) {
      if (!origins || clock.now() - origins.at >= ttl) {
        const all = await db.listSites();
        origins = { set: new Set(all.flatMap((s) => s.origins)), at: clock.now() };
      }
      return origins.set.has(origin);
    },
  };
}
