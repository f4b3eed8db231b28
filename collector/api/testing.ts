// Test helpers for the API suites: a fresh collector on a fresh database with an API token, and beacons that create real leads.
import type { Database } from '../db/repository';
import { newId } from '../ids';
import { batch, event, NOW, setup } from '../ingest/testing';

export { NOW };
export const TOKEN = 'test-api-token-0123456789';

/** Rules that make every identified lead an MQL at once (score ≥ 1, any grade), so transitions can be tested. */
export const EASY_MQL = { mql: { score: 1, minGrade: 'F' } };

/** `open` comes from `testDatabases()` (default: SQLite :memory:). */
export async function setupApi(env: Record<string, string> = {}, open?: () => Promise<Database>) {
  const base = await setup({ PISTE_API_TOKEN: TOKEN, ...env }, open);
  const api = (path: string, init: RequestInit & { token?: string | null } = {}) => {
    const headers = new Headers(init.headers);
    const token = init.token === undefined ? TOKEN : init.token;
    if (token !== null && !headers.has('authorization')) headers.set('authorization', `Bearer ${token}`);
    if (typeof init.body === 'string' && !headers.has('content-type')) headers.set('content-type', 'application/json');
    return base.app.request(`/api${path}`, { ...init, headers });
  };
  const json = async (path: string, init: RequestInit & { token?: string | null } = {}) => {
    const res = await api(path, init);
    return { status: res.status, body: res.status === 204 ? null : await res.json() };
  };
  /** A visitor who views `pages` then identifies with `email`; returns the lead id. */
  const lead = async (email: string, opts: { vid?: string; traits?: Record<string, unknown>; pages?: string[]; ts?: number } = {}) => {
    const vid = opts.vid ?? `vid-${newId()}`;
    const ts = opts.ts ?? base.clock.now();
    const pages = (opts.pages ?? ['/']).map((p, i) => event({ vid, sid: 'session-0001', ts: ts + i, url: `https://www.acme.test${p}` }));
    const identify = event({ vid, sid: 'session-0001', type: 'identify', ts: ts + pages.length, email, traits: opts.traits ?? {} });
    const res = await base.post(batch([...pages, identify], { sentAt: base.clock.now() }));
    if (res.status !== 202) throw new Error(`ingest failed: ${res.status} ${await res.text()}`);
    const found = await base.db.getLeadByEmail('acme', email.trim().toLowerCase());
    if (!found) throw new Error(`no lead for ${email}`);
    return found.id;
  };
  return { ...base, api, json, lead };
}
