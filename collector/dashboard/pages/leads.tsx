// The lead list: filters, sort, table, cursor paging and CSV export keeping the same filters.
import { FlashMessage, GradeBadge, StageBadge, stageLabel } from '../components';
import { formatProbability, formatTime } from '../format';
import { Layout } from '../layout';
import { paths } from '../paths';
import { GRADES, LEAD_SORTS, STAGES, type Flash, type LeadFilters, type LeadSort, type LeadView, type PageContext } from '../views';

export type LeadsPageProps = PageContext & {
  leads: LeadView[];
  filters: LeadFilters;
  /** Site keys for the site filter. */
  sites: string[];
  /** Set when this is not the first page. */
  cursor?: string;
  nextCursor: string | null;
  flash?: Flash;
};

const SORT_LABELS: Record<LeadSort, string> = {
  '-score': 'Score, highest first', score: 'Score, lowest first',
  '-probability': 'Probability, highest first', probability: 'Probability, lowest first',
  '-lastSeen': 'Last seen, newest first', lastSeen: 'Last seen, oldest first',
  '-createdAt': 'Created, newest first', createdAt: 'Created, oldest first',
};

function LeadFiltersForm({ filters, sites }: { filters: LeadFilters; sites: string[] }) {
  return (
    <form method="get" action="/leads" class="filters" role="search">
      <label>
        Search
        <input type="search" name="q" value={filters.q ?? ''} placeholder="email, name, company" />
      </label>
      <label>
        Stage
        <select name="stage">
          <option value="">Any</option>
          {STAGES.map((s) => <option value={s} selected={filters.stage === s}>{stageLabel(s)}</option>)}
        </select>
      </label>
      <label>
        Grade
        <select name="grade">
          <option value="">Any</option>
          {GRADES.map((g) => <option value={g} selected={filters.grade === g}>{g}</option>)}
        </select>
      </label>
      <label>
        Min score
        <input type="number" name="minScore" min="0" step="1" class="narrow" value={filters.minScore ?? ''} />
      </label>
      <label>
        Site
        <select name="site">
          <option value="">All</option>
          {sites.map((s) => <option value={s} selected={filters.site === s}>{s}</option>)}
        </select>
      </label>
      <label>
        Sort
        <select name="sort">
          {LEAD_SORTS.map((s) => <option value={s} selected={(filters.sort ?? '-score') === s}>{SORT_LABELS[s]}</option>)}
        </select>
      </label>
      <button type="submit">Apply</button>
    </form>
  );
}

export function LeadsPage({ user, csrf, leads, filters, sites, cursor, nextCursor, flash }: LeadsPageProps) {
  return (
    <Layout title="Leads" ctx={{ user, csrf }} active="leads">
      <div class="page-head">
        <h1>Leads</h1>
        <a class="button" href={paths.leadsCsv(filters)}>Export CSV</a>
      </div>
      <FlashMessage flash={flash} />
      <LeadFiltersForm filters={filters} sites={sites} />
      {leads.length === 0 ? (
        <p class="empty">No leads match these filters yet.</p>
      ) : (
        <div class="table-wrap">
          <table class="data">
            <thead>
              <tr>
                <th scope="col">Lead</th>
                <th scope="col">Company</th>
                <th scope="col" class="num">Score</th>
                <th scope="col">Grade</th>
                <th scope="col">Stage</th>
                <th scope="col" class="num">Probability</th>
                <th scope="col">Site</th>
                <th scope="col">Last seen</th>
              </tr>
            </thead>
            <tbody>
              {leads.map((lead) => (
                <tr>
                  <td>
                    <a href={paths.lead(lead.id)} class="strong">{lead.email}</a>
                    {lead.name ? <div class="muted small">{lead.name}</div> : null}
                  </td>
                  <td>{lead.company ?? <span class="muted">—</span>}</td>
                  <td class="num strong">{Math.round(lead.score)}</td>
                  <td><GradeBadge grade={lead.grade} /></td>
                  <td><StageBadge stage={lead.stage} /></td>
                  <td class="num">{formatProbability(lead.probability)}</td>
                  <td>{lead.site}</td>
                  <td class="nowrap">{formatTime(lead.lastSeen)}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
      <nav class="pager" aria-label="Pages">
        {cursor ? <a href={paths.leads(filters)}>« First page</a> : <span />}
        {nextCursor ? <a href={paths.leads(filters, nextCursor)} rel="next">Next page »</a> : null}
      </nav>
    </Layout>
  );
}
