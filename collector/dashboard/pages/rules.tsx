// A site's scoring rules as editable JSON, with validation errors shown beside the editor.
import { CsrfField, FieldErrors, FlashMessage } from '../components';
import { Layout } from '../layout';
import { paths } from '../paths';
import type { FieldError, Flash, PageContext } from '../views';

export type RulesPageProps = PageContext & {
  sites: string[];
  site: string;
  /** The rules as JSON text: the stored rules, or what the user submitted when it did not validate. */
  rulesJson: string;
  errors?: FieldError[];
  flash?: Flash;
};

export function RulesPage({ user, csrf, sites, site, rulesJson, errors, flash }: RulesPageProps) {
  const invalid = Boolean(errors?.length);
  return (
    <Layout title="Rules" ctx={{ user, csrf }} active="rules">
      <div class="page-head">
        <h1>Scoring rules</h1>
        <form method="get" action="/rules" class="inline">
          <label>
            Site
            <select name="site">{sites.map((s) => <option value={s} selected={s === site}>{s}</option>)}</select>
          </label>
          <button type="submit">Show</button>
        </form>
      </div>
      <FlashMessage flash={flash} />
      <form method="post" action={paths.rules(site)} class="rules-editor">
        <CsrfField token={csrf} />
        <input type="hidden" name="site" value={site} />
        <div class="editor">
          <label for="rules">Rules for <code>{site}</code> (JSON)</label>
          <textarea id="rules" name="rules" rows={28} spellcheck={false} class="code"
            aria-invalid={invalid ? 'true' : undefined} aria-describedby={invalid ? 'rules-errors' : undefined}>{rulesJson}</textarea>
          <div class="row">
            <button type="submit" class="primary">Save rules</button>
          </div>
        </div>
        <aside class="editor-side">
          {invalid ? (
            <>
              <h2>Not saved: fix these</h2>
              <FieldErrors id="rules-errors" errors={errors} />
            </>
          ) : (
            <>
              <h2>How rules work</h2>
              <p class="small">Engagement rules add points that decay with the site's half-life; fit rules set the grade (A ≥ 30, B ≥ 20, C ≥ 10, D ≥ 0, F &lt; 0). New events use saved rules at once; <code>piste rescore</code> recomputes existing leads from their history.</p>
            </>
          )}
        </aside>
      </form>
    </Layout>
  );
}
