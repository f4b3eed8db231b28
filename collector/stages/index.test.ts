import { describe, expect, it } from 'vitest';
import type { Grade } from '../scoring/fit';
import { DEFAULT_RULES } from '../scoring/rules';
import { STAGES, autoStage, gradeAtLeast, isStage, manualTransition, type ManualAction, type Stage } from './index';

const input = (over: Partial<Parameters<typeof autoStage>[2]> = {}) => ({
  identified: true,
  qualifyingScore: 0,
  grade: 'C' as Grade,
  sqlRequested: false,
  ...over,
});

describe('autoStage with the default thresholds', () => {
  it.each<[string, Stage, Partial<Parameters<typeof autoStage>[2]>, { to: Stage; cause: string } | null]>([
    ['an anonymous visitor stays a visitor, whatever its score', 'visitor', { identified: false, qualifyingScore: 500, sqlRequested: true }, null],
    ['a visitor who gives an email becomes a lead', 'visitor', {}, { to: 'lead', cause: 'identified' }],
    ['a lead at 49 is not an MQL', 'lead', { qualifyingScore: 49, grade: 'A' }, null],
    ['a lead at 50 with grade C is an MQL', 'lead', { qualifyingScore: 50 }, { to: 'mql', cause: 'threshold:mql' }],
    ['the score is compared as shown (49.5 rounds to 50)', 'lead', { qualifyingScore: 49.5 }, { to: 'mql', cause: 'threshold:mql' }],
    ['grade D blocks MQL', 'lead', { qualifyingScore: 80, grade: 'D' }, null],
    ['grade F blocks MQL', 'lead', { qualifyingScore: 99, grade: 'F' }, null],
    ['a visitor identified with enough points jumps to MQL', 'visitor', { qualifyingScore: 60, grade: 'B' }, { to: 'mql', cause: 'threshold:mql' }],
    ['a lead at 100 is an SQL, whatever its grade', 'lead', { qualifyingScore: 100, grade: 'F' }, { to: 'sql', cause: 'threshold:sql' }],
    ['a demo form makes a lead an SQL at once', 'lead', { sqlRequested: true, sqlFormKind: 'demo' }, { to: 'sql', cause: 'form:demo' }],
    ['a visitor submitting a contact_sales form is an SQL', 'visitor', { sqlRequested: true, sqlFormKind: 'contact_sales' }, { to: 'sql', cause: 'form:contact_sales' }],
    ['an MQL at 100 is an SQL', 'mql', { qualifyingScore: 100 }, { to: 'sql', cause: 'threshold:sql' }],
    ['an MQL below 100 stays', 'mql', { qualifyingScore: 99 }, null],
    ['a SAL at 100 is an SQL', 'sal', { qualifyingScore: 100 }, { to: 'sql', cause: 'threshold:sql' }],
    ['a SAL never falls back to MQL', 'sal', { qualifyingScore: 60 }, null],
    ['an SQL stays an SQL', 'sql', { qualifyingScore: 500, sqlRequested: true }, null],
    ['a recycled lead without new points stays recycled', 'recycled', { qualifyingScore: 0, grade: 'A' }, null],
    ['a recycled lead with 50 new points is an MQL again', 'recycled', { qualifyingScore: 50 }, { to: 'mql', cause: 'threshold:mql' }],
    ['a recycled lead asking for a demo is an SQL', 'recycled', { sqlRequested: true, sqlFormKind: 'demo' }, { to: 'sql', cause: 'form:demo' }],
    ['a lead never goes back to visitor', 'lead', { identified: false }, null],
  ])('%s', (_, current, over, expected) => {
    expect(autoStage(DEFAULT_RULES, current, input(over))).toEqual(expected);
  });

  it('uses the site thresholds', () => {
    const rules = { mql: { score: 20, minGrade: 'A' as Grade }, sql: { score: 40 } };
    expect(autoStage(rules, 'lead', input({ qualifyingScore: 25, grade: 'B' }))).toBeNull();
    expect(autoStage(rules, 'lead', input({ qualifyingScore: 25, grade: 'A' }))).toEqual({ to: 'mql', cause: 'threshold:mql' });
    expect(autoStage(rules, 'lead', input({ qualifyingScore: 40, grade: 'F' }))).toEqual({ to: 'sql', cause: 'threshold:sql' });
  });
});

describe('manualTransition', () => {
  const allowed: Record<ManualAction, Partial<Record<Stage, Stage>>> = {
    accept: { mql: 'sal' },
    qualify: { mql: 'sql', sal: 'sql' },
    reject: { mql: 'recycled', sal: 'recycled', sql: 'recycled' },
  };
  const cases = (['accept', 'qualify', 'reject'] as const).flatMap((action) =>
    STAGES.map((stage) => [action, stage, allowed[action][stage] ?? null] as const),
  );

  it.each(cases)('%s from %s → %s', (action, stage, to) => {
    expect(manualTransition(stage, action)).toBe(to);
  });

  it('refuses an unknown action', () => {
    expect(manualTransition('mql', 'promote' as ManualAction)).toBeNull();
  });
});

describe('gradeAtLeast and isStage', () => {
  it.each<[Grade, Grade, boolean]>([
    ['A', 'C', true], ['C', 'C', true], ['D', 'C', false], ['F', 'D', false], ['F', 'F', true], ['B', 'A', false],
  ])('%s at least %s: %s', (grade, min, expected) => {
    expect(gradeAtLeast(grade, min)).toBe(expected);
  });

  it('recognises stages only', () => {
    expect(isStage('sal')).toBe(true);
    expect(isStage('customer')).toBe(false);
    expect(isStage(undefined)).toBe(false);
  });
});
