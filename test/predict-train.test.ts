// Predictive scoring end to end: synthetic history through the real ingest, `piste train`, stored models, live probability, API.
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it, onTestFinished } from 'vitest';
import { generateSynthetic, type SyntheticEvent, type SyntheticTruth } from '../bench/synthetic';
import { createCollector } from '../collector/app';
import { fixedClock } from '../collector/clock';
import { loadConfig } from '../collector/config';
import { openDatabase } from '../collector/db/open';
import type { Database } from '../collector/db/repository';
import { rescoreSite } from '../collector/leads/rescore';
import { rescoreInWorker } from '../collector/leads/rescore-pass';
import { sharedPlan } from '../collector/leads/rescore-share';
import { siteRules } from '../collector/leads/rules';
import { changeStage } from '../collector/leads/stages';
import { leadInput } from '../collector/predict/live';
import { leadProbability, parseModelParams } from '../collector/predict/model';
import { trainSite } from '../collector/predict/site';

const run = promisify(execFile);
const DAY = 86_400_000;
const START = Date.UTC(2025, 0, 1);
// 180 days of traffic, trained 40 days after: every lead's 30-day window has closed
const NOW = START + 220 * DAY;
const ORIGIN = 'https://acme.piste-demo.net';
const UA = 'Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36';
const TOKEN = 'predict-test-token-0123456789';
const ROOT = path.resolve(import.meta.dirname, '..');

type Seeded = { db: Database; app: ReturnType<typeof createCollector>['app']; clock: ReturnType<typeof fixedClock>; url: string };

/**
 * A collector whose site `acme` holds synthetic history stored by the real ingest, replayed in time order with the
 * clock following the events (so a lead is created when its identifying beacon arrives). Sales qualifications of
 * the ground truth are applied as a salesperson's stage change at their time, so the stored labels are the truth.
 * Score thresholds never move a lead to sql (only forms and sales do), and without signal forms do not either.
 */
async function seed(opts: { signal: boolean; leads: number; events: number; file?: boolean }): Promise<Seeded> {
  const file = opts.file ? path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'piste-predict-')), 'piste.db') : null;
  const url = file ? `file:${file}` : ':memory:';
  const db = await openDatabase(url);
  onTestFinished(async () => {
    await db.close();
    if (file) fs.rmSync(path.dirname(file), { recursive: true, force: true });
  });
  const rules = { sql: { score: 1e9 }, ...(opts.signal ? {} : { sqlFormKinds: [] }) };
  await db.createSite({ key: 'acme', name: 'Acme', origins: [ORIGIN], rules }, START);
  const clock = fixedClock(START);
  const config = loadConfig({ DATABASE_URL: ':memory:', PISTE_API_TOKEN: TOKEN, PISTE_RATE_LIMIT: '1000000/1000000' });
  const { app } = createCollector({ db, config, clock, script: null });

  const events: SyntheticEvent['event'][] = [];
  const truths: SyntheticTruth[] = [];
  for (const r of generateSynthetic({ seed: 1, site: 'acme', start: START, leads: opts.leads, events: opts.events, signal: opts.signal })) {
    if (r.kind === 'event') events.push(r.event);
    else truths.push(r);
  }
  events.sort((a, b) => a.ts - b.ts);
  for (let i = 0; i < events.length; i += 100) {
    const chunk = events.slice(i, i + 100);
    clock.set(chunk[chunk.length - 1].ts + 1000);
    const res = await app.request('/e', {
      method: 'POST',
      headers: { 'content-type': 'text/plain;charset=UTF-8', origin: ORIGIN, 'user-agent': UA },
      body: JSON.stringify({ site: 'acme', sentAt: clock.now(), events: chunk }),
    });
    if (res.status !== 202) throw new Error(`ingest failed: ${res.status} ${await res.text()}`);
  }

  const site = (await db.getSite('acme'))!;
  for (const t of truths) {
    if (t.qualifiedBy !== 'sales' || t.reachedSqlAt === null || t.reachedSqlAt > NOW) continue;
    const lead = await db.getLeadByEmail('acme', t.email.toLowerCase());
    if (!lead) throw new Error(`no lead for ${t.email}`);
    const [r] = await db.writeGroup([lead], (tx, l) => changeStage(tx, l, 'sql', { cause: 'qualify', actor: 'sales@acme.test', now: t.reachedSqlAt!, rules: siteRules(site) }));
    if (!r.ok) throw r.error;
  }
  // the stored labels are the ground truth: the same leads reached sql
  const stored = (await db.listTrainingLeads('acme', null, 100_000)).filter((t) => t.reachedSqlAt !== null).map((t) => t.lead.email);
  const truth = truths.filter((t) => t.reachedSqlAt !== null && t.reachedSqlAt <= NOW).map((t) => t.email.toLowerCase());
  expect(stored.sort()).toEqual(truth.sort());
  clock.set(NOW);
  return { db, app, clock, url };
}

