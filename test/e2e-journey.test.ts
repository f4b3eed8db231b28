// The newcomer's journey in real Chromium: anonymous visits on the demo site, a return visit, the newsletter, the demo
// form — then the dashboard shows that lead with its score, grade and stage SQL, and sales moves another lead by hand.
//
// Time: the collector derives visits from event times (a new visit after 30 idle minutes). Rather than sleeping, the
// collector runs in-process with an injected clock (real time + an offset the test moves): events are stamped with
// the collector's time (ts corrected by now − sentAt), so moving the offset 40 minutes makes the next pages a return visit.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hashPassword } from '../collector/auth/password';
import { loadConfig } from '../collector/config';
import { openDatabase } from '../collector/db/open';
import type { Database } from '../collector/db/repository';
import { sqlRows } from '../collector/db/test-databases';
import { newId } from '../collector/ids';
import { startServer, type RunningServer } from '../collector/server';
import { createDemoServer, type DemoServer } from '../demo-site/serve';
import { DESKTOP_CHROME_UA, launchBrowser } from './helpers/browser';

const ROOT = path.resolve(import.meta.dirname, '..');
const ARTIFACTS = path.join(ROOT, 'test-artifacts');
const ADMIN = { email: 'sales@northwind.example', password: 'a journey password' };
const VISITOR = { name: 'Ada Lovelace', email: 'ada@analytical-engines.example', company: 'Analytical Engines', title: 'VP Finance' };

let dir: string;
let db: Database;
let collector: RunningServer;
let demo: DemoServer;
let browser: Awaited<ReturnType<typeof launchBrowser>>;
let offsetMs = 0;
let collectorUrl: string;
const clock = { now: () => Date.now() + offsetMs };

beforeAll(async () => {
  expect(fs.existsSync(path.join(ROOT, 'dist/piste.js')), 'run npm run build first').toBe(true);
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'piste-journey-'));
  db = await openDatabase(`file:${dir}/piste.db`);
  await db.createUser({ id: newId(), email: ADMIN.email, passwordHash: await hashPassword(ADMIN.password), createdAt: Date.now() });
  collector = await startServer({ config: loadConfig({ PORT: '0', DATABASE_URL: `file:${dir}/piste.db` }), db, clock });
  collectorUrl = `http://localhost:${collector.port}`;
  demo = await createDemoServer({ port: 0, collectorUrl });
  await db.createSite({ key: 'demo', name: 'Northwind demo', origins: [`http://localhost:${demo.port}`, `http://127.0.0.1:${demo.port}`] }, Date.now());
  browser = await launchBrowser();
}, 60_000);

afterAll(async () => {
  await browser?.close();
  await demo?.close();
  await collector?.close();
  fs.rmSync(dir, { recursive: true, force: true });
});

/** Navigates and waits until the page's pageview reached the collector (the script batches for about a second). */
async function visit(page: Page, url: string) {
  const delivered = page.waitForResponse((r) => r.url() === `${collectorUrl}/e` && r.status() === 202);
  await page.goto(url);
  await delivered;
}

/**
 * Submits a form on the page, then waits until the collector has stored its form_submit and the thank-you page's
 * pageview. Waiting on the database, not on the beacon's response: a beacon sent as the page navigates away is not
 * always reported to the page, which made this wait flaky.
 */
async function submit(page: Page, form: string, fields: Record<string, string>) {
  const count = async (sql: string, params: unknown[]) => Number((await sqlRows(db, sql, params))[0].n);
  const forms = () => count("SELECT count(*) AS n FROM events WHERE type = 'form_submit' AND email = ?", [fields.email]);
  const thanks = () => count("SELECT count(*) AS n FROM events WHERE type = 'pageview' AND url LIKE ?", ['%/thank-you%']);
  const [formsBefore, thanksBefore] = [await forms(), await thanks()];
  for (const [name, value] of Object.entries(fields)) await page.fill(`${form} [name="${name}"]`, value);
  await page.click(`${form} button[type="submit"]`);
  await page.waitForURL(/thank-you/);
  await until('the form and the thank-you pageview stored', async () => (await forms()) > formsBefore && (await thanks()) > thanksBefore);
}

async function until<T>(what: string, fn: () => Promise<T | undefined | false>, timeoutMs = 10_000): Promise<T> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const value = await fn();
    if (value) return value;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** A second lead that reaches MQL (but not SQL) from beacons sent by another browser: three visits to pricing and a newsletter. */
async function mqlLead(): Promise<string> {
  const vid = `visitor-${newId()}`;
  const base = clock.now() - 3 * 3600_000;
  const events = [0, 1, 2].flatMap((visit) => [
    { id: newId(), type: 'pageview', ts: base + visit * 3600_000, vid, sid: `session-${visit}-abcdef`, url: `http://localhost:${demo.port}/pricing/`, title: 'Pricing' },
  ]);
  events.push({
    id: newId(), type: 'form_submit', ts: base + 2 * 3600_000 + 60_000, vid, sid: 'session-2-abcdef', url: `http://localhost:${demo.port}/`, title: 'Home',
    email: 'grace@compilers.example', traits: { name: 'Grace Hopper', company: 'Compilers Inc', title: 'Head of Engineering' }, form: { kind: 'newsletter', fields: {} },
  } as (typeof events)[number]);
  const res = await fetch(`${collectorUrl}/e`, {
    method: 'POST',
    headers: { 'content-type': 'text/plain', origin: `http://localhost:${demo.port}`, 'user-agent': DESKTOP_CHROME_UA },
    body: JSON.stringify({ site: 'demo', sentAt: clock.now(), events }),
  });
  expect(res.status).toBe(202);
  const lead = await db.getLeadByEmail('demo', 'grace@compilers.example');
  expect(lead?.stage).toBe('mql');
  return lead!.id;
}

