// Sites: the snippet to paste, the allowed origins (editable), the URL category rules, and a form to add a site.
import { CsrfField, FieldErrors, FlashMessage } from '../components';
import { Layout } from '../layout';
import { paths } from '../paths';
import type { FieldError, Flash, PageContext, SiteView } from '../views';

export type SitesPageProps = PageContext & {
  sites: SiteView[];
  /** The collector's public base URL, e.g. `https://piste.example.com`. */
  collectorUrl: string;
  flash?: Flash;
  errors?: FieldError[];
  /** Values to refill the add form with after a validation error. */
  draft?: { key?: string; name?: string; origins?: string };
  /** A refused change of one site's origins: what was typed, and why. */
  originErrors?: { site: string; origins: string; errors: FieldError[] };
};

/** The two lines a site owner pastes into every page (SPEC §1). */
export function snippetFor(collectorUrl: string, siteKey: string): string {
  const base = collectorUrl.replace(/\/+$/, '');
  return [
    '<script>window.piste=window.piste||function(){(piste.q=piste.q||[]).push(arguments)}</script>',
    `<script defer src="${base}/piste.js" data-site="${siteKey}"></script>`,
  ].join('\n');
}

export function SitesPage({ user, csrf, sites, collectorUrl, flash, errors, draft, originErrors }: SitesPageProps) {
  return (
    <Layout title="Sites" ctx={{ user, csrf }} active="sites">
      <h1>Sites</h1>
      <FlashMessage flash={flash} />
      {sites.length === 0 ? <p class="empty">No site yet: add one below.</p> : null}
      {sites.map((site, i) => (
        <section class="card site">
          <div class="page-head">
            <h2>{site.name || site.key} <span class="muted small">key <code>{site.key}</code></span></h2>
            <a href={paths.rules(site.key)}>Scoring rules</a>
          </div>
          <h3>Snippet</h3>
          <p class="small muted">Paste into the <code>&lt;head&gt;</code> of every page.</p>
          <div class="snippet">
            <pre id={`snippet-${i}`}><code>{snippetFor(collectorUrl, site.key)}</code></pre>
            <button type="button" class="copy" data-copy={`snippet-${i}`} hidden>Copy</button>
          </div>
          <div class="columns even">
            <div>
              <h3>Allowed origins</h3>
              {site.origins.length === 0 ? <p class="muted">None: the collector refuses this site's events.</p> : (
                <ul class="plain">{site.origins.map((o) => <li><code>{o}</code></li>)}</ul>
              )}
              {(() => {
                const refused = originErrors?.site === site.key ? originErrors : undefined;
                return (
                  <form method="post" action={paths.siteOrigins(site.key)} class="stack" aria-describedby={refused ? `origin-errors-${i}` : undefined}>
                    <CsrfField token={csrf} />
                    <label>
                      Change them <span class="muted small">(one per line, e.g. https://www.example.com)</span>
                      <textarea name="origins" rows={3}>{refused ? refused.origins : site.origins.join('\n')}</textarea>
                    </label>
                    <FieldErrors id={`origin-errors-${i}`} errors={refused?.errors} />
                    <button type="submit">Save origins</button>
                  </form>
                );
              })()}
            </div>
            <div>
              <h3>URL categories</h3>
              <table class="data compact">
                <thead><tr><th scope="col">Category</th><th scope="col">Paths starting with</th></tr></thead>
                <tbody>
                  {site.categories.map((c) => <tr><td>{c.category}</td><td>{c.prefixes.join(', ')}</td></tr>)}
                </tbody>
              </table>
              <p class="small muted">Edit them under <code>categories</code> in the <a href={paths.rules(site.key)}>rules</a>.</p>
            </div>
          </div>
        </section>
      ))}
      <section class="card">
        <h2>Add a site</h2>
        <form method="post" action={paths.sites} class="stack narrow-form" aria-describedby={errors?.length ? 'site-errors' : undefined}>
          <CsrfField token={csrf} />
          <label>
            Key <span class="muted small">(lower-case letters, digits, - and _; used in <code>data-site</code>)</span>
            {/* The API's SITE_KEY rule; the server checks it again (`\-`: valid in the browser's `v`-flag patterns). */}
            <input type="text" name="key" required pattern="[a-z0-9][a-z0-9_\-]{0,62}" value={draft?.key ?? ''} />
          </label>
          <label>Name <input type="text" name="name" value={draft?.name ?? ''} /></label>
          <label>
            Allowed origins <span class="muted small">(one per line, e.g. https://www.example.com)</span>
            <textarea name="origins" rows={3}>{draft?.origins ?? ''}</textarea>
          </label>
          <FieldErrors id="site-errors" errors={errors} />
          <button type="submit" class="primary">Add site</button>
        </form>
      </section>
    </Layout>
  );
}
