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
 * Input types whose values are never sent: password, hidden, file, and the buttons (submit, button, reset,
 * image), matched by their first letters, which no other input type shares.
 */
export const SKIPPED_TYPE = /^([bfhip]|su|re)/;

/** Well-known field names; the matching group's position picks the trait in TRAIT_NAMES. */
const TRAIT =
  /^(first.?name|fname)$|^(last.?name|lname|surname)$|^(company|organi[sz]ation)$|^(job.?title|title|role)$|^(phone|tel)$|^(full.?name|name)$/i;
const TRAIT_NAMES = ['', 'first', 'last', 'company', 'title', 'phone', 'name'];
const IGNORE = '[data-piste-ignore]';

/** The payload, or undefined for a form marked data-piste-ignore. */
export function readForm(target: HTMLFormElement | FormObject): FormPayload | undefined {
  const f = target as HTMLFormElement;
  const o = target as FormObject;
  const isElement = f.nodeType;
  if (isElement && f.closest(IGNORE)) return;
  const fields: Record<string, string> = {};
  const t: Record<string, string> = {};
  let email = isElement ? undefined : o.email?.slice(0, 320);
  let n = 0;
  // An object's fields go through the very same checks, as if they were text inputs.
  const given = o.fields || {};
  const elements = isElement
    ? (f.elements as unknown as HTMLInputElement[])
    : Object.keys(given).map((name) => ({ name, value: given[name] }) as HTMLInputElement);
  for (const el of elements) {
    const key = el.name || el.id;
    const type = el.type;
    if (
      !key ||
      n >= MAX_FIELDS ||
      SKIPPED_TYPE.test(type) ||
      (/checkbox|radio/.test(type) && !el.checked) ||
      el.closest?.(IGNORE)
    )
      continue;
    const value = clean(key + ' ' + el.id + ' ' + el.autocomplete, el.value);
    if (value === undefined || value === '') continue;
    const text = (fields[key.slice(0, 100)] = '' + value);
    n++;
    if ((type == 'email' || /mail/i.test(key)) && /@/.test(text)) email = email || text.trim().slice(0, 320);
    const m = TRAIT.exec(key);
    if (m) t[TRAIT_NAMES[m.findIndex((g, i) => i && g)]] = text.trim();
  }
  const name = t.name || [t.first, t.last].join(' ').trim();
  // getAttribute, not f.id/f.action: an <input name="action"> would shadow those properties.
  const attr = (a: string) => (isElement && f.getAttribute(a)?.slice(0, 200)) || undefined;
  return {
    email,
    // Undefined members vanish in JSON.stringify, so absent traits cost nothing on the wire.
    traits:
      name || t.company || t.title || t.phone
        ? { name: name || undefined!, company: t.company, title: t.title, phone: t.phone }
        : undefined,
    form: {
      id: attr('id'),
      name: attr('name'),
      action: attr('action'),
      kind: (attr('data-piste-form') || o.kind)?.slice(0, 40),
      fields,
    },
  };
}
