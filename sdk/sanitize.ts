// The sanitizer: what may leave the browser. Sensitive names and values (cards, SSNs) are dropped, values
// are cut at 500 characters, at most 50 entries are kept; props, traits and forms all go through it.

/**
 * Names, ids and autocomplete tokens of fields whose values are never sent: passwords, secrets, tokens,
 * payment cards (number, cc-* tokens, expiry, CVV/CVC/CSC, "security code"), IBAN, SSN and social security
 * numbers (`secur` also covers those), dates of birth. `exp` counts only
 * before a non-letter or d/i/m/y (expDate, expiry, exp_month), so `experience`/`express` survive.
 */
export const SENSITIVE_NAME =
  /pass|pwd|sec(ret|ur)|token|card|\bcc|_cc|exp([^a-z]|[dimy]|$)|cv[vcn]|csc|iban|ssn|birth|bday|dob/i;

/** Luhn checksum over the digits of `text`; every second digit from the right is doubled, by table. */
export const luhn = (text: string): boolean =>
  text
    .match(/\d/g)!
    .reverse()
    .reduce((sum, d, i) => sum + +(i % 2 ? '0246813579'[d as never] : d), 0) % 10 == 0;

/**
 * True when the text holds a US SSN, or 13–19 digits passing Luhn written as consecutive groups of a run of digits
 * separated by spaces, dots or dashes: digits next to a card number (a CVC, an expiry, a phone) do not hide it, and a
 * number that only contains a valid one across its groups' boundaries is not taken for one.
 */
export const looksSensitive = (text: string): boolean =>
  /\b\d{3}-\d{2}-\d{4}\b/.test(text) ||
  (text.match(/\d([ .-]*\d)*/g) || []).some((run) => {
    const groups = run.split(/\D+/);
    return groups.some((_, i) =>
      groups.some((_, j) => {
        const digits = groups.slice(i, j + 1).join('');
        return /^.{13,19}$/.test(digits) && luhn(digits);
      }),
    );
  });

/**
 * The value to send for `key` (name/id/autocomplete text), or '' when it must stay in the browser.
 * Numbers must be finite: JSON would turn NaN into null, which the collector refuses with the whole batch;
 * symbols and bigints would make JSON throw.
 */
export const clean = (key: string, value: unknown): string | number | boolean =>
  (/^(st|bo)/.test(typeof value) || Number.isFinite(value)) && !SENSITIVE_NAME.test(key) && !looksSensitive('' + value)
    ? (value as string).slice
      ? (value as string).slice(0, 500)
      : (value as number)
    : '';

/** What the sanitizer reads of a form control; plain objects' entries have none of it. */
export type Control = { id?: string; autocomplete?: string; type?: string; checked?: boolean; closest?: (s: string) => unknown };
export type Flat = Record<string, string | number | boolean>;

export const IGNORE = '[data-piste-ignore]';
/**
 * Tested against `type + !checked`. Input types whose values are never sent: password, hidden, file, and
 * the buttons (submit, button, reset, image), matched by their first letters, which no other type shares;
 * and unchecked checkboxes and radios ("checkboxtrue").
 */
const SKIPPED_TYPE = /^([bfhip]|su|re)|^(checkbox|radio)true/;

/**
 * The sanitized flat object of [key, value, control?] entries (props, traits, form fields), at most 50,
 * keys cut at 100; and the first email found (an email-typed control or a key containing "mail", with an @
 * in the value). `text` makes every value a string (form fields).
 */
export const sanitize = (entries: [string, unknown, Control?][], text?: unknown): [Flat, string | undefined] => {
  const out: Flat = {};
  let email: string | undefined;
  let n = 0;
  for (const [key, value, el = {}] of entries) {
    const v = clean(key + ' ' + el.id + ' ' + el.autocomplete, value);
    if (n < 50 && key && v !== '' && !SKIPPED_TYPE.test(el.type! + !el.checked) && !el.closest?.(IGNORE)) {
      out[key.slice(0, 100)] = text ? '' + v : v;
      n++;
      if (/mail/i.test(el.type! + key) && /@/.test(v as string)) email ||= (v as string).trim();
    }
  }
  return [out, email];
};

/** The sanitized flat copy of a plain object (props, traits); null and primitives give {}, cycles are harmless. */
export const flat = (o: unknown): Flat => sanitize(Object.entries(o || 0))[0];

