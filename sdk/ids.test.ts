// @vitest-environment happy-dom
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { IDS_KEY, SESSION_IDLE, uuid, VISITOR_LIFETIME, visit } from './ids';

const T0 = Date.UTC(2025, 0, 1);
const MIN = 60_000;

describe('visitor and session ids', () => {
  beforeEach(() => localStorage.clear());
  afterEach(() => vi.restoreAllMocks());

  it('creates a 128-bit visitor id whose expiry is set once, at most 13 months after creation', () => {
    const { vid } = visit(T0);
    expect(vid).toMatch(/^[0-9a-f]{32}$/);
    const expires = +localStorage.getItem(IDS_KEY)!.split('.')[1];
    expect(expires - T0).toBe(VISITOR_LIFETIME);
    expect(VISITOR_LIFETIME).toBeLessThanOrEqual(395 * 864e5);
    // Later visits keep both the id and the original expiry: the lifetime is never extended.
    expect(visit(T0 + 100 * 864e5).vid).toBe(vid);
    expect(+localStorage.getItem(IDS_KEY)!.split('.')[1]).toBe(expires);
  });

  it('replaces the visitor after its expiry, and a tampered far-future expiry', () => {
    const { vid } = visit(T0);
    expect(visit(T0 + VISITOR_LIFETIME + 1).vid).not.toBe(vid);
    localStorage.setItem(IDS_KEY, `${vid}.${T0 + 10 * VISITOR_LIFETIME}.s.${T0}`);
    expect(visit(T0).vid).not.toBe(vid);
  });

  it('keeps the session while active and rolls it after 30 minutes of inactivity', () => {
    const a = visit(T0);
    const b = visit(T0 + 29 * MIN);
    const c = visit(T0 + 58 * MIN); // 29 minutes after the last activity: same session
    const d = visit(T0 + 58 * MIN + SESSION_IDLE); // idle exactly 30 minutes: new session, same visitor
    expect([b.sid, c.sid]).toEqual([a.sid, a.sid]);
    expect(d.sid).not.toBe(a.sid);
    expect(d.vid).toBe(a.vid);
  });

  it('still gives stable ids in memory when localStorage throws', () => {
    vi.spyOn(Storage.prototype, 'getItem').mockImplementation(() => {
      throw new Error('SecurityError');
    });
    vi.spyOn(Storage.prototype, 'setItem').mockImplementation(() => {
      throw new Error('QuotaExceededError');
    });
    const a = visit(T0);
    expect(visit(T0 + MIN)).toEqual(a);
  });

  it('makes v4 uuids, also without crypto.randomUUID (insecure contexts)', () => {
    const v4 = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;
    expect(uuid()).toMatch(v4);
    vi.spyOn(crypto, 'randomUUID').mockReturnValue(undefined as never);
    const ids = new Set(Array.from({ length: 1000 }, uuid));
    expect(ids.size).toBe(1000);
    for (const id of ids) expect(id).toMatch(v4);
  });
});
