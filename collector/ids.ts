// Random identifiers for anything a visitor or an attacker can see (never autoincrement ids).
import { randomBytes } from 'node:crypto';

/** A random 128-bit id as 22 base64url characters. */
export function newId(): string {
  return randomBytes(16).toString('base64url');
}
