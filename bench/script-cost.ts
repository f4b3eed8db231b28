// Main-thread cost of dist/piste.js at page load in Chromium, against the same page with an empty script (CDP metrics).
import fs from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import type { AddressInfo } from 'node:net';
import { chromium } from 'playwright-core';
import { DESKTOP_UA } from './load';
import { median } from './reads';

export const CHROMIUM = '/usr/bin/chromium';
const ARGS = ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'];

export type ScriptCost = {
  /** median TaskDuration (all main-thread tasks) of a load with piste.js, ms */
  scriptTaskMs: number;
  emptyTaskMs: number;
  /** median ScriptDuration (JavaScript only), ms */
  scriptJsMs: number;
  emptyJsMs: number;
  loads: number;
};

/**
 * Loads a page `loads` times with piste.js and `loads` times with an empty script, alternating, each in a fresh tab,
 * and reads Performance.getMetrics 300 ms after `load` (the script's beacon goes to a local no-op /e).
 * @example await measureScriptCost('dist/piste.js', 15)
 */
export async function measureScriptCost(scriptFile: string, loads: number): Promise<ScriptCost> {
  const script = fs.readFileSync(scriptFile);
  const server = http.createServer((req, res) => {
    const noStore = { 'cache-control': 'no-store' };
    if (req.method === 'POST') {
      req.resume();
      res.writeHead(202, { 'content-type': 'application/json' }).end('{"accepted":0,"duplicates":0}');
    } else if (req.url === '/piste.js') res.writeHead(200, { 'content-type': 'text/javascript', ...noStore }).end(script);
    else if (req.url === '/empty.js') res.writeHead(200, { 'content-type': 'text/javascript', ...noStore }).end('');
    else {
      const src = req.url === '/with-piste' ? '/piste.js' : '/empty.js';
      const html = `<!doctype html><html><head><meta charset="utf-8"><title>Pricing</title>
        <script defer src="${src}" data-site="bench" data-api="http://127.0.0.1:${port}"></script></head>
        <body><h1>Pricing</h1><form data-piste-form="demo"><input name="email" type="email"><button>Go</button></form></body></html>`;
      res.writeHead(200, { 'content-type': 'text/html; charset=utf-8', ...noStore }).end(html);
    }
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  const profileDir = fs.mkdtempSync(path.join(os.tmpdir(), 'piste-bench-chromium-'));
  const context = await chromium.launchPersistentContext(profileDir, { executablePath: CHROMIUM, headless: true, userAgent: DESKTOP_UA, args: ARGS });
  try {
    const measure = async (page: string) => {
      const tab = await context.newPage();
      const cdp = await context.newCDPSession(tab);
      await cdp.send('Performance.enable');
      await tab.goto(`http://127.0.0.1:${port}/${page}`, { waitUntil: 'load' });
      await tab.waitForTimeout(300);
      const { metrics } = await cdp.send('Performance.getMetrics');
      await tab.close();
      const metric = (name: string) => (metrics.find((m) => m.name === name)?.value ?? 0) * 1000;
      return { task: metric('TaskDuration'), js: metric('ScriptDuration') };
    };
    await measure('with-piste'); // warm the browser up; not counted
    await measure('empty');
    const withPiste: { task: number; js: number }[] = [];
    const empty: { task: number; js: number }[] = [];
    for (let i = 0; i < loads; i++) {
      withPiste.push(await measure('with-piste'));
      empty.push(await measure('empty'));
    }
    return {
      scriptTaskMs: median(withPiste.map((m) => m.task)),
      emptyTaskMs: median(empty.map((m) => m.task)),
      scriptJsMs: median(withPiste.map((m) => m.js)),
      emptyJsMs: median(empty.map((m) => m.js)),
      loads,
    };
  } finally {
    await context.close();
    server.close();
    fs.rmSync(profileDir, { recursive: true, force: true });
  }
}
