// `piste rescore`: after a rules change, stored history rescored equals live scoring under the new rules; a second run changes nothing.
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { describe, expect, it, onTestFinished } from 'vitest';
import { buildProgram } from '../cli';
import type { Database } from '../db/repository';
import { openDatabase } from '../db/open';
import type { SqliteRepository } from '../db/sqlite';
import { testDatabases } from '../db/test-databases';
import type { ScoreState } from '../scoring';
import { NOW, setup } from '../ingest/testing';
import { beacon, DAY, form, HOUR, MIN, pageview, track } from './testing';
import { rescoreSite } from './rescore';

const run = promisify(execFile);

/** Rules that give more points than the defaults (stages only move forward, so a rescore can only raise them). */
const GENEROUS = {
  halfLifeDays: 30,
  engagement: [
    { on: 'event', type: 'pageview', points: 2, cap: { perDay: 10 } },
    { on: 'category', category: 'pricing', points: 40, cap: { perSession: 1 } },
    { on: 'returning_visit', points: 5 },
    { on: 'form_with_email', points: 10 },
    { on: 'track', name: 'newsletter_signup', points: 20 },
  ],
  fit: { titles: [{ keywords: ['engineer'], points: 15 }] },
};

/** One fixed stream (same event ids for every app that ingests it). */
function stream() {
  return [
    beacon(pageview('/pricing', NOW - 3 * DAY, 'browser-aaaa'), pageview('/blog/a', NOW - 3 * DAY + MIN, 'browser-aaaa')),
    beacon(pageview('/pricing', NOW - 2 * DAY, 'browser-aaaa')),
    beacon(form('newsletter', 'ada@acme.io', NOW - DAY, 'browser-aaaa', { title: 'Staff Engineer' }), track('newsletter_signup', NOW - DAY, 'browser-aaaa')),
    beacon(pageview('/blog/b', NOW - 5 * HOUR, 'browser-bbbb'), pageview('/pricing', NOW - 4 * HOUR, 'browser-bbbb')),
    beacon(form('newsletter', 'bob@gmail.com', NOW - 2 * HOUR, 'browser-cccc'), track('newsletter_signup', NOW - 2 * HOUR, 'browser-cccc')),
    beacon(pageview('/pricing', NOW - 20 * HOUR, 'browser-dddd'), pageview('/pricing', NOW - HOUR, 'browser-dddd')),
    beacon(pageview('/docs', NOW - 30 * MIN, 'browser-dddd'), form('contact', 'cyd@initech.io', NOW - 29 * MIN, 'browser-dddd', { title: 'Engineer' })),
    beacon(pageview('/pricing', NOW - 3 * HOUR, 'browser-aaaa')), // late for ada's state: rescored from history
    // more anonymous browsers, so rescore pages through visitors too (batchSize 2 below)
    beacon(pageview('/pricing', NOW - 6 * HOUR, 'browser-eeee'), pageview('/careers', NOW - 6 * HOUR + MIN, 'browser-eeee')),
    beacon(pageview('/blog/c', NOW - 7 * DAY, 'browser-ffff'), pageview('/pricing', NOW - HOUR, 'browser-ffff')),
  ];
}

/** Server session ids are random per database: compare the sessions' counters only. */
const comparable = (state: unknown) =>
  state && { ...(state as ScoreState), sessions: (state as ScoreState).sessions.map((s) => s.counts) };

/** What scoring stored, per lead email and anonymous visitor, comparable across databases. */
async function snapshot(db: Database) {
  const leads: Record<string, Record<string, unknown>> = {};
  for (const id of await db.leadIdsAfter('acme', null, 1000)) {
    const l = (await db.getLead(id))!;
    leads[l.email] = { scoreState: comparable(l.scoreState), scoreKey: l.scoreKey, fitPoints: l.fitPoints, grade: l.grade, stage: l.stage, rejectedAt: l.rejectedAt };
  }
  const visitors: Record<string, unknown> = {};
  for (const vid of await db.anonymousVidsAfter('acme', null, 1000)) visitors[vid] = comparable((await db.getVisitor('acme', vid))!.scoreState);
  return { leads, visitors };
}

