import { describe, expect, it } from 'vitest';
import { identifyingEmail } from '../collector/ingest/email';
import { EventSchema } from '../collector/ingest/schema';
import { generateSynthetic, leadHistories, type SyntheticEvent, type SyntheticRecord, type SyntheticTruth } from './synthetic';

const DAY = 86_400_000;
const START = Date.UTC(2025, 0, 1);
const options = { seed: 7, leads: 300, events: 8_000, start: START, days: 60 };
const all = (o = options) => [...generateSynthetic(o)];
const eventsOf = (records: SyntheticRecord[]) => records.filter((r): r is SyntheticEvent => r.kind === 'event');
const truthsOf = (records: SyntheticRecord[]) => records.filter((r): r is SyntheticTruth => r.kind === 'truth');

describe('generateSynthetic', () => {
  const records = all();
  const events = eventsOf(records);
  const truths = truthsOf(records);

  it('gives the same records for the same seed, and others for another seed', () => {
    expect(all()).toEqual(records);
    expect(eventsOf(all({ ...options, seed: 8 }))[0].event.id).not.toBe(events[0].event.id);
  });

  it('produces wire events the collector accepts, with unique ids, inside the period', () => {
    for (const { event, site, ip, ua } of events) {
      expect(EventSchema.safeParse(event).success, JSON.stringify(event)).toBe(true);
      expect(event.ts).toBeGreaterThanOrEqual(START);
      expect(event.ts).toBeLessThan(START + 61 * DAY);
      expect([site, typeof ip, typeof ua]).toEqual(['demo', 'string', 'string']);
    }
    expect(new Set(events.map((r) => r.event.id)).size).toBe(events.length);
  });

  it('makes about the requested number of events, exactly the requested leads, ~30% of visitors identified', () => {
    expect(Math.abs(events.length - options.events) / options.events).toBeLessThan(0.02);
    expect(truths).toHaveLength(300);
    expect(new Set(events.map((r) => r.event.vid)).size).toBe(1000);
  });

  it('spreads activity by a power law: the busiest tenth of visitors make a large share of events', () => {
    const perVisitor = new Map<string, number>();
    for (const r of events) perVisitor.set(r.event.vid, (perVisitor.get(r.event.vid) ?? 0) + 1);
    const counts = [...perVisitor.values()].sort((a, b) => b - a);
    const top = counts.slice(0, counts.length / 10).reduce((s, c) => s + c, 0);
    expect(top / events.length).toBeGreaterThan(0.3);
  });

  it('emits every kind of event: categorized pages, forms by kind, tracks', () => {
    const cats = new Set(events.map((r) => r.event.cat).filter(Boolean));
    expect([...cats].sort()).toEqual(['blog', 'careers', 'contact', 'docs', 'pricing']);
    const kinds = new Set(events.map((r) => r.event.form?.kind).filter(Boolean));
    expect([...kinds].sort()).toEqual(['contact_sales', 'demo', 'ebook', 'newsletter']);
    const names = new Set(events.map((r) => r.event.name).filter(Boolean));
    expect([...names].sort()).toEqual(['document_download', 'email_click', 'email_open']);
    expect(events.some((r) => r.event.type === 'identify')).toBe(true);
  });

  it('gives each lead a ground truth consistent with its events', () => {
    const byVid = new Map<string, SyntheticEvent['event'][]>();
    for (const { event } of events) byVid.set(event.vid, [...(byVid.get(event.vid) ?? []), event]);
    for (const t of truths) {
      const own = byVid.get(t.vid)!;
      expect(own.map((e) => e.ts)).toEqual([...own.map((e) => e.ts)].sort((a, b) => a - b));
      // the lead is born at its first event carrying its (valid, identifying) email
      expect(identifyingEmail(t.email)).toBe(t.email);
      expect(own.find((e) => e.email)).toMatchObject({ ts: t.becameLeadAt, email: t.email });
      if (t.reachedSqlAt !== null) expect(t.reachedSqlAt).toBeGreaterThanOrEqual(t.becameLeadAt);
      // with signal, a demo or contact-sales form is the sql moment (the rules move the lead at once)
      const salesForm = own.find((e) => e.form?.kind === 'demo' || e.form?.kind === 'contact_sales');
      if (salesForm) expect(t).toMatchObject({ reachedSqlAt: salesForm.ts, qualifiedBy: 'form' });
    }
    const positives = truths.filter((t) => t.reachedSqlAt !== null).length;
    expect(positives / truths.length).toBeGreaterThan(0.1);
    expect(positives / truths.length).toBeLessThan(0.5);
  });

  it('lets hidden intent drive behaviour with signal, and not without', () => {
    const pricingShare = (signal: boolean, high: boolean) => {
      const leads = leadHistories(generateSynthetic({ ...options, leads: 1000, events: 30_000, signal })).filter((l) => (l.intent >= 0.5) === high);
      const views = leads.flatMap((l) => l.events.filter((e) => e.type === 'pageview'));
      return views.filter((e) => e.cat === 'pricing').length / views.length;
    };
    expect(pricingShare(true, true)).toBeGreaterThan(2 * pricingShare(true, false));
    const ratio = pricingShare(false, true) / pricingShare(false, false);
    expect(ratio).toBeGreaterThan(0.8);
    expect(ratio).toBeLessThan(1.25);
  });

  it('streams: the first records come before the rest are generated', () => {
    const iterator = generateSynthetic({ seed: 1, leads: 100_000, events: 1_000_000 });
    const first = iterator.next();
    expect(first.done).toBe(false);
    iterator.return(undefined);
  });
});

describe('leadHistories', () => {
  it('joins each lead with its events, as the scoring engine sees them', () => {
    const records = all();
    const histories = leadHistories(records);
    expect(histories).toHaveLength(300);
    const h = histories[0];
    const truth = truthsOf(records)[0];
    expect(h).toMatchObject({ id: truth.vid, becameLeadAt: truth.becameLeadAt, reachedSqlAt: truth.reachedSqlAt, traits: truth.traits });
    expect(h.events.length).toBe(eventsOf(records).filter((r) => r.event.vid === truth.vid).length);
    expect(h.events.find((e) => e.hasEmail)).toMatchObject({ ts: truth.becameLeadAt });
  });
});