const api = async (app: Seeded['app'], p: string) => {
  const res = await app.request(`/api${p}`, { headers: { authorization: `Bearer ${TOKEN}` } });
  return { status: res.status, body: await res.json() };
};

/** One beacon of `events` for visitor `vid`, sent at the clock's time. */
async function post(s: Seeded, vid: string, events: Record<string, unknown>[]) {
  const res = await s.app.request('/e', {
    method: 'POST',
    headers: { 'content-type': 'text/plain;charset=UTF-8', origin: ORIGIN, 'user-agent': UA },
    body: JSON.stringify({ site: 'acme', sentAt: s.clock.now(), events: events.map((e, i) => ({ id: `${vid}-${e.ts}-${i}`, vid, sid: `${vid}-s`, ...e })) }),
  });
  expect(res.status).toBe(202);
}

async function piste(args: string[], url: string) {
  const env = { ...process.env, DATABASE_URL: url };
  return run(process.execPath, ['bin/piste.mjs', ...args], { cwd: ROOT, env }).then(
    ({ stdout, stderr }) => ({ code: 0, stdout, stderr }),
    (err: { code: number; stdout: string; stderr: string }) => ({ code: err.code, stdout: err.stdout, stderr: err.stderr }),
  );
}

describe('piste train on history stored by the real ingest', () => {
  it('recovers buyer intent better than the rules, stores versioned models and scores every lead live', async () => {
    const s = await seed({ signal: true, leads: 1500, events: 45_000, file: true });
    const { db, app, clock } = s;
    const before = await api(app, '/leads?site=acme&limit=5');
    expect(before.body.leads.map((l: { probability: unknown }) => l.probability)).toEqual([null, null, null, null, null]);

    const first = await trainSite(db, 'acme', { now: NOW, seed: 1 });
    if (!first.ok) throw new Error(first.message);
    expect(first.version).toBe(1);
    expect(first.metrics.auc).toBeGreaterThanOrEqual(0.8);
    expect(first.metrics.auc).toBeGreaterThan(first.metrics.ruleAuc);
    expect(first.metrics.positives).toBeGreaterThanOrEqual(20);
    expect(first.updated).toBe(1500);
    expect((await db.listModels('acme')).map((m) => [m.version, m.active])).toEqual([[1, true]]);

    // every lead has a probability, and the API sorts by it
    const top = await api(app, '/leads?site=acme&sort=-probability&limit=200');
    const probabilities: number[] = top.body.leads.map((l: { probability: number }) => l.probability);
    expect(probabilities.every((p) => p > 0 && p < 1)).toBe(true);
    expect([...probabilities].sort((a, b) => b - a)).toEqual(probabilities);
    const bottom = await api(app, '/leads?site=acme&sort=probability&limit=1');
    expect(bottom.body.leads[0].probability).toBeLessThanOrEqual(probabilities[probabilities.length - 1]);
    // the top of the list is where the buyers are
    const topIds = new Set(top.body.leads.slice(0, 100).map((l: { id: string }) => l.id));
    const reached = (await db.listTrainingLeads('acme', null, 5000)).filter((t) => t.reachedSqlAt !== null);
    expect(reached.filter((t) => topIds.has(t.lead.id)).length).toBeGreaterThan(50);

    // the lead page explains it in words
    const detail = await api(app, `/leads/${top.body.leads[0].id}`);
    expect(detail.status).toBe(200);
    expect(detail.body.lead.probability).toBe(probabilities[0]);
    expect(detail.body.explain.length).toBeGreaterThan(0);
    for (const r of detail.body.explain) {
      expect(r).toEqual({ feature: expect.any(String), label: expect.any(String), effect: expect.any(Number), direction: r.effect > 0 ? 'up' : 'down', text: expect.stringMatching(/ — (raises|lowers) the likelihood$/) });
    }
    const effects = detail.body.explain.map((r: { effect: number }) => Math.abs(r.effect));
    expect([...effects].sort((a, b) => b - a)).toEqual(effects);

    // live: a new lead gets a probability on ingest, and it moves while the lead is inside its observation week
    clock.set(NOW + 3_600_000);
    await post(s, 'newcomer', [
      { type: 'pageview', ts: NOW, url: `${ORIGIN}/` },
      { type: 'identify', ts: NOW + 60_000, email: 'grace@northwind-buyer.io', traits: { title: 'CEO', companySize: 800 } },
    ]);
    const fresh = (await db.getLeadByEmail('acme', 'grace@northwind-buyer.io'))!;
    expect(fresh.probability).not.toBeNull();
    clock.set(NOW + 2 * 3_600_000);
    await post(s, 'newcomer', [1, 2, 3, 4].map((k) => ({ type: 'pageview', ts: NOW + 3_600_000 + k * 60_000, url: `${ORIGIN}/pricing`, cat: 'pricing' })));
    const engaged = (await db.getLeadByEmail('acme', 'grace@northwind-buyer.io'))!;
    expect(engaged.probability).toBeGreaterThan(fresh.probability!);

    // rescore recomputes it from history
    await db.writeGroup([engaged.id], (tx, id) => tx.updateLeadProbability(id, null));
    await rescoreSite(db, 'acme', { now: clock.now() });
    expect((await db.getLead(engaged.id))!.probability).toBeCloseTo(engaged.probability!, 12);

    // and so does rescore's worker thread when it takes ranges of leads: here it takes every range there is
    const leads = (await db.listTrainingLeads('acme', null, 5000)).map((t) => t.lead);
    const stored = new Map(leads.map((l) => [l.id, l.probability]));
    expect([...stored.values()].every((p) => p !== null)).toBe(true);
    await db.writeGroup(leads, (tx, l) => tx.updateLeadProbability(l.id, 0.5)); // wrong everywhere
    const plan = sharedPlan({ leads: (await db.rescorePositions!()).leads, visitors: 0 }, 100);
    const model = parseModelParams((await db.getActiveModel('acme'))!.params);
    const input = { databaseUrl: s.url, site: 'acme', rules: (await db.getSite('acme'))!.rules, model, now: clock.now(), readRows: 100, batchSize: 100, plan };
    const worker = rescoreInWorker(input, () => {});
    expect(await worker.done).toMatchObject({ leads: leads.length, visitors: 0 });
    await worker.stop();
    for (const l of (await db.listTrainingLeads('acme', null, 5000)).map((t) => t.lead)) expect(l.probability).toBeCloseTo(stored.get(l.id)!, 12);

    // the CLI trains version 2 in another process; this running collector uses it at its next batch
    const cli = await piste(['train', '--site', 'acme', '--observe-days', '3'], s.url);
    expect(cli.stderr).not.toMatch(/piste:/);
    expect(cli.code).toBe(0);
    expect(cli.stdout).toMatch(/model v2 trained on \d+ leads/);
    expect(cli.stdout).toMatch(/AUC +0\.\d{3} +0\.\d{3}/);
    expect(cli.stdout).toMatch(/probability updated for 1501 leads/);
    expect((await db.listModels('acme')).map((m) => [m.version, m.active])).toEqual([[2, true], [1, false]]);
    const v2 = parseModelParams((await db.getActiveModel('acme'))!.params)!;
    expect(v2.observeDays).toBe(3);
    clock.set(NOW + 3 * 3_600_000);
    await post(s, 'newcomer', [{ type: 'pageview', ts: NOW + 2.5 * 3_600_000, url: `${ORIGIN}/docs/api`, cat: 'docs' }]);
    const now2 = (await db.getLeadByEmail('acme', 'grace@northwind-buyer.io'))!;
    const expected = leadProbability(v2, leadInput(now2, await db.listLeadEvents(now2.id, 10_000)), siteRules((await db.getSite('acme'))!), clock.now());
    expect(now2.probability).toBeCloseTo(expected.probability, 12);

    // a failed training stores nothing and leaves version 2 active, in process and through the CLI
    const refused = await trainSite(db, 'acme', { now: NOW, minPositives: 100_000 });
    expect(refused).toMatchObject({ ok: false, code: 'too_few_positives', message: expect.stringMatching(/needs at least 100000 leads that reached sql within 30 days of becoming a lead, it has \d+/) });
    const cliRefused = await piste(['train', '--site', 'acme', '--min-positives', '100000'], s.url);
    expect(cliRefused.code).toBe(1);
    expect(cliRefused.stderr).toMatch(/piste: site "acme": training needs at least 100000 .* it has \d+ .*nothing was stored/);
    const unknown = await piste(['train', '--site', 'nope'], s.url);
    expect(unknown.code).toBe(1);
    expect(unknown.stderr).toMatch(/piste: no site "nope"/);
    expect((await db.listModels('acme')).map((m) => [m.version, m.active])).toEqual([[2, true], [1, false]]);
    expect((await db.getLead(now2.id))!.probability).toBe(now2.probability);
  }, 120_000);

  it('finds no signal where there is none (AUC near 0.5)', async () => {
    const { db } = await seed({ signal: false, leads: 1500, events: 45_000 });
    const result = await trainSite(db, 'acme', { now: NOW, seed: 1 });
    if (!result.ok) throw new Error(result.message);
    expect(Math.abs(result.metrics.auc - 0.5)).toBeLessThanOrEqual(0.1);
  }, 120_000);
});

