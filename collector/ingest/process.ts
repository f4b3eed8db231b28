// Stores one accepted request inside the group transaction: dedupe, server sessions, identity (SPEC §3), lead counters.
import { createHash } from 'node:crypto';
import type { IngestTx, Lead, Site, StoredEvent, Visitor } from '../db/repository';
import { newId } from '../ids';
import { traitsFromForm } from './traits';

/** A new server session starts when a visitor's event comes more than 30 minutes after its previous one. */
export const SESSION_GAP_MS = 30 * 60 * 1000;

/** One validated request, with timestamps corrected, categories resolved and emails normalized. */
export type PreparedBatch = {
  site: Site;
  receivedAt: number;
  ip: string | null;
  ua: string | null;
  events: PreparedEvent[]; // in ts order
};

export type PreparedEvent = Omit<StoredEvent, 'site' | 'leadId' | 'sessionId' | 'receivedAt' | 'ip' | 'ua'> & {
  /** The normalized email when it identifies a person, else null (the raw one is kept in `email`). */
  identity: string | null;
  /** The page's session id (`sid`), when it sent one: a new one starts a new visit. */
  sid?: string | null;
  /**
   * Set for events the server records for a known lead (email opens and clicks): stored for that lead on
   * its latest browser (or `lead:<id>`), outside any visit (sessionId ''), and dropped if the lead is gone.
   */
  forLead?: string;
};

/** What a batch changed, for the steps that follow storage (scoring, stage moves, webhooks). */
export type EventsStored = {
  site: Site;
  now: number;
  /** The events newly stored (duplicates excluded), with their session and lead. */
  events: StoredEvent[];
  leadIds: Set<string>;
  vids: Set<string>;
  /** Leads created by this batch (already at stage `lead`, stage change recorded). */
  createdLeadIds: Set<string>;
  /** Leads whose history grew by more than the new events (created, anonymous history attached, a browser switched to them). */
  rescoreLeadIds: Set<string>;
  /** Visitors first seen in this batch. */
  newVids: Set<string>;
  /** The batch's leads and visitors as stored at the end of it (so the next steps need not read them again). */
  leads: Map<string, Lead>;
  visitors: Map<string, Visitor>;
};

export type IngestHooks = {
  /**
   * Runs inside the same transaction (and savepoint) as the batch: the scoring engineer plugs scoring and stages here.
   * The batch's visitors (`stored.visitors`) are written after it, score included: set their `scoreKey`/`scoreState`
   * rather than writing them.
   */
  onEventsStored?(tx: IngestTx, stored: EventsStored): Promise<void>;
};

export type BatchOutcome = { accepted: number; duplicates: number };

const PROFILE_FIELDS = ['name', 'company', 'title'] as const;

