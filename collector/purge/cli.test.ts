// `piste purge` on a SQLite file or a PostgreSQL schema: applies PISTE_RETENTION_DAYS and prints what it deleted.
import { describe, expect, it, onTestFinished } from 'vitest';
import { createCollector } from '../app';
import { buildProgram } from '../cli';
import { fixedClock } from '../clock';
import { loadConfig } from '../config';
import { openDatabase } from '../db/open';
import { testDatabases } from '../db/test-databases';
import { DAY_MS } from './index';

describe.each(testDatabases())('piste purge ($name)', ({ location }) => {
  it('deletes events older than PISTE_RETENTION_DAYS and prints the counts', async () => {
    const database = await location();
    onTestFinished(() => database.drop());
    const env = { DATABASE_URL: database.url, PISTE_RETENTION_DAYS: '30' };
    // Seed through ingest, 40 days ago and today.
    const then = Date.now() - 40 * DAY_MS;
    const db = await openDatabase(database.url);
    await db.createSite({ key: 'acme', name: 'Acme', origins: [] }, then);
    const clock = fixedClock(then);
    const { app } = createCollector({ db, config: loadConfig(env), clock, script: null });
    const post = (vid: string) =>
      app.request('/e', {
        method: 'POST',
        headers: { 'content-type': 'text/plain', 'user-agent': 'Mozilla/5.0 (X11; Linux x86_64) Chrome/131.0.0.0 Safari/537.36' },
        body: JSON.stringify({ site: 'acme', sentAt: clock.now(), events: [{ id: newEventId(), type: 'pageview', ts: clock.now(), vid }] }),
      });
    expect((await post('visitor-old')).status).toBe(202);
    clock.set(Date.now());
    expect((await post('visitor-new')).status).toBe(202);
    await db.close();

    const lines: string[] = [];
    await buildProgram(env, (l) => lines.push(l)).parseAsync(['purge'], { from: 'user' });
    expect(lines.join('\n')).toMatch(/^purged 1 events, 1 anonymous visitors and 0 webhook deliveries older than \d{4}-\d\d-\d\dT.* \(30 days\); 0 leads recounted$/);

    const after = await openDatabase(database.url);
    expect(await after.getVisitor('acme', 'visitor-old')).toBeUndefined();
    expect(await after.listVisitorEvents('acme', 'visitor-new')).toHaveLength(1);
    await after.close();
  });
});

let n = 0;
const newEventId = () => `event-${String(++n).padStart(6, '0')}`;