describe('trainSite refuses bad input with a clear message and stores nothing', () => {
  async function small(qualified: number, unqualified: number) {
    const s = await seed({ signal: true, leads: 0, events: 0 });
    for (let i = 0; i < qualified + unqualified; i++) {
      s.clock.set(START + i * DAY + 1000);
      await post(s, `visitor-${1000 + i}`, [{ type: 'identify', ts: START + i * DAY, email: `lead${i}@acme-customer.io` }]);
    }
    for (let i = 0; i < qualified; i++) {
      const lead = (await s.db.getLeadByEmail('acme', `lead${i}@acme-customer.io`))!;
      await s.db.writeGroup([lead], (tx, l) => changeStage(tx, l, 'sql', { cause: 'qualify', actor: 'sales@acme.test', now: START + (i + 10) * DAY }));
    }
    return s.db;
  }

  it('an unknown site, a site without leads, too few positives, one class only', async () => {
    const empty = await small(0, 0);
    expect(await trainSite(empty, 'nope', { now: NOW })).toEqual({ ok: false, code: 'unknown_site', message: 'no site "nope"' });
    expect(await trainSite(empty, 'acme', { now: NOW })).toMatchObject({ ok: false, code: 'no_data', message: expect.stringContaining('no leads yet') });

    const none = await small(0, 30);
    expect(await trainSite(none, 'acme', { now: NOW })).toMatchObject({ ok: false, code: 'too_few_positives', message: expect.stringMatching(/needs at least 20 .* it has 0 \(of 30 usable leads\)/) });
    // still inside their 30-day window: not usable yet
    expect(await trainSite(none, 'acme', { now: START + 20 * DAY })).toMatchObject({ ok: false, code: 'no_data', message: expect.stringContaining('none whose 30-day window has closed') });

    const all = await small(5, 0);
    expect(await trainSite(all, 'acme', { now: NOW, minPositives: 1 })).toMatchObject({ ok: false, code: 'one_class', message: expect.stringContaining('every usable lead all had the same outcome') });
    for (const db of [empty, none, all]) expect(await db.listModels('acme')).toEqual([]);
    expect((await none.listLeads({ site: 'acme' })).every((l) => l.probability === null)).toBe(true);
  });
});
