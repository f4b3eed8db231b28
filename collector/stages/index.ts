// The funnel stage machine: automatic forward moves from the score, and the manual moves of sales.
import type { Grade } from '../scoring/fit';
import type { Rules } from '../scoring/rules';

export type Stage = 'visitor' | 'lead' | 'mql' | 'sal' | 'sql' | 'recycled';
export const STAGES: readonly Stage[] = ['visitor', 'lead', 'mql', 'sal', 'sql', 'recycled'];
export type ManualAction = 'accept' | 'qualify' | 'reject';

const GRADE_ORDER: readonly Grade[] = ['F', 'D', 'C', 'B', 'A'];

export function isStage(value: unknown): value is Stage {
  return typeof value === 'string' && (STAGES as readonly string[]).includes(value);
}

/** True when `grade` is `min` or better (A best, F worst). */
export function gradeAtLeast(grade: Grade, min: Grade): boolean {
  return GRADE_ORDER.indexOf(grade) >= GRADE_ORDER.indexOf(min);
}

export type AutoStageInput = {
  identified: boolean;
  /** decayed score after the last rejection (summarize().qualifyingScore); compared once rounded, as shown */
  qualifyingScore: number;
  grade: Grade;
  sqlRequested: boolean;
  /** the form kind that asked for sales (summarize().sqlFormKind), for the cause */
  sqlFormKind?: string | null;
};

/**
 * The automatic move, if any: only forward, possibly several steps at once (the final stage is
 * returned, with the cause of its last step). Causes: `identified`, `threshold:mql`, `threshold:sql`,
 * `form:<kind>`. Returns null when the stage stays.
 * @example autoStage(rules, 'lead', { identified: true, qualifyingScore: 12, grade: 'B', sqlRequested: true, sqlFormKind: 'demo' })
 * // { to: 'sql', cause: 'form:demo' }
 */
export function autoStage(
  rules: Pick<Rules, 'mql' | 'sql'>,
  current: Stage,
  input: AutoStageInput,
): { to: Stage; cause: string } | null {
  let to = current;
  let cause = '';
  if (to === 'visitor') {
    if (!input.identified) return null; // an anonymous visitor has no one for sales to call
    to = 'lead';
    cause = 'identified';
  }
  const score = Math.round(input.qualifyingScore);
  if (to === 'lead' || to === 'mql' || to === 'sal' || to === 'recycled') {
    if (input.sqlRequested) {
      to = 'sql';
      cause = `form:${input.sqlFormKind ?? 'request'}`;
    } else if (score >= rules.sql.score) {
      to = 'sql';
      cause = 'threshold:sql';
    } else if ((to === 'lead' || to === 'recycled') && score >= rules.mql.score && gradeAtLeast(input.grade, rules.mql.minGrade)) {
      to = 'mql';
      cause = 'threshold:mql';
    }
  }
  return to === current ? null : { to, cause };
}

/**
 * A salesperson's move: accept mql→sal, qualify mql|sal→sql, reject mql|sal|sql→recycled.
 * Returns null for any other move (the API answers 409 and changes nothing).
 */
export function manualTransition(current: Stage, action: ManualAction): Stage | null {
  switch (action) {
    case 'accept':
      return current === 'mql' ? 'sal' : null;
    case 'qualify':
      return current === 'mql' || current === 'sal' ? 'sql' : null;
    case 'reject':
      return current === 'mql' || current === 'sal' || current === 'sql' ? 'recycled' : null;
    default:
      return null;
  }
}
