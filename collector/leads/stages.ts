// Stage changes of a lead: the conditional update, its history row and the webhook deliveries, in one transaction.
import type { IngestTx, Lead, Repository, Stage, StageChange } from '../db/repository';
import { newId } from '../ids';
import { DEFAULT_RULES, emptyState, halfLifeMs, withRejection, type Rules, type ScoreState } from '../scoring';
import { manualTransition, type ManualAction } from '../stages';
import { stageChangedPayload } from '../webhooks/payload';
import { toLeadJson } from './json';
import { siteRules } from './rules';

export const STAGE_CHANGED = 'lead.stage_changed';
const MAX_CAUSE = 500;

/** The transaction statements a stage change needs (the ingest transaction has them all). */
export type LeadWriteTx = Pick<IngestTx, 'setLeadStage' | 'insertStageChange' | 'webhooksFor' | 'insertDelivery'>;

export type ChangeOptions = {
  cause: string;
  /** who moved it; null for automatic moves */
  actor: string | null;
  now: number;
  /** the site's rules, for the score in the webhook payload (defaults otherwise) */
  rules?: Pick<Rules, 'halfLifeDays'>;
  /** stored with the move (a rejection) */
  rejectedAt?: number | null;
};

/**
 * Moves `lead` from its current stage to `to` unless another writer moved it first (conditional update):
 * records the change and queues one `lead.stage_changed` delivery per matching webhook. Returns null when
 * the lead was no longer at `lead.stage`. Mutates `lead` (stage, stageAt, rejectedAt) on success.
 * @example await changeStage(tx, lead, 'mql', { cause: 'threshold:mql', actor: null, now })
 */
export async function changeStage(tx: LeadWriteTx, lead: Lead, to: Stage, opts: ChangeOptions): Promise<StageChange | null> {
  const { actor, now } = opts;
  const from = lead.stage;
  const cause = opts.cause.slice(0, MAX_CAUSE);
  if (!(await tx.setLeadStage(lead.id, from, to, now, opts.rejectedAt))) return null;
  lead.stage = to;
  lead.stageAt = now;
  if (opts.rejectedAt !== undefined) lead.rejectedAt = opts.rejectedAt;
  const change: StageChange = { id: newId(), leadId: lead.id, from, to, at: now, cause, actor };
  await tx.insertStageChange(change);
  await enqueueStageChanged(tx, lead, change, opts.rules ?? DEFAULT_RULES);
  return change;
}

/** Queues one `lead.stage_changed` delivery per webhook listening on the lead's site; `lead` is shown as it is now. */
export async function enqueueStageChanged(
  tx: Pick<IngestTx, 'webhooksFor' | 'insertDelivery'>,
  lead: Lead,
  change: Pick<StageChange, 'from' | 'to' | 'cause' | 'at'>,
  rules: Pick<Rules, 'halfLifeDays'>,
): Promise<void> {
  const hooks = await tx.webhooksFor(lead.site, STAGE_CHANGED);
  if (hooks.length === 0) return;
  // Serialized once: every webhook, and every retry, gets the same bytes.
  const payload = JSON.stringify(stageChangedPayload(toLeadJson(lead, change.at, rules), change.from, change.to, change.cause));
  for (const hook of hooks) {
    await tx.insertDelivery({ id: newId(), webhookId: hook.id, leadId: lead.id, type: STAGE_CHANGED, payload, now: change.at });
  }
}

export type TransitionResult =
  | { ok: true; lead: Lead; change: StageChange }
  | { ok: false; code: 'not_found' | 'invalid_transition' | 'reason_required' };

/**
 * A salesperson's move (SPEC §5): accept mql→sal, qualify mql|sal→sql, reject (non-empty reason) →recycled.
 * Applied in its own transaction with a conditional update, so two concurrent clicks move the lead once:
 * the second gets `invalid_transition`. A rejection restarts the qualifying score (`rejected_at`).
 * @example const r = await transitionLead(db, id, 'reject', { reason: 'student', actor: user.email, now: clock.now() })
 */
export async function transitionLead(
  db: Repository,
  leadId: string,
  action: ManualAction,
  opts: { reason?: string | null; actor: string | null; now: number },
): Promise<TransitionResult> {
  // What is wrong with the lead (404, 409) before what is wrong with the request (400); checked again when writing.
  const known = await db.getLead(leadId);
  if (!known) return { ok: false, code: 'not_found' };
  if (manualTransition(known.stage, action) === null) return { ok: false, code: 'invalid_transition' };
  const reason = typeof opts.reason === 'string' ? opts.reason.trim() : '';
  if (action === 'reject' && reason === '') return { ok: false, code: 'reason_required' };
  const site = await db.getSite(known.site);
  const rules = site ? siteRules(site) : DEFAULT_RULES;
  const { now, actor } = opts;

  const [result] = await db.writeGroup([leadId], async (tx, id): Promise<TransitionResult> => {
    const lead = await tx.getLead(id);
    if (!lead) return { ok: false, code: 'not_found' };
    const to = manualTransition(lead.stage, action);
    if (to === null) return { ok: false, code: 'invalid_transition' };
    let rejectedAt: number | undefined;
    if (action === 'reject') {
      // Only points earned after the rejection count toward MQL/SQL again; the score keeps everything.
      const state = withRejection((lead.scoreState as ScoreState | null) ?? emptyState(null, halfLifeMs(rules)), now);
      rejectedAt = state.since ?? now;
      lead.scoreState = state;
      await tx.updateLeadScore(lead.id, { scoreKey: lead.scoreKey, scoreState: state, fitPoints: lead.fitPoints, grade: lead.grade });
    }
    const cause = action === 'reject' ? `reject: ${reason}` : action;
    const change = await changeStage(tx, lead, to, { cause, actor, now, rules, rejectedAt });
    if (!change) throw new StageRaceError(); // rolls back the score write of this attempt
    return { ok: true, lead, change };
  });
  if (result.ok) return result.value;
  if (result.error instanceof StageRaceError) return { ok: false, code: 'invalid_transition' };
  throw result.error;
}

/** The lead moved between our read and our conditional update (another collector process). */
class StageRaceError extends Error {}