export async function processBatch(tx: IngestTx, batch: PreparedBatch, hooks: IngestHooks = {}): Promise<BatchOutcome> {
  const { site } = batch;
  const visitors = new Map<string, Visitor>();
  const leads = new Map<string, Lead>();
  const dirtyLeads = new Set<string>();
  const seen = new Set<string>();
  /** The indexed columns of each visitor as read, for a write that leaves unchanged ones alone. */
  const rows = new Map<string, Pick<Visitor, 'leadId' | 'firstSeen'>>();
  const stored: EventsStored = {
    site, now: batch.receivedAt, events: [], leadIds: new Set(), vids: new Set(), createdLeadIds: new Set(), rescoreLeadIds: new Set(),
    newVids: new Set(), leads, visitors,
  };
  let duplicates = 0;

  const loadLead = async (id: string) => {
    let lead = leads.get(id);
    if (!lead) {
      lead = (await tx.getLead(id))!;
      leads.set(id, lead);
    }
    return lead;
  };

  for (const e of batch.events) {
    // Only events that write before their own insert (identity, email links) look the id up first; for the others
    // the insert's ON CONFLICT DO NOTHING says "duplicate", and nothing of theirs has been written by then.
    if (seen.has(e.id) || ((e.identity || e.forLead !== undefined) && (await tx.eventExists(site.key, e.id)))) {
      duplicates++;
      continue;
    }
    seen.add(e.id);

    if (e.forLead !== undefined) {
      const lead = leads.get(e.forLead) ?? (await tx.getLead(e.forLead));
      if (!lead || lead.site !== site.key) {
        duplicates++; // the lead was erased (or belongs elsewhere): record nothing
        continue;
      }
      leads.set(lead.id, lead);
      const vid = (await tx.latestVisitorOf(lead.id)) ?? `lead:${lead.id}`;
      const event = storedEvent(batch, e, vid, lead.id, '');
      if (!(await tx.insertEvent(event))) {
        duplicates++;
        continue;
      }
      stored.events.push(event);
      lead.lastSeen = Math.max(lead.lastSeen, e.ts);
      dirtyLeads.add(lead.id);
      stored.leadIds.add(lead.id);
      continue;
    }

    // Server session: a new one after a 30-minute gap (a late, out-of-order event joins the current one).
    // The visitor is changed in memory only; it is written once, at the end of the batch (insert or update).
    let visitor = visitors.get(e.vid);
    if (!visitor) {
      visitor = await tx.getVisitor(site.key, e.vid);
      if (visitor) rows.set(e.vid, { leadId: visitor.leadId, firstSeen: visitor.firstSeen });
    }
    let newSession: boolean;
    let firstSeenNow = false;
    // The page's own session (SPEC §1: its id rolls after 30 minutes idle) is the visit, and so is a 30-minute gap the
    // server sees (senders without a sid, or a page that kept its sid too long).
    const pageSession = e.sid ? sessionIdOf(site.key, e.vid, e.sid) : null;
    if (!visitor) {
      visitor = { site: site.key, vid: e.vid, leadId: null, firstSeen: e.ts, lastSeen: e.ts, lastSessionId: pageSession ?? newId(), sessions: 1, scoreKey: 0, scoreState: null };
      firstSeenNow = true;
      newSession = true;
    } else if (e.ts < visitor.lastSeen) {
      // A late event (a retry from the page's queue) joins its own session if it names one, else the current one; it
      // never starts a visit, nor makes an older session the current one.
      visitor = { ...visitor, firstSeen: Math.min(visitor.firstSeen, e.ts) };
      newSession = false;
    } else if (e.ts - visitor.lastSeen > SESSION_GAP_MS || (pageSession !== null && !sameSession(visitor.lastSessionId, pageSession))) {
      // After a gap under the same sid, a new visit still needs an id of its own: the sid's, numbered.
      const id = pageSession === null ? newId() : sameSession(visitor.lastSessionId, pageSession) ? nextSessionOf(visitor.lastSessionId) : pageSession;
      visitor = { ...visitor, lastSessionId: id, sessions: visitor.sessions + 1, lastSeen: e.ts };
      newSession = true;
    } else {
      visitor = { ...visitor, lastSeen: e.ts };
      newSession = false;
    }
    const eventSession = e.ts < visitor.lastSeen && pageSession !== null && !sameSession(visitor.lastSessionId, pageSession) ? pageSession : visitor.lastSessionId;

    // Identity: the email makes (or finds) the lead; the browser belongs to it from now on.
    let switched = false;
    if (e.identity) {
      const { lead, created } = await tx.findOrCreateLead(newLead(site.key, e.identity, e.ts, batch.receivedAt));
      if (created) {
        stored.createdLeadIds.add(lead.id);
        stored.rescoreLeadIds.add(lead.id);
        await tx.insertStageChange({ id: newId(), leadId: lead.id, from: 'visitor', to: 'lead', at: batch.receivedAt, cause: 'identified', actor: null });
      }
      if (visitor.leadId !== lead.id) {
        const current = leads.get(lead.id) ?? lead;
        leads.set(lead.id, current);
        if (visitor.leadId === null) {
          // First email of this browser: its whole anonymous history now counts for the lead.
          const earlier = await tx.attachAnonymousEvents(site.key, e.vid, lead.id);
          current.pageviews += earlier.pageviews;
          current.visits += earlier.sessions;
          if (earlier.firstTs !== null) current.firstSeen = Math.min(current.firstSeen, earlier.firstTs);
          if (earlier.lastTs !== null) current.lastSeen = Math.max(current.lastSeen, earlier.lastTs);
          if (earlier.sessions > 0) for (const old of stored.events) if (old.vid === e.vid && old.leadId === null) old.leadId = lead.id;
        } else {
          switched = true; // a second person on this browser: the earlier lead keeps its past events
        }
        dirtyLeads.add(lead.id);
        stored.rescoreLeadIds.add(lead.id);
        visitor = { ...visitor, leadId: lead.id };
      }
    }
    const keep = (v: Visitor) => {
      visitors.set(e.vid, v);
      if (firstSeenNow) stored.newVids.add(e.vid);
    };
    if (e.identity) keep(visitor); // identity already wrote (lead, attached events): the browser is the lead's even if the insert loses a race

    const event = storedEvent(batch, e, e.vid, visitor.leadId, eventSession);
    if (!(await tx.insertEvent(event))) {
      duplicates++; // seen before (or stored concurrently by another collector): the visitor keeps its state
      continue;
    }
    keep(visitor);
    stored.events.push(event);
    stored.vids.add(e.vid);

    if (visitor.leadId) {
      const lead = await loadLead(visitor.leadId);
      if (e.type === 'pageview') lead.pageviews++;
      if (newSession || switched) lead.visits++;
      lead.firstSeen = Math.min(lead.firstSeen, e.ts);
      lead.lastSeen = Math.max(lead.lastSeen, e.ts);
      applyProfile(lead, e);
      dirtyLeads.add(lead.id);
      stored.leadIds.add(lead.id);
    }
  }

  for (const id of dirtyLeads) {
    const lead = leads.get(id)!;
    await tx.updateLeadActivity(id, lead);
    await tx.updateLeadProfile(id, lead);
  }
  if (stored.events.length > 0) await hooks.onEventsStored?.(tx, stored);
  // After the hook, which leaves each visitor's score on it: one write per visitor for activity and score.
  for (const v of visitors.values()) {
    if (stored.newVids.has(v.vid)) await tx.insertVisitor(v);
    else if (tx.saveVisitor) await tx.saveVisitor(v, rows.get(v.vid)!);
    else {
      await tx.updateVisitor(site.key, v.vid, v);
      await tx.updateVisitorScore(site.key, v.vid, v);
    }
  }
  return { accepted: stored.events.length, duplicates };
}

