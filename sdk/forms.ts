// Form capture: turns a <form> element, or a { email, kind, fields } object for forms sent by code, into
// the sanitized payload of a form_submit event: email, traits from well-known field names, form metadata.
import { clean, MAX_FIELDS } from './sanitize';
import type { FormInfo } from './types';

export interface FormPayload {
  email?: string;
  traits?: Record<string, string>;
  form: FormInfo;
}

export interface FormObject {
  email?: string;
  kind?: string;
  fields?: Record<string, unknown>;
}

/**
 * Tested against `type + !checked`. Input types whose values are never sent: password, hidden, file, and
 * the buttons (submit, button, reset, image), matched by their first letters, which no other type shares;
 * and unchecked checkboxes and radios ("checkboxtrue").
 */
export const SKIPPED_TYPE = /^([bfhip]|su|re)|^(checkbox|radio)true/;

/** Well-known field names; the matching group's position picks the trait in TRAIT_NAMES (first and last name first). */
const TRAIT =
  /^(?:(first.?name|fname)|(last.?name|lname|surname)|(company|organi[sz]ation)|(job.?title|title|role)|(phone|tel)|(full.?name|name))$/i;
const TRAIT_NAMES = [, , , 'company', 'title', 'phone', 'name'];
const IGNORE = '[data-piste-ignore]';

/** The payload, or undefined for a form marked data-piste-ignore. */
export function readForm(target: HTMLFormElement | FormObject): FormPayload | undefined {
  const f = target as HTMLFormElement & FormObject;
  const isElement = f.nodeType;
  const fields: Record<string, string> = {};
  const traits: Record<string, string> = {};
  const names: string[] = [];
  const given = f.fields || {};
  // An object's fields go through the very same checks, as if they were text inputs.
  const elements = isElement
    ? (f.elements as unknown as HTMLInputElement[])
    : Object.keys(given).map((name) => ({ name, value: given[name] }) as HTMLInputElement);
  let email = isElement ? undefined : f.email?.slice(0, 320);
  let n = 0;
  if (isElement && f.closest(IGNORE)) return;
  for (let i = 0, el; (el = elements[i++]) && n < MAX_FIELDS; ) {
    const key = el.name || el.id;
    const value = clean(key + ' ' + el.id + ' ' + el.autocomplete, el.value);
    if (!key || SKIPPED_TYPE.test(el.type + !el.checked) || el.closest?.(IGNORE) || value === undefined || value === '')
      continue;
    const text = (fields[key.slice(0, 100)] = '' + value);
    const m = TRAIT.exec(key);
    n++;
    if (/mail/i.test(el.type + key) && /@/.test(text)) email = email || text.trim().slice(0, 320);
    const i = m ? m.findIndex((g, i) => i && g) : 0;
    if (i) i < 3 ? (names[i] = text.trim()) : (traits[TRAIT_NAMES[i]!] = text.trim());
  }
  const name = traits.name || names.join(' ').trim();
  if (name) traits.name = name;
  // getAttribute, not f.id/f.action: an <input name="action"> would shadow those properties.
  const attr = (a: string) => (isElement && f.getAttribute(a)?.slice(0, 200)) || undefined;
  return {
    email,
    traits: Object.keys(traits)[0] ? traits : undefined,
    form: {
      id: attr('id'),
      name: attr('name'),
      action: attr('action'),
      kind: (attr('data-piste-form') || f.kind)?.slice(0, 40),
      fields,
    },
  };
}
