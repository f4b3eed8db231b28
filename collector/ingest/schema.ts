// The wire schema of POST /e (SPEC §2), validated at the boundary; unknown keys are dropped for forward compatibility.
import { z } from 'zod';

export const MAX_BODY_BYTES = 500 * 1024;
export const MAX_EVENT_BYTES = 32 * 1024;
export const MAX_EVENTS = 100;

// Ids are opaque keys: any printable ASCII without spaces, so third-party senders are not refused for their id style.
const id = z.string().regex(/^[\x21-\x7E]{1,128}$/, 'expected 1–128 printable ASCII characters without spaces');
/** Over-long text is cut, not refused: one long URL or title must not cost a whole batch of events. */
const text = (max: number) => z.string().transform((s) => (s.length > max ? s.slice(0, max) : s));
const ms = z.number().int().nonnegative().max(8.64e15);
const scalar = z.union([text(500), z.number().finite(), z.boolean()]);
const flat = <T extends z.ZodType>(values: T) =>
  z.record(z.string().max(100), values).refine((r) => Object.keys(r).length <= 50, 'at most 50 keys');
/** Page categories are compared with the site's rules in lower case; an empty one means "let the URL rules decide". */
const category = z
  .string()
  .max(100)
  .transform((s) => s.trim().toLowerCase() || undefined);
/** Form values arrive as text from the script; numbers and booleans from code are kept as their text. */
const fieldValue = z.union([text(500), z.number().finite().transform(String), z.boolean().transform(String)]);

export const EventSchema = z
  .object({
    id,
    type: z.enum(['pageview', 'form_submit', 'identify', 'track']),
    ts: ms,
    vid: id,
    sid: id.optional(),
    url: text(4096).optional(),
    ref: text(4096).optional(),
    title: text(1000).optional(),
    cat: category.optional(),
    name: z.string().min(1).transform((s) => s.slice(0, 100)).optional(),
    props: flat(scalar).optional(),
    email: z.string().max(320).optional(), // never cut: a shortened address could name someone else
    traits: flat(z.union([scalar, z.null()])).optional(),
    form: z
      .object({
        id: text(200).optional(),
        name: text(200).optional(),
        action: text(4096).optional(),
        kind: text(40).optional(),
        fields: flat(fieldValue).optional(),
      })
      .optional(),
  })
  .superRefine((e, ctx) => {
    if (e.type === 'track' && !e.name) ctx.addIssue({ code: 'custom', path: ['name'], message: 'track events need a name' });
  });

export const BatchSchema = z.object({
  site: z.string().min(1).max(100),
  /** The client's clock when it sent the batch; without it, event times are taken as they are. */
  sentAt: ms.optional(),
  events: z.array(EventSchema).max(MAX_EVENTS),
});

export type WireEvent = z.infer<typeof EventSchema>;
export type WireBatch = z.infer<typeof BatchSchema>;
