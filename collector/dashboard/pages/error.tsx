// A full error page for dashboard routes (404, 403, 500…), with navigation when signed in.
import { Layout } from '../layout';
import { paths } from '../paths';
import type { PageContext } from '../views';

export type ErrorPageProps = { status: number; message: string; ctx?: PageContext };

const TITLES: Record<number, string> = { 400: 'Bad request', 403: 'Forbidden', 404: 'Not found', 409: 'Conflict', 429: 'Too many requests' };

export function ErrorPage({ status, message, ctx }: ErrorPageProps) {
  const title = TITLES[status] ?? (status >= 500 ? 'Something went wrong' : 'Error');
  return (
    <Layout title={title} ctx={ctx}>
      <section class="card error-page">
        <p class="muted">Error {status}</p>
        <h1>{title}</h1>
        <p>{message}</p>
        <p><a href={ctx ? paths.leads() : paths.signIn}>{ctx ? 'Back to leads' : 'Sign in'}</a></p>
      </section>
    </Layout>
  );
}
