// Normalizes the email an event carries and refuses what cannot identify a person (SPEC §3).
import { z } from 'zod';

const emailSyntax = z.email();

// Addresses people type into forms to get past them; they must not merge strangers into one lead.
const PLACEHOLDER_ADDRESSES = new Set(['test@test.com', 'a@a.a', 'a@a.com', 'test@example.com', 'email@email.com', 'asdf@asdf.com', 'user@domain.com', 'name@domain.com']);
const PLACEHOLDER_LOCALS = /^(no[-_.]?reply|do[-_.]?not[-_.]?reply|null|undefined|none|nobody)$/;
/** test@test.com under any suffix (test@test.de, test@test.co.uk), and its kin: a@a.fr, asdf@asdf.net. */
const SAME_NAME_TWICE = /^(test|a|x|aa|aaa|abc|asdf|qwerty|foo|email|mail)@\1\.[a-z.]+$/;
// Names that can never receive mail (RFC 6761). example.com stays accepted: SPEC and demos use it for sample people.
const RESERVED_DOMAINS = /(^|\.)(invalid|localhost)$/;

/**
 * Trims and lower-cases; null when the address is invalid or a placeholder.
 * @example identifyingEmail('  Ada@Example.io ') // 'ada@example.io'
 */
export function identifyingEmail(raw: string | undefined | null): string | null {
  if (typeof raw !== 'string') return null;
  const email = raw.trim().toLowerCase();
  if (email === '' || email === 'null' || email === 'undefined') return null;
  if (!emailSyntax.safeParse(email).success) return null;
  const [local, domain] = email.split('@');
  if (PLACEHOLDER_ADDRESSES.has(email) || PLACEHOLDER_LOCALS.test(local) || SAME_NAME_TWICE.test(email) || RESERVED_DOMAINS.test(domain)) return null;
  return email;
}
