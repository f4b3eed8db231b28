// @vitest-environment happy-dom
import { describe, expect, it } from 'vitest';
import { clean, flat, looksSensitive, luhn, sanitize } from './sanitize';

// [form, field name/id/autocomplete text, value, sent?]
const table: [string, string, string, boolean][] = [
  ['signup', 'email email email', 'ada@example.com', true],
  ['signup', 'full_name name name', 'Ada Lovelace', true],
  ['signup', 'password password new-password', 'hunter2', false],
  ['signup', 'password_confirmation confirm ', 'hunter2', false],
  ['signup', 'user[passwd]  ', 'hunter2', false],
  ['signup', 'company organization organization', 'Analytical Engines', true],
  ['signup', 'api_token  ', 'sk_live_123', false],
  ['signup', 'client_secret  ', 'abc', false],
  ['checkout', 'cardnumber cc-number cc-number', '4111 1111 1111 1111', false],
  ['checkout', 'card_number  ', '4242424242424242', false],
  ['checkout', 'ccnum  ', '5555555555554444', false],
  ['checkout', 'cc-exp  cc-exp', '12/29', false],
  ['checkout', 'expDate  ', '12/29', false],
  ['checkout', 'exp_month  ', '12', false],
  ['checkout', 'expiry  ', '12/29', false],
  ['checkout', 'cvv  cc-csc', '123', false],
  ['checkout', 'cvc  ', '123', false],
  ['checkout', 'security_code csc ', '123', false],
  ['checkout', 'securityCode  ', '737', false], // named only "security code", as many card forms do
  ['checkout', 'card_security  ', '737', false],
  ['checkout', 'address1 street street-address', '1 Main St', true],
  ['checkout', 'experience  ', '10 years', true],
  ['checkout', 'express_shipping  ', 'yes', true],
  ['payment', 'iban  ', 'DE89370400440532013000', false],
  ['payment', 'ssn  ', '123-45-6789', false],
  ['payment', 'social_security_number  ', '123456789', false],
  ['payment', 'socialSecurityNo  ', '12345678', false],
  ['payment', 'notes  ', 'my card is 4111-1111-1111-1111 thanks', false],
  ['payment', 'reference  ', 'ssn 078-05-1120', false],
  ['payment', 'order_ref  ', '4111 1111 1111 1112', true], // fails Luhn: not a card
  ['profile', 'dob  bday', '1990-01-01', false],
  ['profile', 'date_of_birth  ', '1990-01-01', false],
  ['profile', 'birthday  ', '01/01/1990', false],
  ['profile', 'phone tel tel', '+1 415 555 0100', true],
  ['profile', 'job_title  organization-title', 'CTO', true],
];

describe('the sanitizer', () => {
  it.each(table)('%s form: field "%s" = %j is sent: %s', (_, key, value, sent) => {
    expect(clean(key, value) !== '').toBe(sent);
  });

  it('cuts values at 500 characters', () => {
    expect(clean('message', 'x'.repeat(2000))).toHaveLength(500);
  });

  it('recognizes Luhn-valid card numbers with spaces or dashes, and US SSNs, anywhere in a value', () => {
    expect(luhn('4111111111111111')).toBe(true);
    expect(luhn('4111111111111112')).toBe(false);
    expect(luhn('4111 1111-1111 1111')).toBe(true);
    expect(looksSensitive('order 4111111111111111')).toBe(true); // 16 digits, Luhn-valid
    expect(looksSensitive('order 1234567890123')).toBe(false); // 13 digits, not Luhn-valid
    expect(looksSensitive('ref 123456789012')).toBe(false); // 12 digits: too short for a card
    expect(looksSensitive('pay with 3782-822463-10005 please')).toBe(true); // Amex, 15 digits
    expect(looksSensitive('call +1 415 555 0100')).toBe(false);
    expect(looksSensitive('ssn: 219-09-9999')).toBe(true);
  });

  it.each([
    'my card 4242424242424242 123', // a CVC after it
    'call 12 4111111111111111', // digits before it
    'card 4111 1111 1111 1111 12/25', // an expiry after it
    '4111.1111.1111.1111',
    '4111  1111  1111  1111',
    'cvc 737 card 5555-5555-5555-4444 exp 03 30',
    '0 4111 1111 1111 1111 0', // on both sides
  ])('finds the card number in %j whatever digits stand next to it', (text) => {
    expect(looksSensitive(text)).toBe(true);
  });

  it.each([
    '4111 1111 1111 1112', // 16 digits failing Luhn (order references, tracking numbers…)
    'ref 4111 1111 1111 111', // a valid card's digits, cut inside a group: 15 digits failing Luhn
    '12345678901234567890', // one group of 20 digits
    'tel +33 1 23 45 67 89, fax +33 1 23 45 67 90',
  ])('keeps %j, which holds no card number', (text) => {
    expect(looksSensitive(text)).toBe(false);
  });

  it('keeps only flat string, number and boolean values, at most 50, and survives circular objects', () => {
    const circular: Record<string, unknown> = { plan: 'pro', seats: 5, annual: true, nested: { a: 1 } };
    circular.self = circular;
    expect(flat(circular)).toEqual({ plan: 'pro', seats: 5, annual: true });
    const huge = Object.fromEntries(Array.from({ length: 5000 }, (_, i) => ['k' + i, i]));
    expect(Object.keys(flat(huge)!)).toHaveLength(50);
    expect(flat({ card_number: '4111111111111111', token: 'x' })).toEqual({});
    expect([flat(null), flat(undefined), flat(42)]).toEqual([{}, {}, {}]);
    // JSON would send NaN/Infinity as null, which the collector refuses along with the whole batch; it
    // throws on a bigint.
    expect(flat({ ok: 1, nan: NaN, inf: Infinity, big: 1n, sym: Symbol('s'), no: null, f: () => 1 })).toEqual({ ok: 1 });
    expect(Object.keys(flat({ ['k'.repeat(300)]: 1 }))[0]).toHaveLength(100);
  });

  it('reads form controls: skips unnamed, button, password, hidden, file, unchecked and ignored ones; finds the email', () => {
    document.body.innerHTML = `<form><input name="contact" type="email" value=" Ada@Example.com ">
      <input value="unnamed"><input type="submit" name="go" value="Send"><input type="image" name="img">
      <input type="reset" name="r" value="x"><input type="button" name="b" value="x"><button name="btn" value="x">x</button>
      <input type="hidden" name="h" value="x"><input type="password" name="p" value="x"><input type="file" name="f">
      <input type="radio" name="plan" value="free"><input type="radio" name="plan" value="pro" checked>
      <input type="checkbox" name="agree" value="yes"><input id="by-id" value="kept"><input name="ig" data-piste-ignore value="x"></form>`;
    const form = document.querySelector('form')!;
    const [fields, email] = sanitize([...form.elements].map((el) => [(el as HTMLInputElement).name || el.id, (el as HTMLInputElement).value, el]), 1);
    expect(fields).toEqual({ contact: ' Ada@Example.com ', plan: 'pro', 'by-id': 'kept' });
    expect(email).toBe('Ada@Example.com');
  });
});
