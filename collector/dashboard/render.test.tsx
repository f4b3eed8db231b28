// Every dashboard page rendered with hostile visitor data: the output must stay inert text.
import { Window } from 'happy-dom';
import { describe, expect, it } from 'vitest';
import { CSRF, USER, detailWith, eventsWith, leadWith, siteWith } from './fixtures';
import { renderPage } from './layout';
import { ErrorPage } from './pages/error';
import { FunnelPage } from './pages/funnel';
import { allowedActions, groupBySession, LeadPage } from './pages/lead';
import { LeadsPage } from './pages/leads';
import { RulesPage } from './pages/rules';
import { SignInPage } from './pages/signin';
import { SitesPage } from './pages/sites';
import { UsersPage } from './pages/users';
import { WebhooksPage } from './pages/webhooks';
import { assetUrl } from './static';
import type { Stage } from './views';

const PAYLOADS = [
  '<script>alert(1)</script>',
  '"><img src=x onerror=alert(1)>',
  "'><svg onload=alert(1)>",
  'javascript:alert(1)',
  ' JaVaScRiPt:alert(1)',
  "' onmouseover='alert(1)",
  '" onfocus="alert(1)" autofocus="',
  '</textarea><script>alert(1)</script>',
  '</title><script>alert(1)</script>',
  '</style><script>alert(1)</script>',
  '<!--<script>alert(1)//-->',
  '<iframe src="javascript:alert(1)"></iframe>',
  '{{constructor.constructor(\'alert(1)\')()}}',
  '${alert(1)}',
  'data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==',
  '&lt;script&gt;alert(1)&lt;/script&gt;',
  '\u202Egnp.exe\u202C עברית مرحبا 👩‍💻 \u0000\u0007',
  'x'.repeat(10_000) + '<script>alert(1)</script>',
];

const ctx = { user: USER, csrf: CSRF };

function pagesWith(s: string): Record<string, string> {
  return {
    signin: renderPage(<SignInPage error={s} email={s} csrf={CSRF} />),
    error: renderPage(<ErrorPage status={404} message={s} ctx={{ user: { email: s }, csrf: CSRF }} />),
    leads: renderPage(
      <LeadsPage {...ctx} leads={[leadWith(s), leadWith(s, { stage: 'sql', grade: 'F', probability: null })]}
        filters={{ q: s, site: s, minScore: 10, stage: 'mql', grade: 'A', sort: '-lastSeen' }}
        sites={[s]} cursor={s} nextCursor={s} flash={{ kind: 'error', message: s }} />,
    ),
    lead: renderPage(<LeadPage {...ctx} detail={detailWith(s)} flash={{ kind: 'ok', message: s }} rejectError={s} />),
    funnel: renderPage(
      <FunnelPage {...ctx} funnel={{ site: s, from: '2026-01-01T00:00:00.000Z', to: '2026-02-01T00:00:00.000Z', funnel: [
        { stage: 'visitor', count: 1200, rate: null }, { stage: 'lead', count: 180, rate: 0.15 }, { stage: 'mql', count: 40, rate: 40 / 180 },
        { stage: 'sal', count: 22, rate: 22 / 40 }, { stage: 'sql', count: 9, rate: 9 / 22 }] }}
        histogram={[{ min: 0, max: 10, count: 50 }, { min: 10, max: 20, count: 20 }]} sites={[s]} filters={{ site: s, from: s, to: s }} flash={{ kind: 'error', message: s }} />,
    ),
    sites: renderPage(<SitesPage {...ctx} sites={[siteWith(s)]} collectorUrl={s} errors={[{ path: s, message: s }]} draft={{ key: s, name: s, origins: s }} />),
    rules: renderPage(<RulesPage {...ctx} sites={[s]} site={s} rulesJson={s} errors={[{ path: s, message: s }]} />),
    webhooks: renderPage(
      <WebhooksPage {...ctx} sites={[s]} created={{ id: s, url: s, secret: s }} errors={[{ path: s, message: s }]}
        webhooks={[{ id: s, site: s, url: s, events: [s], createdAt: s }]}
        deliveries={[{ id: s, webhookId: s, leadId: s, type: s, status: 'failed', attempts: 8, lastStatus: 500, lastError: s, createdAt: s, deliveredAt: null }]} />,
    ),
    users: renderPage(
      <UsersPage {...ctx} users={[{ id: s, email: s, createdAt: s }]} tokens={[{ id: s, name: s, createdAt: s, lastUsedAt: s }]}
        newToken={{ name: s, token: s }} userErrors={[{ path: s, message: s }]} tokenErrors={[{ path: '', message: s }]} />,
    ),
  };
}