describe.each(testDatabases())('rescore ($name)', ({ open }) => {
  it('gives after a rules change exactly what live scoring under the new rules gives, and is idempotent', async () => {
    const events = stream();
    const live = await setup({}, open);
    for (const b of events) expect((await live.post(b)).status).toBe(202);
    const before = await snapshot(live.db);
    expect(Object.keys(before.leads).sort()).toEqual(['ada@acme.io', 'bob@gmail.com', 'cyd@initech.io']);

    await live.db.updateSiteRules('acme', GENEROUS);
    const progress: Array<[number, number]> = [];
    const first = await rescoreSite(live.db, 'acme', { now: NOW, batchSize: 2, onProgress: ({ done, total }) => progress.push([done, total]) });
    expect(first).toMatchObject({ leads: 3, visitors: 3 });
    expect(progress.at(-1)).toEqual([6, 6]);

    const fresh = await setup({}, open);
    await fresh.db.updateSiteRules('acme', GENEROUS);
    for (const b of events) await fresh.post(b);
    const rescored = await snapshot(live.db);
    expect(rescored).toEqual(await snapshot(fresh.db));
    expect(rescored).not.toEqual(before);

    const stageChanges = async () => (await Promise.all(Object.keys(rescored.leads).map(async (e) => (await live.db.listStageChanges((await live.db.getLeadByEmail('acme', e))!.id)).length)));
    const changesAfterFirst = await stageChanges();
    expect(await rescoreSite(live.db, 'acme', { now: NOW })).toEqual({ ...first, moved: 0 });
    expect(await snapshot(live.db)).toEqual(rescored);
    expect(await stageChanges()).toEqual(changesAfterFirst);
  });
});

describe.each(testDatabases())('rescore with a worker thread ($name)', ({ location }) => {
  it('scores the visitors on a second connection and gives what live scoring gives', async () => {
    const where = await location();
    onTestFinished(() => where.drop());
    const events = stream();
    const live = await setup({}, () => openDatabase(where.url));
    for (const b of events) expect((await live.post(b)).status).toBe(202);
    await live.db.updateSiteRules('acme', GENEROUS);
    const progress: Array<[number, number]> = [];
    const result = await rescoreSite(live.db, 'acme', { now: NOW, batchSize: 2, databaseUrl: where.url, onProgress: ({ done, total }) => progress.push([done, total]) });
    expect(result).toMatchObject({ leads: 3, visitors: 3 });
    expect(progress.at(-1)).toEqual([6, 6]);

    const fresh = await setup({});
    await fresh.db.updateSiteRules('acme', GENEROUS);
    for (const b of events) await fresh.post(b);
    expect(await snapshot(live.db)).toEqual(await snapshot(fresh.db));
  });

  it('fails with the worker\'s error when the worker cannot open the database', async () => {
    const live = await setup({});
    for (const b of stream()) await live.post(b);
    await expect(rescoreSite(live.db, 'acme', { now: NOW, databaseUrl: 'postgres://nobody@127.0.0.1:1/none' })).rejects.toThrow(/rescore worker/);
  });
});

