// The wire schema of POST /e (SPEC §2), validated at the boundary; unknown keys are dropped for forward compatibility.
import { z } from 'zod';

export const MAX_BODY_BYTES = 500 * 1024;
export const MAX_EVENT_BYTES = 32 * 1024;
export const MAX_EVENTS = 100;

// Ids are opaque keys: any printable ASCII without spaces, so third-party senders are not refused for their id style.
const ID = /^[\x21-\x7E]{1,128}$/;
const id = z.string().regex(ID, 'expected 1–128 printable ASCII characters without spaces');
/** Longest kept text per field (the schema and parsePlainBatch share them). */
const MAX = { site: 100, url: 4096, title: 1000, category: 100, name: 100, email: 320, ms: 8.64e15 } as const;
/** Over-long text is cut, not refused: one long URL or title must not cost a whole batch of events. */
const cut = (s: string, max: number) => (s.length > max ? s.slice(0, max) : s);
const text = (max: number) => z.string().transform((s) => cut(s, max));
const ms = z.number().int().nonnegative().max(MAX.ms);
const scalar = z.union([text(500), z.number().finite(), z.boolean()]);
const flat = <T extends z.ZodType>(values: T) =>
  z.record(z.string().max(100), values).refine((r) => Object.keys(r).length <= 50, 'at most 50 keys');
/** Page categories are compared with the site's rules in lower case; an empty one means "let the URL rules decide". */
const category = z.string().transform((s) => cut(s, MAX.category).trim().toLowerCase() || undefined);
/** Never cut (a shortened address could name someone else): one too long to be an address is left out, the event kept. */
const email = z.string().transform((s) => (s.length > MAX.email ? undefined : s));
/** Form values arrive as text from the script; numbers and booleans from code are kept as their text. */
const fieldValue = z.union([text(500), z.number().finite().transform(String), z.boolean().transform(String)]);

const EVENT_TYPES = ['pageview', 'form_submit', 'identify', 'track'] as const;

export const EventSchema = z
  .object({
    id,
    type: z.enum(EVENT_TYPES),
    ts: ms,
    vid: id,
    sid: id.optional(),
    url: text(MAX.url).optional(),
    ref: text(MAX.url).optional(),
    title: text(MAX.title).optional(),
    cat: category.optional(),
    name: z.string().min(1).transform((s) => s.slice(0, MAX.name)).optional(),
    props: flat(scalar).optional(),
    email: email.optional(),
    traits: flat(z.union([scalar, z.null()])).optional(),
    form: z
      .object({
        id: text(200).optional(),
        name: text(200).optional(),
        action: text(MAX.url).optional(),
        kind: text(40).optional(),
        fields: flat(fieldValue).optional(),
      })
      .optional(),
  })
  .superRefine((e, ctx) => {
    if (e.type === 'track' && !e.name) ctx.addIssue({ code: 'custom', path: ['name'], message: 'track events need a name' });
  });

export const BatchSchema = z.object({
  site: z.string().min(1).max(MAX.site),
  /** The client's clock when it sent the batch; without it, event times are taken as they are. */
  sentAt: ms.optional(),
  events: z.array(EventSchema).max(MAX_EVENTS),
});

export type WireEvent = z.infer<typeof EventSchema>;
export type WireBatch = z.infer<typeof BatchSchema>;

const TYPES: ReadonlySet<unknown> = new Set(EVENT_TYPES);
const isId = (v: unknown): v is string => typeof v === 'string' && ID.test(v);
const isMs = (v: unknown): v is number => typeof v === 'number' && Number.isInteger(v) && v >= 0 && v <= MAX.ms;
/** An optional field as `text(max)` gives it: undefined when absent, null when it is not a string. */
const optionalText = (v: unknown, max: number) => (v === undefined ? undefined : typeof v === 'string' ? cut(v, max) : null);

/**
 * BatchSchema's result for the common batch, without zod: every event valid and without `props`, `traits` or `form`.
 * For anything else, valid or not, it returns undefined and BatchSchema decides (and explains what is wrong). zod's
 * parse of a one-event beacon allocated more than the rest of the route; schema.test.ts compares both on random input.
 */
export function parsePlainBatch(body: unknown): WireBatch | undefined {
  if (typeof body !== 'object' || body === null) return undefined;
  const { site, sentAt, events } = body as Record<string, unknown>;
  if (typeof site !== 'string' || site.length < 1 || site.length > MAX.site) return undefined;
  if (sentAt !== undefined && !isMs(sentAt)) return undefined;
  if (!Array.isArray(events) || events.length > MAX_EVENTS) return undefined;
  const out: WireEvent[] = [];
  for (const event of events) {
    const e = plainEvent(event);
    if (!e) return undefined;
    out.push(e);
  }
  return sentAt === undefined ? { site, events: out } : { site, sentAt, events: out };
}

function plainEvent(event: unknown): WireEvent | undefined {
  if (typeof event !== 'object' || event === null || Array.isArray(event)) return undefined;
  const { id, type, ts, vid, sid, url, ref, title, cat, name, email, props, traits, form } = event as Record<string, unknown>;
  if (props !== undefined || traits !== undefined || form !== undefined) return undefined;
  if (!isId(id) || !TYPES.has(type) || !isMs(ts) || !isId(vid)) return undefined;
  const e: WireEvent = { id, type: type as WireEvent['type'], ts, vid };
  if (sid !== undefined) {
    if (!isId(sid)) return undefined;
    e.sid = sid;
  }
  const texts = { url: optionalText(url, MAX.url), ref: optionalText(ref, MAX.url), title: optionalText(title, MAX.title) };
  if (texts.url === null || texts.ref === null || texts.title === null) return undefined;
  if (texts.url !== undefined) e.url = texts.url;
  if (texts.ref !== undefined) e.ref = texts.ref;
  if (texts.title !== undefined) e.title = texts.title;
  if (cat !== undefined) {
    if (typeof cat !== 'string') return undefined;
    e.cat = cut(cat, MAX.category).trim().toLowerCase() || undefined; // zod keeps the key, with undefined, for a blank category
  }
  if (name !== undefined) {
    if (typeof name !== 'string' || name.length < 1) return undefined;
    e.name = cut(name, MAX.name);
  }
  if (type === 'track' && !e.name) return undefined;
  if (email !== undefined) {
    if (typeof email !== 'string') return undefined;
    e.email = email.length > MAX.email ? undefined : email; // as zod: the key kept, with undefined
  }
  return e;
}
