// Security headers for dashboard pages: a strict CSP (no inline script or style) and anti-framing/sniffing.
import type { MiddlewareHandler } from 'hono';

export const DASHBOARD_CSP = [
  "default-src 'self'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' data:",
  "object-src 'none'",
  "base-uri 'none'",
  "frame-ancestors 'none'",
  "form-action 'self'",
].join('; ');

/**
 * Sets CSP, nosniff, Referrer-Policy and X-Frame-Options on every response below it.
 * @example app.use('/*', dashboardSecurityHeaders());
 */
export function dashboardSecurityHeaders(): MiddlewareHandler {
  return async (c, next) => {
    await next();
    c.res.headers.set('Content-Security-Policy', DASHBOARD_CSP);
    c.res.headers.set('X-Content-Type-Options', 'nosniff');
    c.res.headers.set('Referrer-Policy', 'same-origin');
    c.res.headers.set('X-Frame-Options', 'DENY');
  };
}