describe.each(testDatabases())('rescore while events arrive ($name)', ({ open }) => {
  it('scores again, from its history, a row that changed between the read and the write', async () => {
    const events = stream();
    const live = await setup({}, open);
    for (const b of events) expect((await live.post(b)).status).toBe(202);
    await live.db.updateSiteRules('acme', GENEROUS);
    // Right after each page is read: a new event for ada (a lead) and for browser-eeee (anonymous).
    const lateEvents = [beacon(pageview('/pricing', NOW - 10 * MIN, 'browser-aaaa')), beacon(pageview('/pricing', NOW - 9 * MIN, 'browser-eeee'))];
    const late = [...lateEvents];
    const racing = Object.create(live.db) as Database;
    racing.rescoreLeads = async (...args) => {
      const page = await live.db.rescoreLeads(...args);
      if (late[0]) expect((await live.post(late.shift())).status).toBe(202);
      return page;
    };
    racing.rescoreVisitors = async (...args) => {
      const page = await live.db.rescoreVisitors(...args);
      if (late[0]) expect((await live.post(late.shift())).status).toBe(202);
      return page;
    };
    await rescoreSite(racing, 'acme', { now: NOW });
    expect(late).toEqual([]);

    const fresh = await setup({});
    await fresh.db.updateSiteRules('acme', GENEROUS);
    for (const b of [...events, ...lateEvents]) await fresh.post(b);
    expect(await snapshot(live.db)).toEqual(await snapshot(fresh.db));
  });
});

describe('piste rescore as a command', () => {
  it('rescores through bin/piste.mjs and its worker thread (the build when it is current, else the sources)', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'piste-rescore-bin-'));
    onTestFinished(() => fs.rmSync(dir, { recursive: true, force: true }));
    const url = `file:${path.join(dir, 'piste.db')}`;
    const events = stream();
    const live = await setup({}, () => openDatabase(url));
    for (const b of events) expect((await live.post(b)).status).toBe(202);
    await live.db.updateSiteRules('acme', GENEROUS);

    const bin = fileURLToPath(new URL('../../bin/piste.mjs', import.meta.url));
    const { stdout } = await run(process.execPath, [bin, 'rescore', '--site', 'acme'], { env: { ...process.env, DATABASE_URL: url } });
    expect(stdout).toMatch(/^site "acme": rescored 3 leads and 3 anonymous visitors; \d+ leads moved forward$/m);

    // Scores and states as live scoring gives them; stages are left out: the command moves leads at the real time,
    // when the test's events (January 2026) have decayed below the thresholds.
    const scores = async (db: Database) => {
      const { leads, visitors } = await snapshot(db);
      return { visitors, leads: Object.fromEntries(Object.entries(leads).map(([email, { stage: _stage, ...lead }]) => [email, lead])) };
    };
    const fresh = await setup({});
    await fresh.db.updateSiteRules('acme', GENEROUS);
    for (const b of events) await fresh.post(b);
    expect(await scores(live.db)).toEqual(await scores(fresh.db));
  });
});

describe('rescore without a rules change', () => {
  it('rewrites no lead or visitor row (counted by SQLite total_changes)', async () => {
    const live = await setup({}, () => openDatabase(':memory:'));
    for (const b of stream()) expect((await live.post(b)).status).toBe(202);
    const raw = (live.db as SqliteRepository).raw;
    const changes = () => (raw.prepare('SELECT total_changes() AS n').get() as { n: number }).n;
    await rescoreSite(live.db, 'acme', { now: NOW });
    const stored = await snapshot(live.db);
    const before = changes();
    expect(await rescoreSite(live.db, 'acme', { now: NOW, batchSize: 2 })).toMatchObject({ leads: 3, visitors: 3, moved: 0 });
    expect(changes()).toBe(before);
    expect(await snapshot(live.db)).toEqual(stored);
  });
});

describe('piste rescore', () => {
  it('rescores a site from the command line and refuses an unknown site', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'piste-rescore-'));
    try {
      const env = { DATABASE_URL: `file:${path.join(dir, 'piste.db')}` };
      const db = await openDatabase(env.DATABASE_URL);
      await db.createSite({ key: 'acme', name: 'Acme', origins: [] }, NOW);
      await db.close();
      const lines: string[] = [];
      await buildProgram(env, (l) => lines.push(l)).parseAsync(['rescore', '--site', 'acme'], { from: 'user' });
      expect(lines).toEqual(['site "acme": rescored 0 leads and 0 anonymous visitors; 0 leads moved forward']);
      await expect(buildProgram(env, () => {}).parseAsync(['rescore', '--site', 'nope'], { from: 'user' })).rejects.toThrow('no site "nope"');
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