describe('the newcomer journey', () => {
  it('turns demo-site visits into an SQL lead the dashboard explains, and lets sales accept and qualify a lead', async () => {
    const page = await browser.context.newPage();
    const site = `http://localhost:${demo.port}`;

    // First visit, anonymous: home, a blog post, pricing.
    await visit(page, `${site}/`);
    await visit(page, `${site}/blog/closing-the-books-in-three-days/`);
    await visit(page, `${site}/pricing/`);

    // Forty minutes later (collector time): a return visit, the newsletter, then the demo form.
    offsetMs += 40 * 60_000;
    await visit(page, `${site}/`);
    await visit(page, `${site}/pricing/`);
    await submit(page, 'form.newsletter', { email: VISITOR.email });
    await visit(page, `${site}/demo/`);
    await submit(page, 'form[data-piste-form="demo"]', VISITOR);

    const lead = await until('the journey lead at SQL', async () => {
      const l = await db.getLeadByEmail('demo', VISITOR.email);
      return l?.stage === 'sql' && l.pageviews >= 8 ? l : undefined;
    });
    expect(lead.visits).toBe(2);
    const otherId = await mqlLead();

    // Sign in to the dashboard in the browser.
    const dash = await browser.context.newPage();
    const consoleErrors: string[] = [];
    dash.on('console', (m) => m.type() === 'error' && consoleErrors.push(`${dash.url()}: ${m.text()}`));
    dash.on('pageerror', (e) => consoleErrors.push(`${dash.url()}: ${e.message}`));
    await dash.goto(`${collectorUrl}/leads`);
    await expect.poll(() => dash.url()).toContain('/signin');
    await dash.fill('input[name="email"]', ADMIN.email);
    await dash.fill('input[name="password"]', ADMIN.password);
    await dash.click('button[type="submit"]');
    await dash.waitForURL(/\/leads$/);

    // The lead list: score, grade and stage as the rules give them (see the breakdown check below).
    const row = dash.locator('tr', { has: dash.locator(`a:text-is("${VISITOR.email}")`) });
    const cells = await row.locator('td').allInnerTexts();
    expect(cells[2]).toBe('93'); // 8 pageviews + 2×15 pricing + 5 return visit + 2×10 forms with email + 30 demo form
    expect(cells[3]).toBe('B'); // business email +10, VP title +10
    expect(cells[4]).toBe('SQL');

    // The lead page explains the score and shows both visits.
    await row.locator('a').first().click();
    await dash.waitForURL(/\/leads\/[^/]+$/);
    expect(await dash.locator('.kpi').first().innerText()).toBe('93');
    const breakdown = await dash.locator('section:has(h2:text("Why this score")) tbody tr').allInnerTexts();
    expect(breakdown.join('\n')).toMatch(/category:pricing\s+2\s+\+30/);
    expect(breakdown.join('\n')).toMatch(/returning_visit\s+1\s+\+5/);
    expect(await dash.locator('.session').count()).toBe(2);
    fs.mkdirSync(ARTIFACTS, { recursive: true });
    const shot = path.join(ARTIFACTS, 'lead-page.png');
    await dash.screenshot({ path: shot, fullPage: true });
    console.log(`lead page screenshot: ${shot}`);

    // Sales: accept the MQL lead (→ SAL), then qualify it (→ SQL), with the buttons.
    await dash.goto(`${collectorUrl}/leads/${otherId}`);
    await dash.click('button:text("Accept (SAL)")');
    await expect.poll(() => dash.locator('.flash').innerText()).toContain('Accepted');
    expect(await dash.locator('.lead-head .stage').innerText()).toBe('SAL');
    await dash.click('button:text("Qualify (SQL)")');
    await expect.poll(() => dash.locator('.flash').innerText()).toContain('Qualified');
    expect(await dash.locator('.lead-head .stage').innerText()).toBe('SQL');
    const history = await dash.locator('section:has(h2:text("Stage history")) tbody').innerText();
    expect(history).toMatch(/MQL → SAL[\s\S]*by sales@northwind\.example/);
    expect((await db.getLead(otherId))?.stage).toBe('sql');

    // Every page with this real data, for a human look (kept beside the lead page screenshot).
    for (const [name, url] of [['leads', '/leads'], ['funnel', '/funnel'], ['sites', '/sites'], ['rules', '/rules'], ['webhooks', '/webhooks'], ['users', '/users']]) {
      await dash.goto(`${collectorUrl}${url}`);
      await dash.screenshot({ path: path.join(ARTIFACTS, `dashboard-${name}.png`), fullPage: true });
    }
    expect(consoleErrors).toEqual([]); // no script error, no blocked resource, no missing favicon
  }, 120_000);
});
