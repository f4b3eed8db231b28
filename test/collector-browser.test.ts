// End to end: the built script on a page at one origin, the collector (a real `piste serve` process) at another;
// anonymous pageviews, then a form with an email, make one lead whose history includes the earlier pageviews.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { chromium, type BrowserContext } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openDatabase } from '../collector/db/open';

const ROOT = path.resolve(import.meta.dirname, '..');
const BIN = path.join(ROOT, 'bin/piste.mjs');
const UA = 'Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36';

let dir: string;
let collector: ChildProcess;
let collectorUrl: string;
let site: http.Server;
let siteOrigin: string;
let context: BrowserContext;

const page = (title: string, body: string, siteKey = 'e2e') => `<!doctype html><html><head><title>${title}</title>
<script defer src="${collectorUrl}/piste.js" data-site="${siteKey}"></script></head><body>${body}</body></html>`;

beforeAll(async () => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'piste-e2e-'));
  site = http.createServer((req, res) => {
    const pages: Record<string, string> = {
      '/': page('Home', '<a href="/pricing">Pricing</a>'),
      '/pricing': page('Pricing', '<form action="/thanks" method="get"><input name="email" type="email"><input name="company"><button>Go</button></form>'),
      '/thanks': page('Thanks', '<p>Thanks</p>'),
      '/wrong-key': page('Wrong key', '<p>A site key the collector does not know</p>', 'no-such-site'),
    };
    const html = pages[(req.url ?? '/').split('?')[0]];
    res.writeHead(html ? 200 : 404, { 'content-type': 'text/html' }).end(html ?? 'not found');
  });
  await new Promise<void>((r) => site.listen(0, '127.0.0.1', r));
  siteOrigin = `http://127.0.0.1:${(site.address() as AddressInfo).port}`;

  const env = { ...process.env, DATABASE_URL: `file:${dir}/piste.db`, PORT: '0' };
  const added = spawnSync(process.execPath, [BIN, 'site', 'add', 'e2e', '--origin', siteOrigin], { cwd: ROOT, env, encoding: 'utf8' });
  expect(added.status, added.stderr).toBe(0);
  collector = spawn(process.execPath, [BIN, 'serve'], { cwd: ROOT, env });
  const port = await new Promise<string>((resolve, reject) => {
    let out = '';
    collector.stdout!.on('data', (d) => {
      out += d;
      const m = /listening on http:\/\/localhost:(\d+)/.exec(out);
      if (m) resolve(m[1]);
    });
    collector.on('exit', (code) => reject(new Error(`serve exited ${code}`)));
  });
  collectorUrl = `http://localhost:${port}`; // another origin than the site (127.0.0.1)

  context = await chromium.launchPersistentContext(path.join(dir, 'profile'), {
    executablePath: '/usr/bin/chromium',
    headless: true,
    userAgent: UA,
    args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
});

afterAll(async () => {
  await context?.close();
  collector?.kill('SIGTERM');
  await new Promise((r) => (collector?.exitCode === null ? collector.on('exit', r) : r(null)));
  await new Promise((r) => site?.close(r));
  fs.rmSync(dir, { recursive: true, force: true });
});

describe('script → collector', () => {
  it('identifies the visitor at its form submission and keeps the anonymous pageviews before it', async () => {
    expect(fs.existsSync(path.join(ROOT, 'dist/piste.js')), 'run npm run build first').toBe(true);
    const tab = await context.newPage();
    // The first pageview is batched for about a second: wait for its delivery so the test is about the collector.
    const homeDelivered = tab.waitForResponse((r) => r.url() === `${collectorUrl}/e` && r.status() === 202);
    await tab.goto(`${siteOrigin}/`);
    await homeDelivered;
    await tab.click('a[href="/pricing"]');
    await tab.waitForURL(/\/pricing$/);
    await tab.waitForFunction(() => typeof (window as { piste?: unknown }).piste === 'function');
    await tab.fill('input[name=email]', 'Ada@Acme.io');
    await tab.fill('input[name=company]', 'Acme');
    await tab.click('button');
    await tab.waitForURL(/\/thanks/);

    const db = await openDatabase(`file:${dir}/piste.db`);
    try {
      let lead;
      for (let i = 0; i < 100 && !(lead = await db.getLeadByEmail('e2e', 'ada@acme.io')); i++) await new Promise((r) => setTimeout(r, 100));
      expect(lead, 'the form submission reached the collector').toBeDefined();
      const pageviewUrls = async () => (await db.listLeadEvents(lead!.id)).filter((e) => e.type === 'pageview').map((e) => e.url);
      await expect.poll(pageviewUrls, { timeout: 10_000 }).toEqual(expect.arrayContaining([`${siteOrigin}/`, `${siteOrigin}/pricing`]));
      const events = await db.listLeadEvents(lead!.id);
      const pricing = events.find((e) => e.url === `${siteOrigin}/pricing` && e.type === 'pageview')!;
      expect(pricing.cat).toBe('pricing');
      expect(events.findIndex((e) => e.url === `${siteOrigin}/`)).toBeLessThan(events.findIndex((e) => e.type === 'form_submit'));
      expect(events.some((e) => e.type === 'form_submit')).toBe(true);
      expect(await db.countLeads('e2e')).toBe(1);
      for (const e of events) expect(e.ip).toMatch(/^(127\.0\.0\.0|0:0:0::)$/); // loopback, truncated
    } finally {
      await db.close();
    }
  });

  it('drops events the collector refuses for good (a wrong site key) instead of retrying them for ever', async () => {
    const tab = await context.newPage();
    const posts: number[] = [];
    tab.on('response', (r) => r.url() === `${collectorUrl}/e` && posts.push(r.status()));
    const refused = tab.waitForResponse((r) => r.url() === `${collectorUrl}/e`);
    await tab.goto(`${siteOrigin}/wrong-key`);
    expect((await refused).status()).toBe(403);
    // The 403 is readable by the page (CORS on every answer), so the script sees a refusal, not a network error.
    await expect.poll(() => tab.evaluate(() => localStorage.getItem('piste_q')), { timeout: 5_000 }).toBeNull();
    await tab.waitForTimeout(2_500); // a retry after a network error would come within 0.5–1 s, then 1–2 s
    expect(posts).toEqual([403]);
    await tab.close();
  });
});
