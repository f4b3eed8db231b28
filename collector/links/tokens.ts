// Signed per-lead email link tokens (open pixel and click link): HMAC-SHA256 over a base64url JSON payload.
import { createHmac, timingSafeEqual } from 'node:crypto';
import { z } from 'zod';

export type LinkSecret = string | Buffer;

export type OpenTokenInput = { leadId: string; site: string; campaign?: string; exp?: number };
export type ClickTokenInput = OpenTokenInput & { url: string };

/** What a valid token says. `exp` is ms since epoch; no `exp` means the link does not expire. */
export type LinkToken =
  | ({ kind: 'open' } & OpenTokenInput)
  | ({ kind: 'click' } & ClickTokenInput);

/** Longest token accepted: a click URL of ~2 KB plus the rest, base64url-encoded. */
const MAX_TOKEN_LENGTH = 4096;
// Bound to this use, so an HMAC made with the same key for something else is never a valid link.
const DOMAIN = 'piste-link.v1.';

function isHttpUrl(value: string): boolean {
  try {
    const { protocol } = new URL(value);
    return protocol === 'http:' || protocol === 'https:';
  } catch {
    return false;
  }
}

const id = z.string().min(1).max(200);
// Short keys keep the links short in emails: k kind, l lead, s site, c campaign, u url, e expiry.
const WireSchema = z.discriminatedUnion('k', [
  z.object({ k: z.literal('o'), l: id, s: id, c: id.optional(), e: z.number().int().optional() }),
  z.object({ k: z.literal('c'), l: id, s: id, c: id.optional(), e: z.number().int().optional(), u: z.string().max(2048).refine(isHttpUrl) }),
]);
type Wire = z.infer<typeof WireSchema>;

function sign(secret: LinkSecret, body: string): Buffer {
  return createHmac('sha256', secret).update(DOMAIN + body).digest();
}

function encode(secret: LinkSecret, wire: Wire): string {
  const body = Buffer.from(JSON.stringify(wire)).toString('base64url');
  return `${body}.${sign(secret, body).toString('base64url')}`;
}

/**
 * A token for the open pixel `/o/<token>.gif` of one lead.
 *
 * @example createOpenToken(key, { leadId: lead.id, site: 'acme', campaign: 'june' })
 */
export function createOpenToken(secret: LinkSecret, input: OpenTokenInput): string {
  return encode(secret, WireSchema.parse({ k: 'o', l: input.leadId, s: input.site, c: input.campaign, e: input.exp }));
}

/**
 * A token for the click link `/c/<token>`, which redirects to `url` (http or https only, else it throws).
 *
 * @example createClickToken(key, { leadId: lead.id, site: 'acme', url: 'https://acme.com/pricing' })
 */
export function createClickToken(secret: LinkSecret, input: ClickTokenInput): string {
  if (!isHttpUrl(input.url)) throw new Error('Link url must be an http or https URL');
  const url = new URL(input.url).href; // canonical form: what is signed is exactly what is redirected to
  return encode(secret, WireSchema.parse({ k: 'c', l: input.leadId, s: input.site, c: input.campaign, e: input.exp, u: url }));
}

/**
 * The payload of a genuine, unexpired token, or null for anything else (tampered, truncated,
 * signed with another key, expired, malformed). Give `kind` to accept only that kind of link.
 */
export function verifyToken(secret: LinkSecret, token: string, now: number, kind?: LinkToken['kind']): LinkToken | null {
  if (typeof token !== 'string' || token.length > MAX_TOKEN_LENGTH) return null;
  const [body, mac, extra] = token.split('.');
  if (!body || !mac || extra !== undefined) return null;
  // Compared as text, so that another spelling of the same bytes (base64 spare bits) is refused too.
  const given = Buffer.from(mac);
  const expected = Buffer.from(sign(secret, body).toString('base64url'));
  // Length first: timingSafeEqual throws on different lengths, and the length is no secret.
  if (given.length !== expected.length || !timingSafeEqual(given, expected)) return null;
  let json: unknown;
  try {
    json = JSON.parse(Buffer.from(body, 'base64url').toString('utf8'));
  } catch {
    return null;
  }
  const parsed = WireSchema.safeParse(json);
  if (!parsed.success) return null;
  const w = parsed.data;
  if (w.e !== undefined && now >= w.e) return null;
  const result: LinkToken =
    w.k === 'o'
      ? { kind: 'open', leadId: w.l, site: w.s, campaign: w.c, exp: w.e }
      : { kind: 'click', leadId: w.l, site: w.s, campaign: w.c, exp: w.e, url: w.u };
  if (kind && result.kind !== kind) return null;
  return result;
}
