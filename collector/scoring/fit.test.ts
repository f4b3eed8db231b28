import { describe, expect, it } from 'vitest';
import { fitOf, gradeOf, type Traits } from './fit';
import { DEFAULT_RULES, parseRules } from './rules';

describe('fitOf with the default rules', () => {
  it.each<[string, Traits, number, string, Record<string, number>]>([
    ['a CEO at a business domain', { email: 'ceo@acme.com', title: 'CEO' }, 20, 'B', { 'fit:business_email': 10, 'fit:title_senior': 10 }],
    ['a manager on gmail', { email: 'ada@gmail.com', title: 'Marketing Manager' }, -5, 'F', { 'fit:free_email': -10, 'fit:title_manager': 5 }],
    ['free mail in capitals and spaces', { email: ' ADA@GMAIL.COM ' }, -10, 'F', { 'fit:free_email': -10 }],
    ['a business domain alone', { email: 'ada@acme-robotics.com' }, 10, 'C', { 'fit:business_email': 10 }],
    ['a director without an email', { title: 'Director of Sales' }, 10, 'C', { 'fit:title_senior': 10 }],
    ['a managing director counts as senior only', { title: 'Managing Director' }, 10, 'C', { 'fit:title_senior': 10 }],
    ['a VP who is also a manager gets the higher rule only', { title: 'VP, Engineering Manager' }, 10, 'C', { 'fit:title_senior': 10 }],
    ['a vice president (two words)', { title: 'Vice-President Sales' }, 10, 'C', { 'fit:title_senior': 10 }],
    ['a co-founder', { title: 'Co-Founder' }, 10, 'C', { 'fit:title_senior': 10 }],
    ['a doctor is not a CTO (whole words only)', { title: 'Doctor' }, 0, 'D', {}],
    ['headphones tester is not a head', { title: 'Headphones tester' }, 0, 'D', {}],
    ['an invalid email fires no email rule', { email: 'not-an-email', title: 'Engineer' }, 0, 'D', {}],
    ['an empty, null or missing email fires none', { email: '', title: null }, 0, 'D', {}],
    ['a non-string title is ignored', { title: 42 as unknown as string }, 0, 'D', {}],
  ])('%s', (_, traits, points, grade, rows) => {
    const fit = fitOf(DEFAULT_RULES, traits);
    expect(fit.points).toBe(points);
    expect(fit.grade).toBe(grade);
    expect(Object.fromEntries(fit.fit.map((r) => [r.rule, r.points]))).toEqual(rows);
  });
});

describe('fitOf with site rules', () => {
  const rules = parseRules({
    fit: {
      email: { extraFreeDomains: ['mailbox.example'] },
      companySize: [
        { min: 50, max: 500, points: 10 },
        { id: 'fit:enterprise', min: 501, points: 15 },
        { max: 10, points: -5 },
      ],
      countries: [{ countries: ['FR', 'BE'], points: 5 }],
      traits: [
        { trait: 'industry', equals: 'SaaS', points: 10 },
        { id: 'fit:student', trait: 'company', contains: 'university', points: -20 },
        { trait: 'customer', equals: true, points: -30 },
      ],
    },
  });
  const rows = (traits: Traits) => Object.fromEntries(fitOf(rules, traits).fit.map((r) => [r.rule, r.points]));

  it.each<[Traits['companySize'], Record<string, number>]>([
    [120, { 'fit:company_size:50-500': 10 }],
    ['51-200', { 'fit:company_size:50-500': 10 }],
    ['1,000+', { 'fit:enterprise': 15 }],
    ['5 000 employees', { 'fit:enterprise': 15 }],
    ['2-10', { 'fit:company_size:0-10': -5 }],
    ['11-49', {}],
    ['a few', {}],
    [Number.NaN, {}],
  ])('company size %s', (companySize, expected) => {
    expect(rows({ companySize })).toEqual(expected);
  });

  it('matches countries case-insensitively', () => {
    expect(rows({ country: ' fr ' })).toEqual({ 'fit:country:FR,BE': 5 });
    expect(rows({ country: 'DE' })).toEqual({});
  });

  it('matches named traits by equality or substring, case-insensitively', () => {
    expect(rows({ industry: 'saas', company: 'Oxford University Press' })).toEqual({ 'fit:trait:industry=SaaS': 10, 'fit:student': -20 });
    expect(rows({ customer: true })).toEqual({ 'fit:trait:customer=true': -30 });
    expect(rows({ industry: { nested: 'SaaS' } })).toEqual({});
    expect(rows({ toString: 'SaaS' } as Traits)).toEqual({});
  });

  it('treats extra free-mail domains as free mail', () => {
    expect(rows({ email: 'ada@mailbox.example' })).toEqual({ 'fit:free_email': -10 });
  });
});

describe('gradeOf', () => {
  it.each([
    [45, 'A'], [30, 'A'], [29.9, 'B'], [20, 'B'], [19, 'C'], [10, 'C'], [9, 'D'], [0, 'D'], [-0.1, 'F'], [-20, 'F'],
  ])('%s fit points → %s', (points, grade) => {
    expect(gradeOf(DEFAULT_RULES, points)).toBe(grade);
  });
});
