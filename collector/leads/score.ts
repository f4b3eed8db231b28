// Live scoring on ingest (and the same steps for `piste rescore`): score state, fit, grade and automatic stage moves.
import type { IngestTx, Lead, ScoredEventFields, StoredEvent, Visitor } from '../db/repository';
import { identifyingEmail } from '../ingest/email';
import type { EventsStored, IngestHooks } from '../ingest/process';
import { applyEvent, emptyState, fitOf, halfLifeMs, inOrder, sameHalfLife, scoreEvents, summarize, type Rules, type ScoreState, type ScoringEvent, type Traits } from '../scoring';
import { autoStage } from '../stages';
import { changeStage, enqueueStageChanged } from './stages';
import { siteRules } from './rules';
import { updateProbability } from '../predict/live';

/** The transaction statements scoring needs. */
export type ScoringTx = Pick<
  IngestTx,
  'listLeadEvents' | 'listAnonymousEvents' | 'updateLeadScore' | 'updateVisitorScore' | 'setLeadStage' | 'insertStageChange' | 'webhooksFor' | 'insertDelivery'
>;

/** A stored event as the scoring engine sees it. */
export function toScoringEvent(e: ScoredEventFields): ScoringEvent {
  const form = e.form as { kind?: unknown } | null;
  return {
    id: e.id,
    type: e.type,
    ts: e.ts,
    sessionId: e.sessionId,
    cat: e.cat,
    name: e.name,
    formKind: typeof form?.kind === 'string' ? form.kind : null,
    // Only form rules look at it, so the email check runs for form submissions only.
    hasEmail: e.type === 'form_submit' && identifyingEmail(e.email) !== null,
  };
}

const byTsThenId = (a: ScoringEvent, b: ScoringEvent) => a.ts - b.ts || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0);

/** What fit rules read about a lead: its email, profile and traits (company size under its usual names). */
export function leadTraits(lead: Lead): Traits {
  const t = lead.traits;
  const traits: Traits = {
    email: lead.email,
    name: lead.name ?? (t.name as string | undefined),
    company: lead.company ?? (t.company as string | undefined),
    title: lead.title ?? (typeof t.title === 'string' ? t.title : null),
    companySize: (t.companySize ?? t.company_size ?? t.employees ?? null) as Traits['companySize'],
    country: typeof t.country === 'string' ? t.country : null,
  };
  // The other traits, copied one by one: `{ ...t, email, … }` (a spread, then keys it already has) took 3 µs a lead,
  // most of a rescore's fit. `__proto__` stays a plain key, as a spread keeps it.
  for (const key in t) {
    if (!Object.hasOwn(t, key) || Object.hasOwn(traits, key)) continue;
    if (key === '__proto__') Object.defineProperty(traits, key, { value: t[key], enumerable: true, writable: true, configurable: true });
    else traits[key] = t[key];
  }
  return traits;
}

/** What a lead's score state makes of it at `now`: summary, fit and grade, and the automatic stage move (or null). */
export function leadScoreOf(rules: Rules, lead: Lead, state: ScoreState, now: number) {
  const summary = summarize(rules, state, now);
  const fit = fitOf(rules, leadTraits(lead));
  const move = autoStage(rules, lead.stage, {
    identified: true,
    qualifyingScore: summary.qualifyingScore,
    grade: fit.grade,
    sqlRequested: summary.sqlRequested,
    sqlFormKind: summary.sqlFormKind,
  });
  return { summary, fit, move };
}

/**
 * Folds `newEvents` into the lead's stored state when they all come after it, else (or when `newEvents` is
 * omitted) rescores the lead's whole history; then stores score, fit and grade and applies the automatic
 * forward stage move (with its webhook deliveries). Mutates `lead`. Returns true when the lead moved.
 */
export async function scoreLead(
  tx: ScoringTx,
  rules: Rules,
  lead: Lead,
  now: number,
  newEvents?: StoredEvent[],
  opts: { created?: boolean } = {},
): Promise<boolean> {
  const state = await nextState(rules, lead.scoreState as ScoreState | null, newEvents, lead.rejectedAt, async () => tx.listLeadEvents(lead.id));
  const { summary, fit, move } = leadScoreOf(rules, lead, state, now);
  lead.scoreState = state;
  lead.scoreKey = summary.scoreKey;
  lead.fitPoints = fit.points;
  lead.grade = fit.grade;
  await tx.updateLeadScore(lead.id, { scoreKey: summary.scoreKey, scoreState: state, fitPoints: fit.points, grade: fit.grade });
  // The ingest recorded visitor → lead when it created the lead; its webhooks wait for the first score.
  if (opts.created) await enqueueStageChanged(tx, lead, { from: 'visitor', to: 'lead', cause: 'identified', at: now }, rules);
  return move !== null && (await changeStage(tx, lead, move.to, { cause: move.cause, actor: null, now, rules })) !== null;
}

