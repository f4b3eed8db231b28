// Guarded JSON storage (localStorage; reads give undefined and writes do nothing when it is blocked, full or
// throws) and the one JSON encoder of the script.

/**
 * JSON with null and empty strings dropped (optional fields), and every string cut at 2048 characters, the longest
 * URL kept: the collector cuts each field to its own limit (collector/ingest/schema.ts) and leaves out an email too
 * long to be one, so a long value never gets a batch refused; props, traits and form fields are already cut at 500
 * by the sanitizer, whatever their names.
 */
export const json = (value: unknown): string =>
  JSON.stringify(value, (_, v) => (v === v + '' ? v.slice(0, 2048) || undefined : v ?? undefined));

// Property access: shorter than getItem/setItem/removeItem, and it throws alike when storage is blocked or
// full. Callers keep their own copy in memory for when it does (see core.ts).
export const read = (key: string): any => {
  try {
    return JSON.parse(localStorage[key]);
  } catch {}
};

/** Writes a value; undefined removes the key. */
export const write = (key: string, value?: unknown): void => {
  try {
    value === undefined ? delete localStorage[key] : (localStorage[key] = json(value));
  } catch {}
};
