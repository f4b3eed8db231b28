// What counts as a dashboard user's email, the same for the CLI, PISTE_ADMIN_EMAIL and the dashboard's user form.

/**
 * Syntax only (something@somewhere, no spaces): a sign-in name, not a lead's identity, so `admin@localhost` (the
 * default `npm start` creates) is fine, and the lead placeholder rules (test@test.com, noreply@…) do not apply.
 * @example isUserEmail('admin@localhost') // true
 */
export const isUserEmail = (email: string): boolean => /^[^\s@]{1,64}@[^\s@]{1,255}$/.test(email);

/** Trimmed and lower-cased, as users are stored and looked up. */
export const normalizeUserEmail = (raw: string): string => raw.trim().toLowerCase();
