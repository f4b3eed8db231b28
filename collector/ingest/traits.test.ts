// Traits from form fields: the many names sites give to name, company, title, phone, size and country.
import { describe, expect, it } from 'vitest';
import { traitsFromForm } from './traits';
import { batch, event, setup } from './testing';
import { testDatabases } from '../db/test-databases';

describe('traitsFromForm', () => {
  it.each([
    [{ name: 'Ada Lovelace' }, { name: 'Ada Lovelace' }],
    [{ 'full-name': 'Ada Lovelace' }, { name: 'Ada Lovelace' }],
    [{ first_name: 'Ada', last_name: 'Lovelace' }, { name: 'Ada Lovelace' }],
    [{ firstName: 'Ada' }, { name: 'Ada' }],
    [{ 'given-name': 'Ada', 'family-name': 'Lovelace' }, { name: 'Ada Lovelace' }],
    [{ Organization: 'Analytical Engines' }, { company: 'Analytical Engines' }],
    [{ company_name: ' Acme ' }, { company: 'Acme' }],
    [{ 'job-title': 'VP Finance' }, { title: 'VP Finance' }],
    [{ role: 'Head of Ops' }, { title: 'Head of Ops' }],
    [{ tel: '+33 1 23 45 67 89' }, { phone: '+33 1 23 45 67 89' }],
    [{ company_size: '51-200', country: 'FR' }, { companySize: '51-200', country: 'FR' }],
    [{ message: 'hello', plan: 'team' }, {}],
  ])('reads %j', (fields, expected) => {
    expect(traitsFromForm(fields)).toEqual(expected);
  });

  it('prefers an explicit full name over first and last names', () => {
    expect(traitsFromForm({ first_name: 'A', last_name: 'B', name: 'Ada Lovelace' })).toEqual({ name: 'Ada Lovelace' });
  });

  it('ignores empty and non-text values and cuts long ones', () => {
    expect(traitsFromForm({ company: '  ', title: 42 as unknown as string })).toEqual({});
    expect(traitsFromForm({ company: 'x'.repeat(500) }).company).toHaveLength(200);
    expect(traitsFromForm(null)).toEqual({});
  });
});

describe.each(testDatabases())('form traits on the lead ($name)', ({ open }) => {
  it('fills the lead from a demo form with site-specific field names and grades it', async () => {
    const { post, db } = await setup({}, open);
    const fields = { first_name: 'Grace', last_name: 'Hopper', organization: 'Navy Labs', 'job-title': 'Director of Engineering', company_size: '201-500' };
    const res = await post(batch([event({ type: 'form_submit', email: 'grace@navylabs.io', form: { kind: 'newsletter', fields } })]));
    expect(res.status).toBe(202);
    const lead = (await db.getLeadByEmail('acme', 'grace@navylabs.io'))!;
    expect(lead).toMatchObject({ name: 'Grace Hopper', company: 'Navy Labs', title: 'Director of Engineering' });
    expect(lead.traits).toMatchObject({ companySize: '201-500' });
    // business domain +10, director +10 → 20 → grade B (SPEC §4 defaults)
    expect(lead.grade).toBe('B');
  });
});
