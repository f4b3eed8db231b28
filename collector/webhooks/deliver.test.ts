// Tests for sendWebhook against real local receivers: results, timeouts, redirects and the SSRF guard.
import { afterEach, describe, expect, it } from 'vitest';
import { sendWebhook } from './deliver';
import { startReceiver, type Receiver } from './test-receiver';

const receivers: Receiver[] = [];
async function receiver(...args: Parameters<typeof startReceiver>): Promise<Receiver> {
  const r = await startReceiver(...args);
  receivers.push(r);
  return r;
}
afterEach(async () => {
  await Promise.all(receivers.splice(0).map((r) => r.close()));
});

const body = JSON.stringify({ type: 'lead.stage_changed' });
const resolvesTo = (address: string) => async () => [{ address, family: (address.includes(':') ? 6 : 4) as 4 | 6 }];

describe('sendWebhook to an allowed receiver', () => {
  it('POSTs the body and headers and reports a 2xx as success', async () => {
    const r = await receiver();
    const result = await sendWebhook({ url: r.url, body, headers: { 'webhook-id': 'd1' }, allowPrivate: true });
    expect(result).toEqual({ status: 200 });
    expect(r.requests).toHaveLength(1);
    expect(r.requests[0]).toMatchObject({ method: 'POST', url: '/hook', body });
    expect(r.requests[0].headers['content-type']).toBe('application/json');
    expect(r.requests[0].headers['webhook-id']).toBe('d1');
  });

  it('reports a 500 with the start of the answer', async () => {
    const r = await receiver((_req, res) => {
      res.statusCode = 500;
      res.end('database down');
    });
    expect(await sendWebhook({ url: r.url, body, allowPrivate: true })).toEqual({
      status: 500,
      error: 'HTTP 500: database down',
    });
  });

  it('reads at most a few KB of a huge answer and does not hang', async () => {
    const r = await receiver((_req, res) => {
      res.statusCode = 400;
      res.write('x'.repeat(64 * 1024));
      // never ends: the sender must stop reading on its own
    });
    const result = await sendWebhook({ url: r.url, body, allowPrivate: true, timeoutMs: 5000 });
    expect(result.status).toBe(400);
    expect(result.error!.length).toBeLessThan(300);
  });

  it('gives up after the timeout', async () => {
    const r = await receiver(() => {
      // never answers
    });
    const started = Date.now();
    const result = await sendWebhook({ url: r.url, body, allowPrivate: true, timeoutMs: 200 });
    expect(result).toEqual({ status: null, error: 'timed out after 200 ms' });
    expect(Date.now() - started).toBeLessThan(2000);
  });

  it('reports a refused connection', async () => {
    const r = await startReceiver();
    await r.close(); // the port is now closed
    const result = await sendWebhook({ url: r.url, body, allowPrivate: true });
    expect(result.status).toBeNull();
    expect(result.error).toMatch(/ECONNREFUSED/);
  });

  it('connects to the address its lookup checked, whatever the name', async () => {
    const r = await receiver();
    const url = `http://hooks.example.test:${r.port}/hook`;
    const result = await sendWebhook({ url, body, allowPrivate: true, lookup: resolvesTo('127.0.0.1') });
    expect(result).toEqual({ status: 200 });
    expect(r.requests[0].headers.host).toBe(`hooks.example.test:${r.port}`);
  });

  it('never follows a redirect, even to an allowed address', async () => {
    const target = await receiver();
    const r = await receiver((_req, res) => {
      res.writeHead(302, { location: target.url });
      res.end();
    });
    const result = await sendWebhook({ url: r.url, body, allowPrivate: true });
    expect(result).toEqual({ status: 302, error: `redirect to ${target.url} not followed` });
    expect(r.requests).toHaveLength(1);
    expect(target.connections).toBe(0);
  });
});

describe('sendWebhook never reaches forbidden addresses', () => {
  it.each([
    ['127.0.0.1', (port: number) => `http://127.0.0.1:${port}/hook`],
    ['localhost', (port: number) => `http://localhost:${port}/hook`],
    ['an odd spelling of 127.0.0.1', (port: number) => `http://0x7f.1:${port}/hook`],
    ['a decimal spelling of 127.0.0.1', (port: number) => `http://2130706433:${port}/hook`],
    ['an IPv4-mapped IPv6 127.0.0.1', (port: number) => `http://[::ffff:127.0.0.1]:${port}/hook`],
  ])('refuses %s without opening a connection', async (_name, urlFor) => {
    const r = await receiver();
    const result = await sendWebhook({ url: urlFor(r.port), body });
    expect(result.status).toBeNull();
    expect(result.error).toMatch(/private|local name/);
    expect(r.connections).toBe(0);
  });

  it('refuses [::1] without opening a connection', async () => {
    const r = await receiver(undefined, '::1');
    const result = await sendWebhook({ url: r.url, body });
    expect(result.error).toMatch(/private/);
    expect(r.connections).toBe(0);
    // and the same receiver is reachable when private addresses are allowed: the test can fail
    expect(await sendWebhook({ url: r.url, body, allowPrivate: true })).toEqual({ status: 200 });
  });

  it('refuses a name that resolves to 127.0.0.1', async () => {
    const r = await receiver();
    const url = `http://rebind.example.test:${r.port}/hook`;
    const result = await sendWebhook({ url, body, lookup: resolvesTo('127.0.0.1') });
    expect(result.error).toMatch(/127\.0\.0\.1 is private/);
    expect(r.connections).toBe(0);
  });

  it('resolves a name once, at connect time, and connects to that checked answer (no rebinding gap)', async () => {
    const r = await receiver();
    const calls: string[] = [];
    // A rebinding resolver: whatever asks second would get another address.
    const rebinding = async (host: string) => {
      calls.push(host);
      return [{ address: calls.length === 1 ? '127.0.0.1' : '127.0.0.2', family: 4 as const }];
    };
    const result = await sendWebhook({ url: `http://rebind.example.test:${r.port}/hook`, body, allowPrivate: true, lookup: rebinding });
    expect(result).toEqual({ status: 200 });
    expect(calls).toEqual(['rebind.example.test']);
  });

  it('refuses the cloud metadata address and names, even with private addresses allowed', async () => {
    for (const url of ['http://169.254.169.254/latest/meta-data/', 'http://metadata.google.internal/']) {
      const result = await sendWebhook({ url, body, allowPrivate: true, lookup: resolvesTo('169.254.169.254') });
      expect(result).toEqual({ status: null, error: expect.stringMatching(/metadata/) });
    }
    const viaName = await sendWebhook({ url: 'http://sneaky.example.test/', body, lookup: resolvesTo('169.254.169.254') });
    expect(viaName.error).toMatch(/metadata/);
  });

  it('reports a header Node refuses instead of throwing, and sends nothing', async () => {
    const r = await receiver();
    const result = await sendWebhook({ url: r.url, body, headers: { 'x-bad': 'a\r\nx-injected: 1' }, allowPrivate: true });
    expect(result.status).toBeNull();
    expect(result.error).toMatch(/header/i);
    expect(r.requests).toHaveLength(0);
  });

  it('refuses non-http schemes and credentials', async () => {
    expect((await sendWebhook({ url: 'ftp://example.com/', body })).error).toMatch(/http or https/);
    expect((await sendWebhook({ url: 'https://a:b@example.com/', body })).error).toMatch(/credentials/);
  });
});
