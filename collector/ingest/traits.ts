// Reads who a person says they are from a form's sanitized fields, whatever the site called them.
// The script sends fields as they are (bytes in the page are precious); the names are understood here.

export type FormTraits = {
  name?: string;
  company?: string;
  title?: string;
  phone?: string;
  companySize?: string;
  country?: string;
};

/** Field names (lower-cased, without separators) that mean each trait, in order of preference. */
const ALIASES: Record<keyof FormTraits, string[]> = {
  name: ['name', 'fullname', 'yourname', 'contactname'],
  company: ['company', 'companyname', 'organization', 'organisation', 'org', 'business', 'employer'],
  title: ['title', 'jobtitle', 'position', 'role', 'jobrole', 'function'],
  phone: ['phone', 'phonenumber', 'tel', 'telephone', 'mobile', 'mobilephone'],
  companySize: ['companysize', 'employees', 'numberofemployees', 'headcount', 'teamsize', 'size'],
  country: ['country', 'countrycode', 'countryname'],
};
const FIRST_NAME = ['firstname', 'fname', 'givenname', 'first'];
const LAST_NAME = ['lastname', 'lname', 'familyname', 'surname', 'last'];

const MAX_LENGTH = 200;

const normalize = (key: string) => key.toLowerCase().replace(/[^a-z0-9]/g, '');

/**
 * @example traitsFromForm({ 'first-name': 'Ada', last_name: 'Lovelace', Organization: 'Analytical' })
 *   // → { name: 'Ada Lovelace', company: 'Analytical' }
 */
export function traitsFromForm(fields: Record<string, unknown> | null | undefined): FormTraits {
  if (!fields || typeof fields !== 'object') return {};
  const byKey = new Map<string, string>();
  for (const [key, value] of Object.entries(fields)) {
    if (typeof value !== 'string') continue;
    const text = value.trim();
    const k = normalize(key);
    if (text !== '' && !byKey.has(k)) byKey.set(k, text.slice(0, MAX_LENGTH));
  }
  const pick = (names: string[]) => names.map((n) => byKey.get(n)).find((v) => v !== undefined);

  const traits: FormTraits = {};
  for (const trait of Object.keys(ALIASES) as (keyof FormTraits)[]) {
    const value = pick(ALIASES[trait]);
    if (value !== undefined) traits[trait] = value;
  }
  if (traits.name === undefined) {
    const full = [pick(FIRST_NAME), pick(LAST_NAME)].filter(Boolean).join(' ');
    if (full !== '') traits.name = full.slice(0, MAX_LENGTH);
  }
  return traits;
}
