// `piste purge` on a SQLite file: applies PISTE_RETENTION_DAYS and prints what it deleted.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { createCollector } from '../app';
import { buildProgram } from '../cli';
import { fixedClock } from '../clock';
import { loadConfig } from '../config';
import { openSqlite } from '../db/sqlite';
import { DAY_MS } from './index';

const dirs: string[] = [];
afterEach(() => {
  for (const dir of dirs.splice(0)) fs.rmSync(dir, { recursive: true, force: true });
});

describe('piste purge', () => {
  it('deletes events older than PISTE_RETENTION_DAYS and prints the counts', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'piste-purge-'));
    dirs.push(dir);
    const file = path.join(dir, 'piste.db');
    const env = { DATABASE_URL: `file:${file}`, PISTE_RETENTION_DAYS: '30' };
    // Seed through ingest, 40 days ago and today.
    const then = Date.now() - 40 * DAY_MS;
    const db = openSqlite(file);
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
    expect(lines.join('\n')).toMatch(/^purged 1 events and 1 anonymous visitors older than \d{4}-\d\d-\d\dT.* \(30 days\); 0 leads recounted$/);

    const after = openSqlite(file);
    expect(await after.getVisitor('acme', 'visitor-old')).toBeUndefined();
    expect(await after.listVisitorEvents('acme', 'visitor-new')).toHaveLength(1);
    await after.close();
  });
});

let n = 0;
const newEventId = () => `event-${String(++n).padStart(6, '0')}`;