// Only elements the pages themselves use: an injected <img>, <iframe>, <svg onload>, <style>… would show up here.
const ALLOWED_TAGS = new Set(
  ('html head meta title link script body a header nav ul ol li form input span button main section aside h1 h2 h3 p label ' +
    'select option div table thead tbody tfoot tr th td code pre textarea dl dt dd time svg g text rect strong').split(' '),
);
const URL_ATTRIBUTES = ['href', 'src', 'action', 'formaction', 'xlink:href', 'poster', 'data'];

function parse(html: string) {
  const window = new Window({ settings: { disableJavaScriptEvaluation: true, disableJavaScriptFileLoading: true, disableCSSFileLoading: true } });
  return new window.DOMParser().parseFromString(html, 'text/html');
}

function problemsIn(html: string): string[] {
  const problems: string[] = [];
  const doc = parse(html);
  const scripts = [...doc.querySelectorAll('script')];
  if (scripts.length !== 1 || scripts[0].getAttribute('src') !== assetUrl('app.js') || scripts[0].textContent !== '') {
    problems.push(`unexpected scripts: ${scripts.map((s) => s.outerHTML.slice(0, 80)).join(' | ')}`);
  }
  if ((html.match(/<script/gi) ?? []).length !== 1) problems.push('raw "<script" in the markup');
  for (const el of doc.querySelectorAll('*')) {
    const tag = el.tagName.toLowerCase();
    if (!ALLOWED_TAGS.has(tag)) problems.push(`unexpected element <${tag}>`);
    for (const attr of [...el.attributes]) {
      const name = attr.name.toLowerCase();
      if (name.startsWith('on')) problems.push(`event handler attribute ${name} on <${tag}>`);
      if (name === 'style' || name === 'autofocus' && tag !== 'input') problems.push(`${name} attribute on <${tag}>`);
      if (URL_ATTRIBUTES.includes(name)) {
        const value = (attr.value ?? '').trim();
        const sameOrigin = (value.startsWith('/') && !value.startsWith('//') && !value.startsWith('/\\')) || /^#[\w-]+$/.test(value);
        if (!sameOrigin && !/^https?:\/\//i.test(value)) problems.push(`${name}="${value.slice(0, 60)}" on <${tag}>`);
      }
    }
  }
  return problems;
}

describe('dashboard pages with hostile visitor data', () => {
  it.each(PAYLOADS.map((p) => [p.length > 100 ? `${p.slice(0, 20)}… (${p.length} chars)` : p, p]))(
    'render %j as inert text on every page',
    (_label, payload) => {
      for (const [page, html] of Object.entries(pagesWith(payload))) {
        expect(problemsIn(html), page).toEqual([]);
        // The payload is really there, as text: it was escaped, not dropped.
        const doc = parse(html);
        const visible = doc.body.textContent + [...doc.querySelectorAll('textarea, input')].map((e) => (e as unknown as { value: string }).value).join(' ');
        // (compared up to the first control character, which HTML parsers may drop or replace)
        const expected = payload.split(/[\u0000-\u001f]/)[0].trim().slice(0, 200);
        expect(visible.includes(expected), `${page} shows the payload`).toBe(true);
      }
    },
  );

  it('links http(s) visitor URLs but renders every other scheme as text', () => {
    const doc = parse(pagesWith('javascript:alert(1)').lead);
    const hrefs = [...doc.querySelectorAll('a')].map((a) => a.getAttribute('href'));
    expect(hrefs).toContain('https://northwind.example/pricing?utm_source=newsletter');
    expect(hrefs.some((h) => h?.toLowerCase().includes('javascript'))).toBe(false);
    expect(doc.querySelector('a[rel~="noreferrer"]')).not.toBeNull();
  });

  it('puts the CSRF token in every state-changing form', () => {
    for (const [page, html] of Object.entries(pagesWith('ok'))) {
      const forms = [...parse(html).querySelectorAll('form')].filter((f) => f.getAttribute('method') === 'post');
      expect(forms.length, page).toBeGreaterThan(0);
      for (const form of forms) {
        expect(form.querySelector('input[type="hidden"][name="_csrf"]')?.getAttribute('value'), `${page} ${form.getAttribute('action')}`).toBe(CSRF);
      }
    }
  });

  it('sets no inline style and no inline script anywhere (the CSP forbids both)', () => {
    for (const html of Object.values(pagesWith('plain'))) {
      expect(html).not.toMatch(/\sstyle=/i);
      expect(html).toMatch(/<script src="\/static\/app\.js\?v=[\w-]+" defer=""><\/script>/);
    }
  });
});

describe('lead page', () => {
  function actionsOn(stage: Stage): string[] {
    const doc = parse(renderPage(<LeadPage {...ctx} detail={detailWith('x', { stage })} />));
    return [...doc.querySelectorAll('form')].map((f) => f.getAttribute('action')!.split('/').pop()!).filter((a) => a !== 'signout');
  }

  it('offers only the moves valid from the current stage, and always export and erase', () => {
    expect(actionsOn('mql')).toEqual(['accept', 'qualify', 'reject', 'erase']);
    expect(actionsOn('sal')).toEqual(['qualify', 'reject', 'erase']);
    expect(actionsOn('sql')).toEqual(['reject', 'erase']);
    for (const stage of ['visitor', 'lead', 'recycled'] as const) expect(actionsOn(stage)).toEqual(['erase']);
    expect(allowedActions('recycled')).toEqual([]);
  });

  it('requires a reason to reject and an explicit confirmation to erase', () => {
    const doc = parse(renderPage(<LeadPage {...ctx} detail={detailWith('x')} />));
    expect(doc.querySelector('form[action$="/reject"] input[name="reason"]')?.hasAttribute('required')).toBe(true);
    const confirm = doc.querySelector('form[action$="/erase"] input[type="checkbox"][name="confirm"]');
    expect(confirm?.hasAttribute('required')).toBe(true);
    expect(confirm?.getAttribute('value')).toBe('yes');
    expect(doc.querySelector('a[href="/api/leads/L8x2kQ9vTn3bYw7pR4mZaA/export"]')).not.toBeNull();
  });

  it('shows the score breakdown summing to the score, the fit and the stage history', () => {
    const doc = parse(renderPage(<LeadPage {...ctx} detail={detailWith('pricing')} />));
    const text = doc.body.textContent!;
    expect(text).toContain('pricing');
    expect(text).toContain('−10');
    expect(text).toContain('Visitor → Lead');
    expect(text).toContain('Lead → MQL');
    expect(text).toContain('42%');
  });

  it('groups the timeline by session, newest visit first', () => {
    const groups = groupBySession(eventsWith('x'));
    expect(groups.map((g) => g.sessionId)).toEqual(['x', 's2', 's1']);
    expect(groups[2].events.map((e) => e.id)).toEqual(['e1', 'e2', 'e3']);
  });
});

describe('leads page', () => {
  it('keeps the filters in the next-page link and the CSV export link', () => {
    const html = renderPage(
      <LeadsPage {...ctx} leads={[leadWith('a@b.example')]} filters={{ stage: 'sql', q: 'acme & co', sort: 'createdAt' }} sites={['demo']} nextCursor="c:2" />,
    );
    const doc = parse(html);
    expect(doc.querySelector('a[rel="next"]')?.getAttribute('href')).toBe('/leads?stage=sql&q=acme+%26+co&sort=createdAt&cursor=c%3A2');
    expect(doc.querySelector('a[href^="/api/leads.csv"]')?.getAttribute('href')).toBe('/api/leads.csv?stage=sql&q=acme+%26+co&sort=createdAt');
    expect(doc.querySelector('select[name="sort"] option[selected]')?.getAttribute('value')).toBe('createdAt');
    expect([...doc.querySelectorAll('select[name="sort"] option')].map((o) => o.getAttribute('value'))).toHaveLength(8);
  });
});
