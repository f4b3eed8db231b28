// Text PostgreSQL cannot store as given (U+0000) never fails a request: the one documented difference between dialects.
import { describe, expect, it } from 'vitest';
import { setupApi } from '../collector/api/testing';
import { testDatabases } from '../collector/db/test-databases';
import { batch, event } from '../collector/ingest/testing';

describe.each(testDatabases())('a NUL character in text ($name)', ({ name, open }) => {
  it('is accepted in beacons and API filters; SQLite keeps it, PostgreSQL drops it, JSON values keep it on both', async () => {
    const t = await setupApi({}, open);
    const res = await t.post(batch([
      event({ type: 'track', name: 'n\u0000', title: 'a\u0000b', props: { 'k\u0000': 'v\u0000' } }),
      event({ type: 'identify', email: 'ada@acme.com', traits: { company: 'x\u0000y' } }),
    ]));
    expect(await res.json()).toEqual({ accepted: 2, duplicates: 0 });
    expect((await t.json('/leads?q=%00')).status).toBe(200);

    const lead = (await t.db.getLeadByEmail('acme', 'ada@acme.com'))!;
    const track = (await t.json(`/leads/${lead.id}`)).body.events.find((e: { type: string }) => e.type === 'track');
    const text = name === 'pg' ? (s: string) => s.replaceAll('\u0000', '') : (s: string) => s;
    expect([track.name, track.title, lead.company]).toEqual([text('n\u0000'), text('a\u0000b'), text('x\u0000y')]);
    expect(track.props).toEqual({ 'k\u0000': 'v\u0000' });
  });
});
