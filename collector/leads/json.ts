// The API's LEAD shape (SPEC §5), shared by the JSON API, CSV export and webhook payloads.
import type { Lead, Stage } from '../db/repository';
import { scoreAt, stateHalfLife, type Rules, type ScoreState } from '../scoring';

export type LeadJson = {
  id: string;
  site: string;
  email: string;
  name: string | null;
  company: string | null;
  title: string | null;
  /** decayed engagement score at `now`, rounded */
  score: number;
  grade: string | null;
  stage: Stage;
  probability: number | null;
  firstSeen: string;
  lastSeen: string;
  visits: number;
  pageviews: number;
};

/**
 * The LEAD of SPEC §5 at `now`: `score` is the stored scoreKey decayed with the half-life it was built with (the
 * site's, unless the site changed it since and the lead has not been scored again), rounded.
 * @example toLeadJson(lead, clock.now(), siteRules(site))
 */
export function toLeadJson(lead: Lead, now: number, rules: Pick<Rules, 'halfLifeDays'>): LeadJson {
  return {
    id: lead.id,
    site: lead.site,
    email: lead.email,
    name: lead.name,
    company: lead.company,
    title: lead.title,
    score: Math.round(scoreAt(rules, lead.scoreKey, now, stateHalfLife(rules, lead.scoreState as ScoreState | null))) + 0,
    grade: lead.grade,
    stage: lead.stage,
    probability: lead.probability,
    firstSeen: new Date(lead.firstSeen).toISOString(),
    lastSeen: new Date(lead.lastSeen).toISOString(),
    visits: lead.visits,
    pageviews: lead.pageviews,
  };
}