/**
 * Scores the lead again from the events it has left (after a purge): score state, fit, grade and probability, as
 * `piste rescore` would, but no stage move: deleting old data is no reason to qualify a lead or send webhooks.
 */
export async function rescoreRemaining(tx: IngestTx, rules: Rules, lead: Lead, now: number): Promise<void> {
  const state = scoreEvents(rules, (await tx.listLeadEvents(lead.id)).map(toScoringEvent), { since: lead.rejectedAt });
  const { summary, fit } = leadScoreOf(rules, lead, state, now);
  await tx.updateLeadScore(lead.id, { scoreKey: summary.scoreKey, scoreState: state, fitPoints: fit.points, grade: fit.grade });
  await updateProbability(tx, rules, lead, now);
}

/** The same for an anonymous visitor (no fit, no stage): its points wait for identification. */
export async function scoreVisitor(tx: ScoringTx, rules: Rules, visitor: Visitor, newEvents?: StoredEvent[]): Promise<void> {
  const state = await nextState(rules, visitor.scoreState as ScoreState | null, newEvents, null, async () =>
    tx.listAnonymousEvents(visitor.site, visitor.vid),
  );
  visitor.scoreState = state;
  visitor.scoreKey = state.scoreKey;
  await tx.updateVisitorScore(visitor.site, visitor.vid, { scoreKey: state.scoreKey, scoreState: state });
}

async function nextState(
  rules: Rules,
  stored: ScoreState | null,
  newEvents: StoredEvent[] | undefined,
  since: number | null,
  history: () => Promise<StoredEvent[]>,
): Promise<ScoreState> {
  const fresh = newEvents?.map(toScoringEvent).sort(byTsThenId);
  // A state built with another half-life (the site changed it) is scored again from history, like a late event.
  if (stored && fresh && sameHalfLife(rules, stored) && (fresh.length === 0 || inOrder(stored, fresh[0]))) {
    let state = stored;
    for (const e of fresh) state = applyEvent(rules, state, e);
    return state;
  }
  return scoreEvents(rules, (await history()).map(toScoringEvent), { since });
}

/**
 * The ingest hook: scores every lead and anonymous visitor the batch touched, once per batch (not per event),
 * incrementally when the new events come in order, from history otherwise (late event, identification, merge).
 * @example createCollector({ db, config, ingestHooks: scoringHooks })
 */
export async function onEventsStored(tx: IngestTx, stored: EventsStored): Promise<void> {
  const rules = siteRules(stored.site);
  const byLead = new Map<string, StoredEvent[]>();
  const byVid = new Map<string, StoredEvent[]>();
  for (const e of stored.events) {
    const key = e.leadId ?? e.vid;
    const groups = e.leadId ? byLead : byVid;
    const list = groups.get(key);
    if (list) list.push(e);
    else groups.set(key, [e]);
  }
  for (const [id, events] of byLead) {
    const lead = stored.leads.get(id) ?? (await tx.getLead(id));
    if (!lead) continue;
    const created = stored.createdLeadIds.has(id);
    const newEvents = stored.rescoreLeadIds.has(id) ? undefined : events;
    await scoreLead(tx, rules, lead, stored.now, newEvents, { created });
    await updateProbability(tx, rules, lead, stored.now, newEvents); // the predictive model, beside the rules (collector/predict)
  }
  for (const [vid, events] of byVid) {
    const visitor = stored.visitors.get(vid);
    if (!visitor || visitor.leadId !== null) continue;
    // A visitor first seen now has no earlier history: start from an empty state instead of reading it.
    const previous = (visitor.scoreState as ScoreState | null) ?? (stored.newVids.has(vid) ? emptyState(null, halfLifeMs(rules)) : null);
    const state = await nextState(rules, previous, events, null, async () => tx.listAnonymousEvents(visitor.site, visitor.vid));
    // The ingest writes the batch's visitors after this hook, score included (one write per visitor).
    visitor.scoreState = state;
    visitor.scoreKey = state.scoreKey;
  }
}

/** Plugged into every collector by default (createCollector). */
export const scoringHooks: IngestHooks = { onEventsStored };
