// Test helpers for the ingest suites: a fresh app with one site on a fresh database (SQLite :memory: or a PostgreSQL schema), and beacon builders.
import { onTestFinished } from 'vitest';
import { fixedClock } from '../clock';
import { loadConfig } from '../config';
import { createCollector } from '../app';
import { openDatabase } from '../db/open';
import type { Database } from '../db/repository';
import { newId } from '../ids';

export const ORIGIN = 'https://www.acme.test';
export const UA = 'Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36';
export const NOW = Date.UTC(2026, 0, 15, 12);

/** `open` comes from `testDatabases()`; the database is closed (a PostgreSQL schema dropped) when the test ends. */
export async function setup(env: Record<string, string> = {}, open: () => Promise<Database> = () => openDatabase(':memory:')) {
  const db = await open();
  onTestFinished(() => db.close());
  const clock = fixedClock(NOW);
  await db.createSite({ key: 'acme', name: 'Acme', origins: [ORIGIN] }, NOW);
  const collector = createCollector({ db, config: loadConfig({ DATABASE_URL: ':memory:', ...env }), clock, script: null });
  const post = (body: unknown, headers: Record<string, string> = {}) =>
    collector.app.request('/e', {
      method: 'POST',
      headers: { 'content-type': 'text/plain;charset=UTF-8', origin: ORIGIN, 'user-agent': UA, ...headers },
      body: typeof body === 'string' ? body : JSON.stringify(body),
    });
  return { db, clock, app: collector.app, metrics: collector.metrics, post };
}

export function event(over: Record<string, unknown> = {}) {
  return { id: newId(), type: 'pageview', ts: NOW, vid: 'visitor-0001', sid: 'session-0001', url: 'https://www.acme.test/', ...over };
}

export function batch(events: unknown[], over: Record<string, unknown> = {}) {
  return { site: 'acme', sentAt: NOW, events, ...over };
}
