// Small shared pieces of the dashboard pages: CSRF field, badges, safe links, messages.
import type { Child } from 'hono/jsx';
import { CSRF_FIELD } from '../auth/csrf';
import { safeHref } from './safe';
import type { FieldError, Flash, Grade, Stage } from './views';

/** The hidden field every state-changing form carries. */
export function CsrfField({ token }: { token: string }) {
  return <input type="hidden" name={CSRF_FIELD} value={token} />;
}

const STAGE_LABELS: Record<Stage, string> = {
  visitor: 'Visitor', lead: 'Lead', mql: 'MQL', sal: 'SAL', sql: 'SQL', recycled: 'Recycled',
};

export function stageLabel(stage: Stage | null): string {
  return stage ? STAGE_LABELS[stage] ?? String(stage) : '—';
}

export function StageBadge({ stage }: { stage: Stage }) {
  return <span class={`badge stage stage-${STAGE_LABELS[stage] ? stage : 'unknown'}`}>{stageLabel(stage)}</span>;
}

export function GradeBadge({ grade }: { grade: Grade | null }) {
  const known = grade && 'ABCDF'.includes(grade) && grade.length === 1;
  return <span class={`badge grade grade-${known ? grade : 'none'}`}>{grade ?? '—'}</span>;
}

/** A visitor-supplied URL: a link only when it is http(s), otherwise plain text. Never followed with our referrer. */
export function SafeLink({ url, children }: { url: string | null; children?: Child }) {
  if (!url) return <span class="muted">—</span>;
  const href = safeHref(url);
  const label = children ?? url;
  if (!href) return <span class="url">{label}</span>;
  return <a class="url" href={href} rel="noopener noreferrer nofollow">{label}</a>;
}

export function FlashMessage({ flash }: { flash?: Flash }) {
  if (!flash) return null;
  return <p class={`flash flash-${flash.kind === 'ok' ? 'ok' : 'error'}`} role={flash.kind === 'ok' ? 'status' : 'alert'}>{flash.message}</p>;
}

/** Validation errors, listed next to the form they are about. */
export function FieldErrors({ id, errors }: { id: string; errors?: FieldError[] }) {
  if (!errors?.length) return null;
  return (
    <ul class="field-errors" id={id} role="alert">
      {errors.map((e) => (
        <li>
          {e.path ? <code>{e.path}</code> : null} {e.message}
        </li>
      ))}
    </ul>
  );
}

/** Key/value pairs (form fields, event props) as a definition list of text. */
export function Pairs({ values }: { values: Record<string, unknown> | null | undefined }) {
  const entries = values && typeof values === 'object' ? Object.entries(values) : [];
  if (entries.length === 0) return null;
  return (
    <dl class="pairs">
      {entries.map(([key, value]) => (
        <div>
          <dt>{key}</dt>
          <dd>{String(value)}</dd>
        </div>
      ))}
    </dl>
  );
}
