// The lead pages (list, detail, sales actions, erasure) and the funnel, on top of the API's service layer.
import type { Context, Hono } from 'hono';
import { eraseLead, getFunnel, getLeadDetail, listLeads, moveLead, parseFunnelQuery, parseLeadsQuery } from '../api/service';
import { ApiError } from '../errors';
import { errorPage, flashFrom, htmlErrorFor, pageContext, type DashboardEnv, type FullDashboardDeps } from './app';
import { scoreHistogram } from './histogram';
import { renderPage } from './layout';
import { FunnelPage } from './pages/funnel';
import { LeadPage } from './pages/lead';
import { LeadsPage } from './pages/leads';
import { paths } from './paths';
import type { Flash, LeadDetailView, LeadFilters } from './views';

const ACTIONS = { accept: 'accepted', qualify: 'qualified', reject: 'rejected' } as const;
type Action = keyof typeof ACTIONS;

export function leadRoutes(app: Hono<DashboardEnv>, deps: FullDashboardDeps): void {
  const ctx = deps.api;

  app.get('/leads', async (c) => {
    const raw = c.req.query();
    const sites = (await deps.db.listSites()).map((s) => s.key);
    let flash = flashFrom(c);
    let query;
    try {
      query = parseLeadsQuery({ ...raw, limit: '50' });
    } catch (err) {
      if (!(err instanceof ApiError)) throw err;
      // A hand-edited URL: show the first page unfiltered, and say why.
      flash = { kind: 'error', message: `Filters ignored: ${err.message}` };
      query = parseLeadsQuery({ limit: '50' });
    }
    const { leads, nextCursor } = await listLeads(ctx, query);
    const filters: LeadFilters = {
      site: query.site, stage: query.stage, grade: query.grade?.[0], minScore: query.minScore, q: query.q, sort: query.sort,
    };
    return c.html(renderPage(
      <LeadsPage {...pageContext(c)} leads={leads as LeadsPageLeads} filters={filters} sites={sites} cursor={query.cursor} nextCursor={nextCursor} flash={flash} />,
    ));
  });

  const leadPage = async (c: Context<DashboardEnv>, id: string, status: 200 | 400 | 409, extra: { flash?: Flash; rejectError?: string } = {}) => {
    let detail;
    try {
      detail = (await getLeadDetail(ctx, id)) as unknown as LeadDetailView;
    } catch (err) {
      return htmlErrorFor(c, err);
    }
    return c.html(renderPage(<LeadPage {...pageContext(c)} detail={detail} flash={extra.flash ?? flashFrom(c)} rejectError={extra.rejectError} />), status);
  };

  app.get('/leads/:id', (c) => leadPage(c, c.req.param('id'), 200));

  for (const action of Object.keys(ACTIONS) as Action[]) {
    app.post(`/leads/:id/${action}`, async (c) => {
      const id = c.req.param('id');
      const body = await c.req.parseBody();
      const reason = typeof body.reason === 'string' ? body.reason.slice(0, 1000) : undefined;
      try {
        await moveLead(ctx, id, action, { reason }, c.get('session').email);
      } catch (err) {
        if (err instanceof ApiError && err.status === 409) {
          return leadPage(c, id, 409, { flash: { kind: 'error', message: `Not changed: this lead's stage does not allow "${action}" (someone may have moved it already). Its current stage is shown below.` } });
        }
        if (err instanceof ApiError && err.status === 400 && action === 'reject') {
          return leadPage(c, id, 400, { rejectError: 'Give a reason for the rejection: sales and marketing both read it.' });
        }
        return htmlErrorFor(c, err);
      }
      return c.redirect(`${paths.lead(id)}?done=${ACTIONS[action]}`, 303);
    });
  }

  app.post('/leads/:id/erase', async (c) => {
    const id = c.req.param('id');
    const body = await c.req.parseBody();
    // Server-side confirmation: a stray or scripted post without the checkbox erases nothing.
    if (body.confirm !== 'yes') {
      return leadPage(c, id, 400, { flash: { kind: 'error', message: 'Nothing erased: tick the confirmation box to erase this lead.' } });
    }
    try {
      await eraseLead(ctx, id);
    } catch (err) {
      return htmlErrorFor(c, err);
    }
    return c.redirect(`${paths.leads()}?done=erased`, 303);
  });

  app.get('/funnel', async (c) => {
    const sites = (await deps.db.listSites()).map((s) => s.key);
    if (sites.length === 0) return c.redirect(`${paths.sites}?done=no_site`, 302);
    const raw = { site: c.req.query('site') || sites[0], from: c.req.query('from'), to: c.req.query('to') };
    if (!sites.includes(raw.site)) return errorPage(c, 404, 'No site with this key.');
    // The API's funnel, one definition for both; a hand-edited period is reported in place and the default shown.
    let flash: Flash | undefined;
    let query;
    try {
      query = parseFunnelQuery(raw, ctx.clock.now());
    } catch (err) {
      if (!(err instanceof ApiError)) throw err;
      flash = { kind: 'error', message: `Period ignored: ${err.message}` };
      query = parseFunnelQuery({ site: raw.site }, ctx.clock.now());
    }
    const [funnel, histogram] = await Promise.all([getFunnel(ctx, query), scoreHistogram(ctx, query.site)]);
    const filters = flash ? { site: query.site } : raw;
    return c.html(renderPage(<FunnelPage {...pageContext(c)} funnel={funnel} histogram={histogram} sites={sites} filters={filters} flash={flash} />));
  });
}

type LeadsPageLeads = Parameters<typeof LeadsPage>[0]['leads'];
