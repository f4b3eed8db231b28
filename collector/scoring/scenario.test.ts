// Issue 5 "Done when": a visitor reads the blog, visits pricing twice in two sessions, comes back and
// signs up for the newsletter — exact score, breakdown, grade and stage from the default rules.
import { describe, expect, it } from 'vitest';
import { autoStage } from '../stages';
import { DEFAULT_RULES, categoryOf, fitOf, scoreEvents, summarize, type ScoringEvent } from './index';
import { DAY, HOUR, MINUTE, T0 } from './test-events';

const visit = (id: string, ts: number, sessionId: string, type: ScoringEvent['type'], url: string, extra: Partial<ScoringEvent> = {}): ScoringEvent => ({
  id, ts, sessionId, type, cat: type === 'pageview' ? categoryOf(DEFAULT_RULES, url) : null, ...extra,
});

const history: ScoringEvent[] = [
  visit('1', T0, 'morning', 'pageview', 'https://acme.test/blog/lead-scoring-101'),
  visit('2', T0 + 5 * MINUTE, 'morning', 'pageview', 'https://acme.test/pricing'),
  visit('3', T0 + 5 * HOUR, 'afternoon', 'pageview', 'https://acme.test/fr/tarifs/'),
  visit('4', T0 + 10 * HOUR, 'evening', 'pageview', 'https://acme.test/blog/'),
  visit('5', T0 + 10 * HOUR + 2 * MINUTE, 'evening', 'form_submit', 'https://acme.test/blog/', { formKind: 'newsletter', hasEmail: true }),
  visit('6', T0 + 10 * HOUR + 2 * MINUTE, 'evening', 'track', 'https://acme.test/blog/', { name: 'newsletter_signup' }),
];
const signedUp = T0 + 10 * HOUR + 3 * MINUTE;

describe('a blog reader who compares prices and signs up for the newsletter', () => {
  it('scores exactly what the rules give, with a breakdown a marketer can read', () => {
    const summary = summarize(DEFAULT_RULES, scoreEvents(DEFAULT_RULES, history), signedUp);
    expect(summary.rounded).toBe(59);
    expect(summary.breakdown).toEqual([
      { rule: 'category:pricing', count: 2, points: 30 },
      { rule: 'form_with_email', count: 1, points: 10 },
      { rule: 'returning_visit', count: 2, points: 10 },
      { rule: 'track:newsletter_signup', count: 1, points: 5 },
      { rule: 'pageview', count: 4, points: 4 },
    ]);
    expect(summary.sqlRequested).toBe(false);
  });

  it('grades what they told and moves them from visitor straight to MQL', () => {
    const fit = fitOf(DEFAULT_RULES, { email: 'ada@acme-robotics.com', title: 'Head of Marketing' });
    expect(fit).toEqual({ points: 20, grade: 'B', fit: [{ rule: 'fit:business_email', points: 10 }, { rule: 'fit:title_senior', points: 10 }] });
    const summary = summarize(DEFAULT_RULES, scoreEvents(DEFAULT_RULES, history), signedUp);
    expect(autoStage(DEFAULT_RULES, 'visitor', { identified: true, ...summary, grade: fit.grade })).toEqual({ to: 'mql', cause: 'threshold:mql' });
  });

  it('decays point by point: a month later each event has lost 2^(−age/90 days)', () => {
    const later = signedUp + 30 * DAY;
    const points = [1, 1 + 15, 5 + 1 + 15, 5 + 1, 10, 5];
    const expected = history.reduce((sum, e, i) => sum + points[i] * 2 ** (-(later - e.ts) / (90 * DAY)), 0);
    const summary = summarize(DEFAULT_RULES, scoreEvents(DEFAULT_RULES, history), later);
    expect(summary.score).toBeCloseTo(expected, 9);
    expect(summary.rounded).toBe(47);
    expect(summary.breakdown.reduce((sum, r) => sum + r.points, 0)).toBe(47);
  });
});
