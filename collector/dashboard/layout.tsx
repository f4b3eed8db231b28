// The page shell: head with the one stylesheet and script, the navigation, and sign-out as a CSRF-protected POST.
import type { Child } from 'hono/jsx';
import { CsrfField } from './components';
import { paths } from './paths';
import { assetUrl } from './static';
import type { PageContext } from './views';

export type NavKey = 'leads' | 'funnel' | 'sites' | 'rules' | 'webhooks' | 'users';

const NAV: { key: NavKey; label: string; href: string }[] = [
  { key: 'leads', label: 'Leads', href: paths.leads() },
  { key: 'funnel', label: 'Funnel', href: paths.funnel() },
  { key: 'sites', label: 'Sites', href: paths.sites },
  { key: 'rules', label: 'Rules', href: paths.rules() },
  { key: 'webhooks', label: 'Webhooks', href: paths.webhooks },
  { key: 'users', label: 'Users & tokens', href: paths.users },
];

export type LayoutProps = {
  title: string;
  /** Signed-in pages show the navigation; the sign-in and some error pages do not. */
  ctx?: PageContext;
  active?: NavKey;
  children?: Child;
};

export function Layout({ title, ctx, active, children }: LayoutProps) {
  return (
    <html lang="en">
      <head>
        <meta charset="utf-8" />
        <meta name="viewport" content="width=device-width, initial-scale=1" />
        <meta name="referrer" content="same-origin" />
        <title>{`${title} · Piste`}</title>
        {/* Without it every new browser asks for /favicon.ico, and its 404 is a console error on the first page. */}
        <link rel="icon" type="image/svg+xml" href={assetUrl('favicon.svg')} />
        <link rel="stylesheet" href={assetUrl('app.css')} />
        <script src={assetUrl('app.js')} defer></script>
      </head>
      <body>
        <a class="skip" href="#main">Skip to content</a>
        {ctx ? (
          <header class="topbar">
            <a class="brand" href={paths.home}>Piste</a>
            <nav aria-label="Main">
              <ul>
                {NAV.map((item) => (
                  <li>
                    <a href={item.href} aria-current={item.key === active ? 'page' : undefined}>{item.label}</a>
                  </li>
                ))}
              </ul>
            </nav>
            <form class="signout" method="post" action={paths.signOut}>
              <CsrfField token={ctx.csrf} />
              <span class="muted">{ctx.user.email}</span>
              <button type="submit" class="link-button">Sign out</button>
            </form>
          </header>
        ) : null}
        <main id="main">{children}</main>
      </body>
    </html>
  );
}

/**
 * A page component rendered to a complete HTML document.
 * @example return c.html(renderPage(<LeadsPage {...props} />));
 */
export function renderPage(page: { toString(): string | Promise<string> }): string {
  const html = page.toString();
  if (typeof html !== 'string') throw new Error('dashboard pages must render synchronously');
  return `<!DOCTYPE html>${html}`;
}
