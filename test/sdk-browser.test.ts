// The built dist/piste.js in real Chromium, posting cross-origin to a local receiver: pageview, SPA
// navigation, offline then online, and a form whose submission navigates away. Each event arrives; one handed to
// sendBeacon as the page went away arrives again from the next page, the same event with the same id (a beacon's
// delivery is unknown), which the collector stores once.
import { readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchBrowser } from './helpers/browser';

type Event = { id: string; type: string; url: string; name?: string; email?: string; form?: { fields: object } };

const received: Event[] = [];
const rawBodies: string[] = [];
let receiver: Server;
let site: Server;
let api = '';
let origin = '';
let browser: Awaited<ReturnType<typeof launchBrowser>>;
let context: BrowserContext;
let page: Page;

const listen = (server: Server) =>
  new Promise<number>((resolve) => server.listen(0, '127.0.0.1', () => resolve((server.address() as AddressInfo).port)));

async function until<T>(what: () => T | undefined, ms = 10_000): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    const v = what();
    if (v) return v;
    if (Date.now() > end) throw new Error('timed out; received: ' + JSON.stringify(received.map((e) => [e.type, e.url, e.name])));
    await new Promise((r) => setTimeout(r, 50));
  }
}

const page1 = () => `<!doctype html><html><head><title>Home</title>
<script>window.piste = window.piste || function(){ (piste.q = piste.q || []).push(arguments) }; piste('track', 'early');</script>
<script defer src="/piste.js" data-site="site1" data-api="${api}"></script></head>
<body><h1>Home</h1><a id="next" href="/next">Next</a>
<form id="signup" action="/thanks" method="post" data-piste-form="demo">
  <input type="email" name="email" value="ada@example.com"><input name="company" value="Engines Ltd">
  <input type="password" name="password" value="hunter2-secret">
  <input name="cardnumber" autocomplete="cc-number" value="4111 1111 1111 1111">
  <input name="notes" value="ssn 078-05-1120"><input type="hidden" name="csrf" value="hidden-value">
  <button type="submit">Send</button>
</form></body></html>`;

// Whole values only: a short fragment like '4111' also turns up inside random event ids.
const SENSITIVE = ['hunter2-secret', '4111 1111', '4111111111111111', '078-05-1120', '078051120', 'hidden-value'];

beforeAll(async () => {
  receiver = createServer((req, res) => {
    // CORS for the page's origin: only the answer needs it (text/plain POSTs are never preflighted).
    res.setHeader('Access-Control-Allow-Origin', req.headers.origin || '*');
    res.setHeader('Access-Control-Allow-Credentials', 'true');
    let body = '';
    req.on('data', (c) => (body += c));
    req.on('end', () => {
      if (req.method == 'POST' && req.url == '/e') {
        rawBodies.push(body);
        received.push(...(JSON.parse(body).events as Event[]));
      }
      res.writeHead(req.method == 'POST' ? 202 : 204, { 'Content-Type': 'application/json' });
      res.end(req.method == 'POST' ? '{"accepted":1,"duplicates":0}' : '');
    });
  });
  api = `http://127.0.0.1:${await listen(receiver)}`;
  const script = readFileSync(new URL('../dist/piste.js', import.meta.url), 'utf8');
  site = createServer((req, res) => {
    req.resume();
    if (req.url == '/piste.js') return res.writeHead(200, { 'Content-Type': 'text/javascript' }).end(script);
    if (req.url == '/favicon.ico') return res.writeHead(404).end();
    res.writeHead(200, { 'Content-Type': 'text/html' });
    // The tag pasted twice, as happens with a tag manager beside it: plain, then deferred.
    if (req.url == '/twice') return res.end(page1().replace('<script defer', `<script src="/piste.js" data-site="site1" data-api="${api}"></script><script defer`));
    res.end(req.url!.startsWith('/thanks') ? page1().replace('<title>Home', '<title>Thanks') : page1());
  });
  // "localhost", not 127.0.0.1: the page's origin differs from the receiver's by host and port.
  origin = `http://localhost:${await listen(site)}`;
  browser = await launchBrowser();
  context = browser.context;
  page = await context.newPage();
});

