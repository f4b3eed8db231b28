// Every id a visitor or an attacker can see is random (≥ 128 bits), unique and never sequential.
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { csrfTokenFor } from '../collector/auth/csrf';
import { newSecretToken } from '../collector/auth/tokens';
import { testDatabases } from '../collector/db/test-databases';
import { newId } from '../collector/ids';
import { batch, event, setup } from '../collector/ingest/testing';
import { createOpenToken } from '../collector/links/tokens';
import { newWebhookSecret } from '../collector/webhooks/sign';

const N = 300;

/**
 * Checks a sample of ids in creation order: unique, at least `minBits` of base64url, bits balanced at every position
 * (a timestamp or counter prefix fails), consecutive ids not ordered (a sequence fails), no shared prefixes.
 */
function expectRandomIds(ids: string[], { minBits = 128, decode = (id: string) => Buffer.from(id, 'base64url') } = {}) {
  expect(ids.length).toBeGreaterThanOrEqual(100);
  expect(new Set(ids).size, 'unique').toBe(ids.length);
  for (const id of ids) expect(id).toMatch(/^[A-Za-z0-9_\-+/=]+$/);
  const bytes = ids.map(decode);
  const bits = Math.min(...bytes.map((b) => b.length * 8));
  expect(bits, 'at least 128 random bits').toBeGreaterThanOrEqual(minBits);
  // Each of the first `minBits` bit positions is 1 in 20–80 % of the ids (for random ids: 50 % ± 3 %).
  for (let bit = 0; bit < minBits; bit++) {
    const ones = bytes.filter((b) => (b[bit >> 3] >> (7 - (bit & 7))) & 1).length / bytes.length;
    expect(ones, `bit ${bit} looks fixed`).toBeGreaterThan(0.2);
    expect(ones, `bit ${bit} looks fixed`).toBeLessThan(0.8);
  }
  // Not monotonic: about half the consecutive pairs go up.
  let up = 0;
  for (let i = 1; i < ids.length; i++) if (ids[i] > ids[i - 1]) up++;
  expect(up / (ids.length - 1)).toBeGreaterThan(0.3);
  expect(up / (ids.length - 1)).toBeLessThan(0.7);
  for (let i = 1; i < ids.length; i++) {
    let common = 0;
    while (common < ids[i].length && ids[i][common] === ids[i - 1][common]) common++;
    expect(common, 'consecutive ids share a prefix').toBeLessThan(5);
  }
}

const many = (make: () => string) => Array.from({ length: N }, make);

describe('ids an attacker can see', () => {
  it('newId (lead, webhook, delivery, stage change, user and token record ids) is 128 random bits', () => {
    expect(newId()).toMatch(/^[A-Za-z0-9_-]{22}$/);
    expectRandomIds(many(newId));
  });

  it.each(testDatabases())('lead ids and server session ids made by ingest are random, whatever the order of creation ($name)', async ({ open }) => {
    const s = await setup({ PISTE_RATE_LIMIT: '1000/1000' }, open);
    for (let i = 0; i < 120; i++) {
      const vid = `visitor-${String(i).padStart(4, '0')}`;
      const res = await s.post(batch([event({ vid, type: 'identify', email: `person${i}@acme-${i}.io` })]));
      expect(res.status).toBe(202);
    }
    const leadIds: string[] = [];
    const sessionIds: string[] = [];
    for (let i = 0; i < 120; i++) {
      const lead = await s.db.getLeadByEmail('acme', `person${i}@acme-${i}.io`);
      leadIds.push(lead!.id);
      sessionIds.push((await s.db.listVisitorEvents('acme', `visitor-${String(i).padStart(4, '0')}`))[0].sessionId);
    }
    expectRandomIds(leadIds);
    expectRandomIds(sessionIds);
  });

  it('session cookies, API tokens and CSRF secrets are 256 random bits; CSRF tokens differ per session', () => {
    expectRandomIds(many(newSecretToken), { minBits: 256 });
    const secrets = many(newSecretToken);
    expectRandomIds(secrets.map(csrfTokenFor), { minBits: 256 });
  });

  it('webhook secrets are 256 random bits (whsec_ + base64)', () => {
    const secrets = many(newWebhookSecret);
    for (const s of secrets) expect(s).toMatch(/^whsec_/);
    expectRandomIds(secrets.map((s) => s.slice('whsec_'.length)), { minBits: 256, decode: (id) => Buffer.from(id, 'base64') });
  });

  it('email link tokens carry a 256-bit signature that differs for every lead', () => {
    const key = newSecretToken();
    const signatures = many(newId).map((leadId) => createOpenToken(key, { leadId, site: 'acme' }).split('.')[1]);
    expectRandomIds(signatures, { minBits: 256 });
  });

  it('no table uses autoincrement or serial ids', () => {
    const root = path.resolve(import.meta.dirname, '../collector/db/migrations');
    const sql = fs
      .readdirSync(root, { recursive: true, encoding: 'utf8' })
      .filter((f) => f.endsWith('.sql'))
      .map((f) => fs.readFileSync(path.join(root, f), 'utf8'))
      .join('\n');
    expect(sql.length).toBeGreaterThan(0);
    expect(sql).not.toMatch(/autoincrement|\bserial\b|bigserial|generated .* as identity/i);
  });
});
