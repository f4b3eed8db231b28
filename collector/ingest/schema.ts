// The wire schema of POST /e (SPEC §2), validated at the boundary; unknown keys are dropped for forward compatibility.
import { z } from 'zod';

export const MAX_BODY_BYTES = 500 * 1024;
export const MAX_EVENT_BYTES = 32 * 1024;
export const MAX_EVENTS = 100;

const id = z.string().regex(/^[A-Za-z0-9_-]{8,64}$/, 'expected 8–64 characters of A-Z a-z 0-9 _ -');
const text = (max: number) => z.string().max(max);
const ms = z.number().int().nonnegative().max(8.64e15);
const scalar = z.union([z.string().max(500), z.number().finite(), z.boolean()]);
const flat = <T extends z.ZodType>(values: T) =>
  z.record(z.string().max(100), values).refine((r) => Object.keys(r).length <= 50, 'at most 50 keys');

export const EventSchema = z
  .object({
    id,
    type: z.enum(['pageview', 'form_submit', 'identify', 'track']),
    ts: ms,
    vid: id,
    sid: id.optional(),
    url: text(2048).optional(),
    ref: text(2048).optional(),
    title: text(1000).optional(),
    cat: z.string().regex(/^[a-z0-9_-]{1,40}$/, 'expected a lower-case word').optional(),
    name: z.string().min(1).max(100).optional(),
    props: flat(scalar).optional(),
    email: text(320).optional(),
    traits: flat(z.union([scalar, z.null()])).optional(),
    form: z
      .object({
        id: text(200).optional(),
        name: text(200).optional(),
        action: text(2048).optional(),
        kind: z.string().max(40).optional(),
        fields: flat(z.string().max(500)).optional(),
      })
      .optional(),
  })
  .superRefine((e, ctx) => {
    if (e.type === 'track' && !e.name) ctx.addIssue({ code: 'custom', path: ['name'], message: 'track events need a name' });
  });

export const BatchSchema = z.object({
  site: z.string().min(1).max(100),
  sentAt: ms,
  events: z.array(EventSchema).max(MAX_EVENTS),
});

export type WireEvent = z.infer<typeof EventSchema>;
export type WireBatch = z.infer<typeof BatchSchema>;
