// One lead: who it is, its timeline by visit, why it has its score, its stage history and the sales actions.
import { CsrfField, FlashMessage, GradeBadge, Pairs, SafeLink, StageBadge, stageLabel } from '../components';
import { formatPoints, formatProbability, formatTime } from '../format';
import { Layout } from '../layout';
import { paths } from '../paths';
import type { EventView, Flash, LeadDetailView, PageContext, ProbabilityReason, Stage } from '../views';

export type LeadPageProps = PageContext & {
  detail: LeadDetailView;
  flash?: Flash;
  /** Shown next to the reject form (e.g. "A reason is required"). */
  rejectError?: string;
};

export type LeadAction = 'accept' | 'qualify' | 'reject';

/** The manual moves SPEC §5 allows from a stage: accept mql→sal; qualify mql|sal→sql; reject mql|sal|sql→recycled. */
export function allowedActions(stage: Stage): LeadAction[] {
  const actions: LeadAction[] = [];
  if (stage === 'mql') actions.push('accept');
  if (stage === 'mql' || stage === 'sal') actions.push('qualify');
  if (stage === 'mql' || stage === 'sal' || stage === 'sql') actions.push('reject');
  return actions;
}

export type SessionGroup = { sessionId: string; start: string; events: EventView[] };

/** Events grouped by session, sessions newest first, events oldest first within a session. */
export function groupBySession(events: EventView[]): SessionGroup[] {
  const groups = new Map<string, EventView[]>();
  for (const event of [...events].sort((a, b) => a.ts.localeCompare(b.ts))) {
    const list = groups.get(event.sessionId) ?? [];
    list.push(event);
    groups.set(event.sessionId, list);
  }
  return [...groups.entries()]
    .map(([sessionId, list]) => ({ sessionId, start: list[0].ts, events: list }))
    .sort((a, b) => b.start.localeCompare(a.start));
}

function EventItem({ event }: { event: EventView }) {
  const time = <time class="event-time" datetime={event.ts}>{formatTime(event.ts).slice(11, 16)}</time>;
  switch (event.type) {
    case 'pageview':
      return (
        <li class="event event-pageview">
          {time}
          <div>
            <span class="event-kind">Viewed</span> <span class="strong">{event.title || 'Untitled page'}</span>
            {event.cat ? <span class="badge tag">{event.cat}</span> : null}
            <div class="small"><SafeLink url={event.url} /></div>
            {event.ref ? <div class="small muted">from <span class="url">{event.ref}</span></div> : null}
          </div>
        </li>
      );
    case 'form_submit':
      return (
        <li class="event event-form">
          {time}
          <div>
            <span class="event-kind">Submitted a form</span>{' '}
            {event.form?.kind ? <span class="badge tag">{event.form.kind}</span> : null}{' '}
            <span class="muted">{event.form?.name || event.form?.id || ''}</span>
            <div class="small muted"><SafeLink url={event.url}>{event.title || event.url}</SafeLink></div>
            <Pairs values={event.form?.fields} />
          </div>
        </li>
      );
    case 'track':
      return (
        <li class="event event-track">
          {time}
          <div>
            <span class="event-kind">Event</span> <code>{event.name ?? ''}</code>
            <Pairs values={event.props} />
          </div>
        </li>
      );
    default:
      return (
        <li class="event event-identify">
          {time}
          <div><span class="event-kind">Identified</span></div>
        </li>
      );
  }
}

function Timeline({ events }: { events: EventView[] }) {
  const sessions = groupBySession(events);
  if (sessions.length === 0) return <p class="empty">No activity recorded.</p>;
  return (
    <ol class="sessions">
      {sessions.map((session, index) => (
        <li class="session">
          <h3>
            Visit {sessions.length - index} <span class="muted">· {formatTime(session.start)} · {session.events.length} events</span>
          </h3>
          <ol class="events">{session.events.map((event) => <EventItem event={event} />)}</ol>
        </li>
      ))}
    </ol>
  );
}

function Actions({ id, stage, csrf, rejectError }: { id: string; stage: Stage; csrf: string; rejectError?: string }) {
  const actions = allowedActions(stage);
  if (actions.length === 0) return <p class="muted small">No sales action applies at stage {stageLabel(stage)}.</p>;
  return (
    <div class="actions">
      {actions.includes('accept') ? (
        <form method="post" action={paths.leadAction(id, 'accept')}>
          <CsrfField token={csrf} />
          <button type="submit" class="primary">Accept (SAL)</button>
        </form>
      ) : null}
      {actions.includes('qualify') ? (
        <form method="post" action={paths.leadAction(id, 'qualify')}>
          <CsrfField token={csrf} />
          <button type="submit" class="primary">Qualify (SQL)</button>
        </form>
      ) : null}
      {actions.includes('reject') ? (
        <form method="post" action={paths.leadAction(id, 'reject')} class="reject">
          <CsrfField token={csrf} />
          <label>
            Reason
            <input type="text" name="reason" required maxlength={500} placeholder="e.g. no budget this year"
              aria-invalid={rejectError ? 'true' : undefined} aria-describedby={rejectError ? 'reject-error' : undefined} />
          </label>
          <button type="submit" class="danger">Reject</button>
          {rejectError ? <p class="field-error" id="reject-error" role="alert">{rejectError}</p> : null}
        </form>
      ) : null}
    </div>
  );
}

