// Users who can sign in, and API tokens (a new token is shown once, right after creation).
import { CsrfField, FieldErrors, FlashMessage } from '../components';
import { formatTime } from '../format';
import { Layout } from '../layout';
import { paths } from '../paths';
import type { ApiTokenView, FieldError, Flash, PageContext, UserView } from '../views';

export type UsersPageProps = PageContext & {
  users: UserView[];
  tokens: ApiTokenView[];
  /** Right after creation only: the token is stored hashed and never shown again. */
  newToken?: { name: string; token: string };
  userErrors?: FieldError[];
  tokenErrors?: FieldError[];
  flash?: Flash;
};

export function UsersPage({ user, csrf, users, tokens, newToken, userErrors, tokenErrors, flash }: UsersPageProps) {
  return (
    <Layout title="Users & tokens" ctx={{ user, csrf }} active="users">
      <h1>Users &amp; API tokens</h1>
      <FlashMessage flash={flash} />
      <div class="columns even">
        <section class="card">
          <h2>Users</h2>
          <table class="data compact">
            <thead><tr><th scope="col">Email</th><th scope="col">Added</th><th scope="col"><span class="sr-only">Actions</span></th></tr></thead>
            <tbody>
              {users.map((u) => (
                <tr>
                  <td>{u.email}{u.you ? <span class="muted small"> (you)</span> : null}</td>
                  <td class="nowrap">{formatTime(u.createdAt)}</td>
                  <td>
                    {u.you ? null : (
                      <form method="post" action={paths.userDelete(u.id)} data-confirm={`Remove ${u.email}? They are signed out at once.`}>
                        <CsrfField token={csrf} />
                        <button type="submit" class="link-button danger-text" aria-label={`Remove ${u.email}`}>Remove</button>
                      </form>
                    )}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
          <h3>Add a user</h3>
          <form method="post" action={paths.users} class="stack">
            <CsrfField token={csrf} />
            <label>Email <input type="email" name="email" required autocomplete="off" /></label>
            <label>Password <span class="muted small">(at least 12 characters)</span>
              <input type="password" name="password" required minlength={12} autocomplete="new-password" />
            </label>
            <FieldErrors id="user-errors" errors={userErrors} />
            <button type="submit" class="primary">Add user</button>
          </form>
        </section>
        <section class="card">
          <h2>API tokens</h2>
          {newToken ? (
            <div class="secret" role="status">
              <p>New token <strong>{newToken.name}</strong>. Copy it now: it will not be shown again.</p>
              <div class="snippet">
                <pre id="new-token"><code>{newToken.token}</code></pre>
                <button type="button" class="copy" data-copy="new-token" hidden>Copy</button>
              </div>
            </div>
          ) : null}
          {tokens.length === 0 ? <p class="empty">No API token yet.</p> : (
            <table class="data compact">
              <thead><tr><th scope="col">Name</th><th scope="col">Created</th><th scope="col">Last used</th><th scope="col"><span class="sr-only">Actions</span></th></tr></thead>
              <tbody>
                {tokens.map((t) => (
                  <tr>
                    <td>{t.name}</td>
                    <td class="nowrap">{formatTime(t.createdAt)}</td>
                    <td class="nowrap">{t.lastUsedAt ? formatTime(t.lastUsedAt) : 'never'}</td>
                    <td>
                      <form method="post" action={paths.tokenDelete(t.id)} data-confirm="Revoke this token?">
                        <CsrfField token={csrf} />
                        <button type="submit" class="link-button danger-text">Revoke</button>
                      </form>
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          )}
          <h3>Create a token</h3>
          <form method="post" action={paths.tokens} class="stack">
            <CsrfField token={csrf} />
            <label>Name <input type="text" name="name" required maxlength={100} placeholder="e.g. CRM sync" /></label>
            <FieldErrors id="token-errors" errors={tokenErrors} />
            <button type="submit" class="primary">Create token</button>
          </form>
        </section>
      </div>
    </Layout>
  );
}
