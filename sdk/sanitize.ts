// The sanitizer: what may leave the browser. Sensitive field names and values (cards, SSNs) are dropped,
// values are cut at 500 characters, objects are flattened to at most 50 primitive entries.
import type { Flat, Primitive } from './types';

export const MAX_VALUE = 500;
export const MAX_FIELDS = 50;

/**
 * Names, ids and autocomplete tokens of fields whose values are never sent: passwords, secrets, tokens,
 * payment cards (number, cc-* tokens, expiry, CVV/CVC/CSC), IBAN, SSN, dates of birth.
 * `exp` counts only before a non-letter or d/m/y (expDate, exp_month), so `experience`/`express` survive.
 */
export const SENSITIVE_NAME =
  /pass|pwd|secret|token|card|(^|[^a-z])cc|expir|exp([^a-z]|[dmy]|$)|cv[vcn]|csc|iban|ssn|social.?sec|birth|bday|dob/i;

/** Luhn checksum; every second digit from the right is doubled, read from a table of doubled digit sums. */
export function luhn(digits: string): boolean {
  let sum = 0;
  for (let i = digits.length, double = 0; i--; double ^= 1) sum += +(double ? '0246813579'[digits[i] as never] : digits[i]);
  return sum % 10 == 0;
}

/** True when the text holds a US SSN or a 13–19 digit Luhn-valid number, spaces and dashes allowed. */
export const looksSensitive = (text: string): boolean =>
  /\b\d{3}-\d{2}-\d{4}\b/.test(text) || (text.match(/\d([ -]?\d){12,18}/g) || []).some((run) => luhn(run.replace(/\D/g, '')));

/**
 * The value to send for `key` (name/id/autocomplete text), or undefined when it must stay in the browser.
 * Numbers must be finite: JSON would turn NaN into null, which the collector refuses with the whole batch.
 */
export function clean(key: string, value: unknown): Primitive | undefined {
  if ((/^(st|bo)/.test(typeof value) || Number.isFinite(value)) && !SENSITIVE_NAME.test(key) && !looksSensitive('' + value))
    return typeof value == 'string' ? value.slice(0, MAX_VALUE) : (value as Primitive);
}

/**
 * A flat, sanitized copy of a plain object (props, traits); nested values are dropped, so cycles are
 * harmless. `asText` turns every value into a string (traits).
 */
export function flat(o: unknown, asText?: boolean): Flat | undefined {
  const out: Flat = {};
  let n = 0;
  if (o && typeof o == 'object')
    for (const key in o) {
      const value = clean(key, (o as Record<string, unknown>)[key]);
      if (value !== undefined && n++ < MAX_FIELDS) out[key.slice(0, 100)] = asText ? '' + value : value;
    }
  return n ? out : undefined;
}
