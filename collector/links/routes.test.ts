// Tests for the public email link routes through app.request(): pixel, redirect, and bad tokens.
import { describe, expect, it } from 'vitest';
import { fixedClock } from '../clock';
import { linkRoutes, type EmailEvent } from './routes';
import { createClickToken, createOpenToken } from './tokens';

const key = 'test-link-key';

function setup(opts: { failRecording?: boolean } = {}) {
  const events: EmailEvent[] = [];
  const errors: unknown[] = [];
  const clock = fixedClock(1_750_000_000_000);
  const app = linkRoutes({
    secret: key,
    clock,
    recordEmailEvent: async (e) => {
      if (opts.failRecording) throw new Error('lead was erased');
      events.push(e);
    },
    onError: (err) => errors.push(err),
  });
  return { app, events, errors, clock };
}

async function expectPixel(res: Response) {
  expect(res.status).toBe(200);
  expect(res.headers.get('content-type')).toBe('image/gif');
  expect(res.headers.get('cache-control')).toMatch(/no-store/);
  const bytes = new Uint8Array(await res.arrayBuffer());
  expect(Buffer.from(bytes.subarray(0, 6)).toString('latin1')).toBe('GIF89a');
  expect([bytes[6], bytes[8]]).toEqual([1, 1]); // 1×1
}

describe('GET /o/:token.gif', () => {
  it('answers the pixel and records email_open for a valid token', async () => {
    const { app, events } = setup();
    const token = createOpenToken(key, { leadId: 'lead1', site: 'acme', campaign: 'june' });
    await expectPixel(await app.request(`/o/${token}.gif`));
    expect(events).toEqual([{ leadId: 'lead1', site: 'acme', type: 'email_open', campaign: 'june' }]);
  });

  it('answers the pixel but records nothing for bad, tampered, expired, wrong-kind or suffix-less tokens', async () => {
    const { app, events, clock } = setup();
    const open = createOpenToken(key, { leadId: 'lead1', site: 'acme', exp: clock.now() + 1000 });
    const click = createClickToken(key, { leadId: 'lead1', site: 'acme', url: 'https://acme.com/' });
    clock.advance(1000);
    const fresh = createOpenToken(key, { leadId: 'lead1', site: 'acme' });
    for (const path of [`/o/${open}.gif`, `/o/${click}.gif`, `/o/${fresh}`, `/o/${fresh.slice(0, -1)}B.gif`, '/o/garbage.gif', '/o/.gif', `/o/${'%ff'.repeat(50)}.gif`]) {
      await expectPixel(await app.request(path));
    }
    expect(events).toEqual([]);
  });

  it('still answers the pixel when recording fails', async () => {
    const { app, errors } = setup({ failRecording: true });
    await expectPixel(await app.request(`/o/${createOpenToken(key, { leadId: 'gone', site: 'acme' })}.gif`));
    expect(errors).toHaveLength(1);
  });
});

describe('GET /c/:token', () => {
  it('redirects to the signed url and records email_click', async () => {
    const { app, events } = setup();
    const token = createClickToken(key, { leadId: 'lead1', site: 'acme', url: 'https://acme.com/pricing?utm_source=mail', campaign: 'june' });
    const res = await app.request(`/c/${token}`);
    expect(res.status).toBe(302);
    expect(res.headers.get('location')).toBe('https://acme.com/pricing?utm_source=mail');
    expect(res.headers.get('referrer-policy')).toBe('no-referrer');
    expect(events).toEqual([{ leadId: 'lead1', site: 'acme', type: 'email_click', campaign: 'june', url: 'https://acme.com/pricing?utm_source=mail' }]);
  });

  it('answers 404 in the error shape, records nothing and never redirects for a bad token', async () => {
    const { app, events, clock } = setup();
    const expiring = createClickToken(key, { leadId: 'l', site: 's', url: 'https://acme.com/', exp: clock.now() + 10 });
    const open = createOpenToken(key, { leadId: 'l', site: 's' });
    const valid = createClickToken(key, { leadId: 'l', site: 's', url: 'https://acme.com/' });
    const [, mac] = valid.split('.');
    const forged = Buffer.from(JSON.stringify({ k: 'c', l: 'l', s: 's', u: 'https://evil.example/' })).toString('base64url');
    clock.advance(10);
    for (const path of [`/c/${expiring}`, `/c/${open}`, `/c/${forged}.${mac}`, `/c/${valid.slice(0, -3)}`, '/c/https%3A%2F%2Fevil.example', '/c/x']) {
      const res = await app.request(path);
      expect(res.status).toBe(404);
      expect(res.headers.get('location')).toBeNull();
      expect(await res.json()).toEqual({ error: { code: 'not_found', message: 'This link is invalid or has expired.' } });
    }
    expect(events).toEqual([]);
  });

  it('still redirects when recording fails (the signed url is safe)', async () => {
    const { app, errors } = setup({ failRecording: true });
    const res = await app.request(`/c/${createClickToken(key, { leadId: 'gone', site: 's', url: 'https://acme.com/' })}`);
    expect(res.status).toBe(302);
    expect(errors).toHaveLength(1);
  });
});
