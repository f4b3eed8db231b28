// The body of Piste's webhook messages.

export type StageChangedPayload = {
  type: 'lead.stage_changed';
  lead: Record<string, unknown>;
  from: string;
  to: string;
  cause: string;
};

/**
 * The `lead.stage_changed` message of SPEC §5; `lead` is the API's LEAD shape, built by the caller.
 *
 * @example JSON.stringify(stageChangedPayload(toApiLead(lead), 'lead', 'mql', 'score ≥ 50'))
 */
export function stageChangedPayload(lead: Record<string, unknown>, from: string, to: string, cause: string): StageChangedPayload {
  return { type: 'lead.stage_changed', lead, from, to, cause };
}
