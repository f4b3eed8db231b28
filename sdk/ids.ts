// Visitor and session ids: a random visitor id whose expiry is fixed once at creation, and a session
// that rolls after 30 minutes without activity. Both live in one stored value: "vid.expires.sid.lastSeen".
import { read, write } from './storage';

export const IDS_KEY = 'piste_id';
/** 390 days: under 13 months whatever the calendar. */
export const VISITOR_LIFETIME = 390 * 864e5;
export const SESSION_IDLE = 18e5;

/** 16 random bytes (128 bits) as 32 hex digits (getRandomValues exists in every context, secure or not). */
export const randomHex = () =>
  Array.from(crypto.getRandomValues(new Uint8Array(16)), (x) => (x | 256).toString(16).slice(1)).join('');

/** A v4 uuid, from randomHex: crypto.randomUUID only exists in secure contexts (https) and costs bytes. */
export const uuid = (): string => randomHex().replace(/(.{8})(.{4}).(.{3}).(.{3})/, '$1-$2-4$3-a$4-');

/** The visitor and session for an event at `now`; creates or rolls them as needed, never extends a visitor. */
export function visit(now: number): { vid: string; sid: string } {
  let [vid, expires, sid, last] = (read(IDS_KEY) || '').split('.');
  // An expiry further than a lifetime away was tampered with: it must not outlive the rule either.
  const fresh = !(vid && +expires > now && +expires <= now + VISITOR_LIFETIME);
  if (fresh) (vid = randomHex()), (expires = '' + (now + VISITOR_LIFETIME));
  if (fresh || !(now - +last < SESSION_IDLE)) sid = randomHex();
  write(IDS_KEY, [vid, expires, sid, now].join('.'));
  return { vid, sid };
}