/**
 * The server's id of a page session: 128 bits of SHA-256 over site, browser and the page's sid, so the same visit gets
 * the same id on every collector, no two browsers share one, and nothing about the sid shows (remembered, bounded).
 */
function sessionIdOf(site: string, vid: string, sid: string): string {
  const key = `${site}\u0000${vid}\u0000${sid}`;
  let id = sessionIds.get(key);
  if (id === undefined) {
    if (sessionIds.size >= 10_000) sessionIds.clear();
    sessionIds.set(key, (id = createHash('sha256').update(key).digest('base64url').slice(0, 22)));
  }
  return id;
}
const sessionIds = new Map<string, string>();

/** `HASH` and its later visits under the same sid, `HASH~2`, `HASH~3`…, are the page session `HASH`. */
const sameSession = (stored: string, pageSession: string) => stored === pageSession || stored.startsWith(`${pageSession}~`);
const nextSessionOf = (stored: string) => {
  const [base, n] = stored.split('~');
  return `${base}~${(Number(n) || 1) + 1}`;
};

function storedEvent(batch: PreparedBatch, e: PreparedEvent, vid: string, leadId: string | null, sessionId: string): StoredEvent {
  return {
    site: batch.site.key, id: e.id, vid, leadId, sessionId, type: e.type, ts: e.ts, receivedAt: batch.receivedAt, url: e.url,
    ref: e.ref, title: e.title, cat: e.cat, name: e.name, props: e.props, email: e.email, traits: e.traits, form: e.form,
    ip: batch.ip, ua: batch.ua,
  };
}

function newLead(site: string, email: string, ts: number, now: number): Lead {
  return {
    id: newId(), site, email, name: null, company: null, title: null, traits: {}, stage: 'lead', stageAt: now, rejectedAt: null,
    scoreKey: 0, scoreState: null, fitPoints: 0, grade: null, probability: null, firstSeen: ts, lastSeen: ts, visits: 0,
    pageviews: 0, createdAt: now,
  };
}

/** Latest non-empty value wins, from `identify`/form traits and, for name/company/title, the form's own fields. */
function applyProfile(lead: Lead, e: PreparedEvent) {
  const { name, company, title, ...formTraits } = traitsFromForm((e.form as { fields?: Record<string, unknown> } | null)?.fields);
  const given: Record<string, unknown> = { name, company, title, ...e.traits };
  const traits = { ...lead.traits };
  for (const [key, value] of Object.entries({ ...formTraits, ...e.traits })) {
    if (value !== null && value !== undefined && value !== '') traits[key] = typeof value === 'string' ? value.trim() : value;
  }
  lead.traits = traits;
  for (const field of PROFILE_FIELDS) {
    const value = given[field];
    if (typeof value === 'string' && value.trim() !== '') lead[field] = value.trim().slice(0, 200);
  }
}
