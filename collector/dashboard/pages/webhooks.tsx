// Webhooks: the list, a create form that shows the new signing secret once, and the delivery log.
import { CsrfField, FieldErrors, FlashMessage } from '../components';
import { formatTime } from '../format';
import { Layout } from '../layout';
import { paths } from '../paths';
import type { DeliveryView, FieldError, Flash, PageContext, WebhookView } from '../views';

export type WebhooksPageProps = PageContext & {
  webhooks: WebhookView[];
  deliveries: DeliveryView[];
  sites: string[];
  /** Right after creation only: the secret is never shown again. */
  created?: { id: string; url: string; secret: string };
  errors?: FieldError[];
  flash?: Flash;
};

export function WebhooksPage({ user, csrf, webhooks, deliveries, sites, created, errors, flash }: WebhooksPageProps) {
  return (
    <Layout title="Webhooks" ctx={{ user, csrf }} active="webhooks">
      <h1>Webhooks</h1>
      <FlashMessage flash={flash} />
      {created ? (
        <section class="card secret" role="status">
          <h2>Webhook created</h2>
          <p>Signing secret for <code>{created.url}</code>. Copy it now: it will not be shown again.</p>
          <div class="snippet">
            <pre id="new-secret"><code>{created.secret}</code></pre>
            <button type="button" class="copy" data-copy="new-secret" hidden>Copy</button>
          </div>
        </section>
      ) : null}
      <section class="card">
        <h2>Endpoints</h2>
        {webhooks.length === 0 ? <p class="empty">No webhook yet.</p> : (
          <table class="data">
            <thead><tr><th scope="col">URL</th><th scope="col">Site</th><th scope="col">Events</th><th scope="col">Created</th><th scope="col"><span class="sr-only">Actions</span></th></tr></thead>
            <tbody>
              {webhooks.map((w) => (
                <tr>
                  <td class="url">{w.url}</td>
                  <td>{w.site ?? 'all'}</td>
                  <td>{w.events.length ? w.events.join(', ') : 'all'}</td>
                  <td class="nowrap">{formatTime(w.createdAt)}</td>
                  <td>
                    <form method="post" action={paths.webhookDelete(w.id)} data-confirm="Delete this webhook?">
                      <CsrfField token={csrf} />
                      <button type="submit" class="link-button danger-text">Delete</button>
                    </form>
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        )}
        <h3>Add an endpoint</h3>
        <form method="post" action={paths.webhooks} class="filters">
          <CsrfField token={csrf} />
          <label class="grow">URL <input type="url" name="url" required placeholder="https://crm.example.com/hooks/piste" /></label>
          <label>
            Site
            <select name="site">
              <option value="">All sites</option>
              {sites.map((s) => <option value={s}>{s}</option>)}
            </select>
          </label>
          <button type="submit" class="primary">Create</button>
        </form>
        <FieldErrors id="webhook-errors" errors={errors} />
      </section>
      <section class="card">
        <h2>Recent deliveries</h2>
        {deliveries.length === 0 ? <p class="empty">Nothing delivered yet.</p> : (
          <div class="table-wrap">
            <table class="data compact">
              <thead>
                <tr><th scope="col">Created</th><th scope="col">Type</th><th scope="col">Lead</th><th scope="col">Status</th><th scope="col" class="num">Attempts</th><th scope="col" class="num">HTTP</th><th scope="col">Last error</th></tr>
              </thead>
              <tbody>
                {deliveries.map((d) => (
                  <tr>
                    <td class="nowrap">{formatTime(d.createdAt)}</td>
                    <td>{d.type}</td>
                    <td><a href={paths.lead(d.leadId)}>{d.leadId.slice(0, 8)}…</a></td>
                    <td><span class={`badge status-${d.status === 'delivered' || d.status === 'failed' ? d.status : 'pending'}`}>{d.status}</span></td>
                    <td class="num">{d.attempts}</td>
                    <td class="num">{d.lastStatus ?? '—'}</td>
                    <td class="small">{d.lastError ?? ''}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        )}
      </section>
    </Layout>
  );
}