export function LeadPage({ user, csrf, detail, flash, rejectError }: LeadPageProps) {
  const { lead, events, stages, breakdown, fit, explain = [] } = detail;
  const fitTotal = fit.reduce((sum, f) => sum + f.points, 0);
  return (
    <Layout title={lead.email} ctx={{ user, csrf }} active="leads">
      <p class="crumbs"><a href={paths.leads()}>Leads</a> / <span>{lead.email}</span></p>
      <FlashMessage flash={flash} />
      <section class="card lead-head">
        <div>
          <h1>{lead.name || lead.email}</h1>
          <p class="muted">
            {lead.email}
            {lead.title ? <> · {lead.title}</> : null}
            {lead.company ? <> · {lead.company}</> : null}
          </p>
          <p class="small muted">
            Site {lead.site} · first seen {formatTime(lead.firstSeen)} · last seen {formatTime(lead.lastSeen)} · {lead.visits} visits · {lead.pageviews} pageviews
          </p>
        </div>
        <dl class="kpis">
          <div><dt>Score</dt><dd class="kpi">{Math.round(lead.score)}</dd></div>
          <div><dt>Grade</dt><dd><GradeBadge grade={lead.grade} /></dd></div>
          <div><dt>Stage</dt><dd><StageBadge stage={lead.stage} /></dd></div>
          <div><dt>Probability</dt><dd class="kpi">{formatProbability(lead.probability)}</dd></div>
        </dl>
      </section>

      <section class="card">
        <h2>Sales</h2>
        <Actions id={lead.id} stage={lead.stage} csrf={csrf} rejectError={rejectError} />
      </section>

      <div class="columns">
        <section class="card">
          <h2>Timeline</h2>
          <Timeline events={events} />
        </section>
        <div class="stack">
          <section class="card">
            <h2>Why this score</h2>
            <table class="data compact">
              <thead><tr><th scope="col">Rule</th><th scope="col" class="num">Count</th><th scope="col" class="num">Points</th></tr></thead>
              <tbody>
                {breakdown.map((b) => (
                  <tr><td>{b.rule}</td><td class="num">{b.count}</td><td class="num">{formatPoints(b.points)}</td></tr>
                ))}
              </tbody>
              <tfoot><tr><th scope="row" colspan={2}>Score</th><td class="num strong">{Math.round(lead.score)}</td></tr></tfoot>
            </table>
          </section>
          <section class="card">
            <h2>Fit</h2>
            <table class="data compact">
              <thead><tr><th scope="col">Rule</th><th scope="col" class="num">Points</th></tr></thead>
              <tbody>
                {fit.map((f) => <tr><td>{f.rule}</td><td class="num">{formatPoints(f.points)}</td></tr>)}
              </tbody>
              <tfoot><tr><th scope="row">Grade ({formatPoints(fitTotal)})</th><td class="num"><GradeBadge grade={lead.grade} /></td></tr></tfoot>
            </table>
          </section>
          <ProbabilityCard probability={lead.probability} reasons={explain} />
          <section class="card">
            <h2>Stage history</h2>
            {stages.length === 0 ? <p class="empty">No stage changes yet.</p> : (
              <table class="data compact">
                <thead><tr><th scope="col">Change</th><th scope="col">When</th><th scope="col">Cause</th></tr></thead>
                <tbody>
                  {stages.map((s) => (
                    <tr>
                      <td class="nowrap">{stageLabel(s.from)} → {stageLabel(s.to)}</td>
                      <td class="nowrap small">{formatTime(s.at)}</td>
                      <td>{s.cause}{s.actor ? <div class="small muted">by {s.actor}</div> : null}</td>
                    </tr>
                  ))}
                </tbody>
              </table>
            )}
          </section>
          <section class="card">
            <h2>Personal data</h2>
            <p><a class="button" href={paths.leadExport(lead.id)}>Export this lead's data (JSON)</a></p>
            <form method="post" action={paths.leadAction(lead.id, 'erase')} class="erase stack" data-confirm="Erase this lead and all its events for good?">
              <CsrfField token={csrf} />
              <label class="check">
                <input type="checkbox" name="confirm" value="yes" required />
                I understand this permanently erases the lead, its browsers and all their events.
              </label>
              <button type="submit" class="danger">Erase lead</button>
            </form>
          </section>
        </div>
      </div>
    </Layout>
  );
}

/** The predictive model's estimate beside the rules: the probability and, in words, what pushed it up or down most. */
function ProbabilityCard({ probability, reasons }: { probability: number | null; reasons: ProbabilityReason[] }) {
  return (
    <section class="card">
      <h2>Likelihood of becoming sales-qualified</h2>
      {probability === null ? (
        <p class="muted small">No predictive model yet for this site: run <code>piste train</code> once it has history.</p>
      ) : (
        <>
          <p><span class="kpi">{formatProbability(probability)}</span> <span class="muted small">estimated by the model trained on this site's history</span></p>
          {reasons.length > 0 ? (
            <ul class="reasons">
              {reasons.map((r) => (
                <li class={r.direction === 'up' ? 'up' : 'down'}>{r.direction === 'up' ? '▲' : '▼'} {r.text}</li>
              ))}
            </ul>
          ) : (
            <p class="muted small">Nothing about this lead stands out from an average lead.</p>
          )}
        </>
      )}
    </section>
  );
}
