// Guarded JSON storage (localStorage; reads give undefined and writes do nothing when it is blocked, full or
// throws) and the one JSON encoder of the script, which cuts every string to the collector's schema limits.

/** Wire fields whose limit is not the 500 characters of a value (collector/ingest/schema.ts). */
const LIMITS: Record<string, number> = { url: 2048, ref: 2048, action: 2048, title: 1000, email: 320, name: 100, kind: 40, cat: 40, id: 200 };

/**
 * JSON with strings cut to their field's limit, so one long value never gets a whole batch refused, and
 * null and empty strings dropped (optional fields). Nested values are already cut at 500 by the sanitizer,
 * so a field named like a wire field (e.g. "url") never exceeds its own limit. `+` turns an inherited name
 * (toString…) into NaN, hence 500.
 */
export const json = (value: unknown): string =>
  JSON.stringify(value, (key, v) => (v === v + '' ? v.slice(0, +LIMITS[key] || 500) || undefined : v ?? undefined));

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
