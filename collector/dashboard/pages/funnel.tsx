// The funnel (visitors → leads → MQL → SAL → SQL) and the score histogram, drawn as server-side SVG.
import { FlashMessage } from '../components';
import { formatRate, formatShare } from '../format';
import { Layout } from '../layout';
import type { Flash, FunnelView, HistogramBin, PageContext } from '../views';

export type FunnelPageProps = PageContext & {
  /** One site's funnel, exactly as `GET /api/funnel` answers it. */
  funnel: FunnelView;
  histogram: HistogramBin[];
  sites: string[];
  /** The dates as typed (YYYY-MM-DD), to refill the form. */
  filters: { site: string; from?: string; to?: string };
  flash?: Flash;
};

const LABELS: Record<FunnelView['funnel'][number]['stage'], string> = { visitor: 'Visitors', lead: 'Leads', mql: 'MQL', sal: 'SAL', sql: 'SQL' };

/** Each step with the API's conversion from the previous step, and from the top of the funnel. */
export function funnelSteps(funnel: FunnelView) {
  const top = funnel.funnel[0]?.count ?? 0;
  return funnel.funnel.map((step, i) => ({
    key: step.stage,
    label: LABELS[step.stage] ?? step.stage,
    count: step.count,
    fromPrevious: i === 0 ? null : formatShare(step.rate),
    fromTop: i === 0 ? null : formatRate(step.count, top),
  }));
}

function FunnelChart({ funnel }: { funnel: FunnelView }) {
  const steps = funnelSteps(funnel);
  const max = Math.max(1, ...steps.map((s) => s.count));
  const labelWidth = 90;
  const barArea = 460;
  const rowHeight = 44;
  return (
    <svg class="chart" viewBox={`0 0 ${labelWidth + barArea + 150} ${steps.length * rowHeight}`} role="img" aria-label="Funnel chart">
      {steps.map((step, i) => {
        const width = Math.max(2, Math.round((step.count / max) * barArea));
        const y = i * rowHeight;
        return (
          <g>
            <text x={labelWidth - 10} y={y + 27} text-anchor="end" class="chart-label">{step.label}</text>
            <rect x={labelWidth} y={y + 8} width={width} height={rowHeight - 16} rx={4} class={`bar bar-${i}`} />
            <text x={labelWidth + width + 8} y={y + 27} class="chart-value">
              {step.count.toLocaleString('en-US')}{step.fromPrevious && step.fromPrevious !== '—' ? ` · ${step.fromPrevious}` : ''}
            </text>
          </g>
        );
      })}
    </svg>
  );
}

function Histogram({ bins }: { bins: HistogramBin[] }) {
  if (bins.length === 0) return <p class="empty">No scores yet.</p>;
  const max = Math.max(1, ...bins.map((b) => b.count));
  const height = 180;
  const barWidth = Math.max(8, Math.floor(600 / bins.length));
  const width = bins.length * barWidth;
  return (
    <svg class="chart" viewBox={`0 0 ${width} ${height + 40}`} role="img" aria-label="Score histogram">
      {bins.map((bin, i) => {
        const h = Math.round((bin.count / max) * height);
        return (
          <g>
            <title>{`${bin.min}–${bin.max}: ${bin.count}`}</title>
            <rect x={i * barWidth + 2} y={height - h} width={barWidth - 4} height={h} class="bar bar-hist" />
            {bins.length <= 20 || i % Math.ceil(bins.length / 10) === 0 ? (
              <text x={i * barWidth + barWidth / 2} y={height + 16} text-anchor="middle" class="chart-axis">{bin.min}</text>
            ) : null}
          </g>
        );
      })}
      <text x={width / 2} y={height + 36} text-anchor="middle" class="chart-axis">score</text>
    </svg>
  );
}

export function FunnelPage({ user, csrf, funnel, histogram, sites, filters, flash }: FunnelPageProps) {
  const steps = funnelSteps(funnel);
  return (
    <Layout title="Funnel" ctx={{ user, csrf }} active="funnel">
      <h1>Funnel</h1>
      <FlashMessage flash={flash} />
      <form method="get" action="/funnel" class="filters">
        <label>
          Site
          <select name="site">
            {sites.map((s) => <option value={s} selected={filters.site === s}>{s}</option>)}
          </select>
        </label>
        <label>From <input type="date" name="from" value={filters.from ?? ''} /></label>
        <label>To <input type="date" name="to" value={filters.to ?? ''} /></label>
        <button type="submit">Apply</button>
      </form>
      <p class="small muted">
        <code>{funnel.site}</code>, from {funnel.from.slice(0, 10)} to {funnel.to.slice(0, 10)} (UTC, end excluded; default: the last 30 days).
        Visitors first seen in the period; each later step counts the leads that reached at least that stage in it.
      </p>
      <div class="columns even">
        <section class="card">
          <h2>Stages</h2>
          <FunnelChart funnel={funnel} />
          <table class="data compact">
            <thead><tr><th scope="col">Stage</th><th scope="col" class="num">Count</th><th scope="col" class="num">From previous</th><th scope="col" class="num">From visitors</th></tr></thead>
            <tbody>
              {steps.map((s) => (
                <tr><td>{s.label}</td><td class="num">{s.count}</td><td class="num">{s.fromPrevious ?? '—'}</td><td class="num">{s.fromTop ?? '—'}</td></tr>
              ))}
            </tbody>
          </table>
        </section>
        <section class="card">
          <h2>Score distribution</h2>
          <Histogram bins={histogram} />
        </section>
      </div>
    </Layout>
  );
}
