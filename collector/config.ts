// Reads the environment once, validates it with zod, and returns the typed Config passed to everything else.
import { z } from 'zod';
import { isUserEmail, normalizeUserEmail } from './auth/user-email';
import { parseDatabaseUrl, type DatabaseLocation } from './db/url';

export class ConfigError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ConfigError';
  }
}

export type RateLimit = { perSecond: number; burst: number };

export type Config = {
  port: number;
  databaseUrl: string;
  database: DatabaseLocation;
  apiToken?: string;
  adminEmail?: string;
  adminPassword?: string;
  /** Signs links and sessions; optional here, the features needing it check for it. */
  secret?: string;
  retentionDays: number;
  /** Take the client IP from X-Forwarded-For (its first entry) instead of the socket. */
  trustProxy: boolean;
  webhookAllowPrivate: boolean;
  rateLimit: RateLimit;
  demoPort: number;
};

/** Whole numbers as digits only: `Number()` would read ' ' as 0, 0x10 as 16 and 1e3 as 1000. */
const whole = z.string().trim().regex(/^\d+$/, 'expected a whole number').transform(Number);
const port = z.union([z.number(), whole]).pipe(z.number().int().min(0).max(65535));
const optional = (schema: z.ZodType<string>) => z.preprocess((v) => (v === '' ? undefined : v), schema.optional());
const bool = z
  .string()
  .trim()
  .toLowerCase()
  .refine((v) => ['1', 'true', 'yes', 'on', '0', 'false', 'no', 'off', ''].includes(v), 'expected 1/0, true/false, yes/no or on/off')
  .transform((v) => ['1', 'true', 'yes', 'on'].includes(v));

/** `PISTE_RATE_LIMIT` is "RATE/BURST": requests a second per client IP, and the burst allowed above it (e.g. "50/100"). */
const rateLimit = z
  .string()
  .trim()
  .regex(/^\d+(\.\d+)?\/\d+$/, 'expected "RATE/BURST", e.g. "50/100" (requests a second / burst)')
  .transform((v) => {
    const [perSecond, burst] = v.split('/').map(Number);
    return { perSecond, burst };
  })
  .refine((r) => r.perSecond > 0 && r.burst >= 1, 'rate must be > 0 and burst ≥ 1');

const EnvSchema = z.object({
  PORT: port.default(8787),
  DATABASE_URL: z.string().trim().min(1).default('file:./data/piste.db'),
  PISTE_API_TOKEN: optional(z.string().min(16, 'must be at least 16 characters')),
  PISTE_ADMIN_EMAIL: optional(z.string().transform(normalizeUserEmail).refine(isUserEmail, 'expected an email address, e.g. admin@example.com')),
  PISTE_ADMIN_PASSWORD: optional(z.string().min(8, 'must be at least 8 characters')),
  PISTE_SECRET: optional(z.string().min(16, 'must be at least 16 characters')),
  PISTE_RETENTION_DAYS: z.union([z.number(), whole]).pipe(z.number().int().min(1).max(36500)).default(760),
  PISTE_TRUST_PROXY: bool.default(false),
  PISTE_WEBHOOK_ALLOW_PRIVATE: bool.default(false),
  PISTE_RATE_LIMIT: rateLimit.default({ perSecond: 50, burst: 100 }),
  DEMO_PORT: port.default(8080),
});

/**
 * Validates the environment; a bad value throws a ConfigError naming the variable.
 * @example const config = loadConfig(process.env)
 */
export function loadConfig(env: Record<string, string | undefined>): Config {
  // Empty strings count as unset for variables with defaults, as shells often export VAR= .
  const present = Object.fromEntries(Object.entries(env).filter(([, v]) => v !== undefined && v !== ''));
  const parsed = EnvSchema.safeParse(present);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const name = String(issue.path[0] ?? 'environment');
    const shown = name in present && !/PASSWORD|TOKEN|SECRET/.test(name) ? ` (got "${present[name]}")` : '';
    throw new ConfigError(`${name}: ${issue.message}${shown}`);
  }
  const e = parsed.data;
  let database: DatabaseLocation;
  try {
    database = parseDatabaseUrl(e.DATABASE_URL);
  } catch (err) {
    throw new ConfigError(`DATABASE_URL: ${(err as Error).message}`);
  }
  return {
    port: e.PORT,
    databaseUrl: e.DATABASE_URL,
    database,
    apiToken: e.PISTE_API_TOKEN,
    adminEmail: e.PISTE_ADMIN_EMAIL,
    adminPassword: e.PISTE_ADMIN_PASSWORD,
    secret: e.PISTE_SECRET,
    retentionDays: e.PISTE_RETENTION_DAYS,
    trustProxy: e.PISTE_TRUST_PROXY,
    webhookAllowPrivate: e.PISTE_WEBHOOK_ALLOW_PRIVATE,
    rateLimit: e.PISTE_RATE_LIMIT,
    demoPort: e.DEMO_PORT,
  };
}
