// The sign-in page (no session yet): email, password, and an error slot.
import { CsrfField, FlashMessage } from '../components';
import { Layout } from '../layout';
import { paths } from '../paths';

export type SignInPageProps = {
  error?: string;
  email?: string;
  /** Optional pre-session token; the sign-in route must at least check the origin (login CSRF). */
  csrf?: string;
  /** Where to go after signing in (a local path, checked by the route). */
  next?: string;
};

export function SignInPage({ error, email, csrf, next }: SignInPageProps) {
  return (
    <Layout title="Sign in">
      <section class="signin card">
        <h1>Sign in to Piste</h1>
        <FlashMessage flash={error ? { kind: 'error', message: error } : undefined} />
        <form method="post" action={next ? `${paths.signIn}?next=${encodeURIComponent(next)}` : paths.signIn} class="stack">
          {csrf ? <CsrfField token={csrf} /> : null}
          <label>
            Email
            <input type="email" name="email" autocomplete="username" required value={email ?? ''} autofocus />
          </label>
          <label>
            Password
            <input type="password" name="password" autocomplete="current-password" required />
          </label>
          <button type="submit" class="primary">Sign in</button>
        </form>
      </section>
    </Layout>
  );
}
