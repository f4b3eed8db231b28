// loadConfig: defaults, parsing, and errors that name the variable.
import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from './config';

describe('loadConfig', () => {
  it('has the documented defaults', () => {
    const config = loadConfig({});
    expect(config).toMatchObject({ port: 8787, databaseUrl: 'file:./data/piste.db', retentionDays: 760, trustProxy: false, webhookAllowPrivate: false, rateLimit: { perSecond: 50, burst: 100 }, demoPort: 8080 });
    expect(config.database).toEqual({ dialect: 'sqlite', filename: `${process.cwd()}/data/piste.db` });
  });

  it('parses every variable', () => {
    const config = loadConfig({
      PORT: '9000', DATABASE_URL: 'postgres://u:p@localhost/piste', PISTE_API_TOKEN: 'x'.repeat(32), PISTE_ADMIN_EMAIL: 'ada@acme.io',
      PISTE_ADMIN_PASSWORD: 'long enough', PISTE_SECRET: 's'.repeat(32), PISTE_RETENTION_DAYS: '30', PISTE_TRUST_PROXY: 'true',
      PISTE_WEBHOOK_ALLOW_PRIVATE: '1', PISTE_RATE_LIMIT: '10/20', DEMO_PORT: '9001',
    });
    expect(config).toMatchObject({ port: 9000, database: { dialect: 'pg' }, retentionDays: 30, trustProxy: true, webhookAllowPrivate: true, rateLimit: { perSecond: 10, burst: 20 }, demoPort: 9001 });
    expect(loadConfig({ DATABASE_URL: 'file:/var/lib/piste.db' }).database).toEqual({ dialect: 'sqlite', filename: '/var/lib/piste.db' });
    expect(loadConfig({ DATABASE_URL: ':memory:' }).database).toEqual({ dialect: 'sqlite', filename: ':memory:' });
  });

  it.each([
    ['PORT', 'abc'], ['PORT', '70000'], ['DATABASE_URL', 'mysql://x'], ['PISTE_RETENTION_DAYS', '-1'], ['PISTE_TRUST_PROXY', 'maybe'],
    ['PISTE_RATE_LIMIT', '50'], ['PISTE_RATE_LIMIT', '0/10'], ['PISTE_ADMIN_EMAIL', 'nope'], ['PISTE_SECRET', 'short'],
    // Digits only: Number() would read these as 0, 16, 1000 and 80.
    ['PORT', ' '], ['PORT', '0x10'], ['PISTE_RETENTION_DAYS', '1e3'], ['DEMO_PORT', '8e1'],
  ])('names %s in the error for %j', (name, value) => {
    expect(() => loadConfig({ [name]: value })).toThrow(ConfigError);
    expect(() => loadConfig({ [name]: value })).toThrow(new RegExp(`^${name}: `));
  });

  it('takes any sign-in email for the first user, admin@localhost (what npm start creates) included', () => {
    expect(loadConfig({ PISTE_ADMIN_EMAIL: ' Admin@Localhost ' }).adminEmail).toBe('admin@localhost');
    expect(loadConfig({ PISTE_ADMIN_EMAIL: 'noreply@corp.example' }).adminEmail).toBe('noreply@corp.example');
    expect(loadConfig({ PORT: ' 9000 ' }).port).toBe(9000);
  });

  it('does not echo secrets in errors', () => {
    expect(() => loadConfig({ PISTE_SECRET: 'short' })).not.toThrow(/short"/);
  });
});