afterAll(async () => {
  await browser?.close();
  receiver?.close();
  site?.close();
});

describe('dist/piste.js in Chromium', () => {
  it('sends the pageview and the calls queued before it loaded', async () => {
    await page.goto(origin + '/');
    await until(() => received.find((e) => e.type == 'pageview' && e.url == origin + '/'));
    await until(() => received.find((e) => e.name == 'early'));
  });

  it('sends a pageview on SPA navigation', async () => {
    await page.evaluate(() => history.pushState({}, '', '/pricing?utm_source=test'));
    await until(() => received.find((e) => e.type == 'pageview' && e.url == origin + '/pricing?utm_source=test'));
  });

  it('keeps events while offline and delivers them once back online', async () => {
    await context.setOffline(true);
    await page.evaluate(() => (window as unknown as { piste: (...a: unknown[]) => void }).piste('track', 'while_offline'));
    await new Promise((r) => setTimeout(r, 2500));
    expect(received.find((e) => e.name == 'while_offline')).toBeUndefined();
    await context.setOffline(false);
    await until(() => received.find((e) => e.name == 'while_offline'));
  });

  it('delivers a pageview still batched when a link navigates away, as one event', async () => {
    // Chromium: the click comes well inside the 1 s batching delay, so only pagehide/the next page can send it.
    await page.goto(origin + '/links');
    await Promise.all([page.waitForURL(origin + '/next'), page.click('#next')]);
    await until(() => received.find((e) => e.type == 'pageview' && e.url == origin + '/next'));
    await until(() => received.find((e) => e.type == 'pageview' && e.url == origin + '/links'));
    await new Promise((r) => setTimeout(r, 2500)); // the next page's resend of its persisted queue
    const copies = received.filter((e) => e.type == 'pageview' && e.url == origin + '/links');
    expect(new Set(copies.map((e) => e.id)).size).toBe(1); // by beacon and again from /next: one event
  });

  it('tracks once when the tag is on the page twice', async () => {
    await page.goto(origin + '/twice');
    await page.evaluate(() => (window as unknown as { piste: (...a: unknown[]) => void }).piste('track', 'on_twice'));
    await until(() => received.find((e) => e.name == 'on_twice'));
    await new Promise((r) => setTimeout(r, 1500)); // a second copy's pageview would be in the same or the next batch
    expect(received.filter((e) => e.type == 'pageview' && e.url == origin + '/twice')).toHaveLength(1);
    expect(received.filter((e) => e.name == 'on_twice')).toHaveLength(1);
  });

  it('captures a form whose submission navigates away, without sensitive values', async () => {
    await page.goto(origin + '/');
    await Promise.all([page.waitForURL(origin + '/thanks'), page.click('button[type=submit]')]);
    const formEvent = await until(() => received.find((e) => e.type == 'form_submit'));
    expect(formEvent).toMatchObject({ email: 'ada@example.com', form: { fields: { email: 'ada@example.com', company: 'Engines Ltd' } } });
    await until(() => received.find((e) => e.type == 'pageview' && e.url == origin + '/thanks'));
  });

  it('delivered every event, sent again only as the very same event, and never a sensitive value', async () => {
    await new Promise((r) => setTimeout(r, 3000)); // room for any stray retry to show up
    const byId = new Map<string, string>();
    for (const e of received) {
      const copy = JSON.stringify(e);
      expect(byId.get(e.id) ?? copy, `event ${e.id} sent again with other content`).toBe(copy);
      byId.set(e.id, copy);
    }
    expect(received.map((e) => e.name ?? e.type)).toEqual(
      expect.arrayContaining(['pageview', 'early', 'while_offline', 'form_submit']),
    );
    for (const secret of SENSITIVE) expect(rawBodies.join('\n')).not.toContain(secret);
  });
});
