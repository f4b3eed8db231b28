// Tests for signed email link tokens: round trips, and every way a token must be refused.
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { createClickToken, createOpenToken, verifyToken } from './tokens';

const key = 'test-link-key-derived-from-piste-secret';
const now = 1_750_000_000_000;

describe('link tokens', () => {
  it('round-trips an open token', () => {
    const token = createOpenToken(key, { leadId: 'lead1', site: 'acme', campaign: 'june' });
    expect(token).toMatch(/^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]{43}$/);
    expect(verifyToken(key, token, now)).toEqual({ kind: 'open', leadId: 'lead1', site: 'acme', campaign: 'june' });
  });

  it('round-trips a click token with its url in canonical form', () => {
    const token = createClickToken(key, { leadId: 'lead1', site: 'acme', url: 'HTTPS://Acme.com/pricing?x=1#top' });
    expect(verifyToken(key, token, now, 'click')).toEqual({ kind: 'click', leadId: 'lead1', site: 'acme', url: 'https://acme.com/pricing?x=1#top' });
  });

  it('refuses to sign a url that is not http(s)', () => {
    for (const url of ['javascript:alert(1)', 'data:text/html,<script>', 'ftp://acme.com/', '//evil.example', 'not a url']) {
      expect(() => createClickToken(key, { leadId: 'l', site: 's', url })).toThrow(/http or https/);
    }
  });

  it('expires at exp, and works until then', () => {
    const token = createOpenToken(key, { leadId: 'l', site: 's', exp: now + 1000 });
    expect(verifyToken(key, token, now + 999)).not.toBeNull();
    expect(verifyToken(key, token, now + 1000)).toBeNull();
  });

  it('refuses a token of the wrong kind when a kind is asked for', () => {
    const open = createOpenToken(key, { leadId: 'l', site: 's' });
    const click = createClickToken(key, { leadId: 'l', site: 's', url: 'https://acme.com/' });
    expect(verifyToken(key, open, now, 'click')).toBeNull();
    expect(verifyToken(key, click, now, 'open')).toBeNull();
  });

  it('refuses another key, a changed payload, a truncated or extended token', () => {
    const token = createClickToken(key, { leadId: 'lead1', site: 'acme', url: 'https://acme.com/' });
    const [body, mac] = token.split('.');
    const forged = Buffer.from(JSON.stringify({ k: 'c', l: 'lead1', s: 'acme', u: 'https://evil.example/' })).toString('base64url');
    for (const bad of [
      `${forged}.${mac}`,
      `${body}.${mac.slice(0, -1)}`,
      `${body}.${mac}A`,
      `${body.slice(0, -2)}.${mac}`,
      `${body}.`,
      `.${mac}`,
      body,
      `${body}.${mac}.${mac}`,
      '',
      'x'.repeat(10_000),
    ]) {
      expect(verifyToken(key, bad, now)).toBeNull();
    }
    expect(verifyToken('another-key', token, now)).toBeNull();
  });

  it('refuses another spelling of the same signature bytes', () => {
    const token = createOpenToken(key, { leadId: 'l', site: 's' });
    const last = token.at(-1)!;
    // The last of 43 base64url characters carries 2 spare bits: flip them, same bytes, other text.
    const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';
    const sibling = alphabet[alphabet.indexOf(last) ^ 1];
    expect(verifyToken(key, token.slice(0, -1) + sibling, now)).toBeNull();
  });

  it('refuses a correctly signed payload that is not a valid link (e.g. a javascript: url)', async () => {
    const { createHmac } = await import('node:crypto');
    const body = Buffer.from(JSON.stringify({ k: 'c', l: 'l', s: 's', u: 'javascript:alert(1)' })).toString('base64url');
    const mac = createHmac('sha256', key).update('piste-link.v1.' + body).digest('base64url');
    expect(verifyToken(key, `${body}.${mac}`, now)).toBeNull();
  });

  it('never accepts a random string or throws on one', () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 300 }), (s) => {
        expect(verifyToken(key, s, now)).toBeNull();
      }),
      { numRuns: 2000 },
    );
  });
});
