// Tests that Piste's webhook signatures verify with the reference `standardwebhooks` receiver code.
import { describe, expect, it } from 'vitest';
import { Webhook } from 'standardwebhooks';
import { sendWebhook } from './deliver';
import { newWebhookSecret, signedHeaders } from './sign';
import { startReceiver } from './test-receiver';

describe('webhook signing', () => {
  it('makes whsec_ secrets of at least 24 random bytes, never twice the same', () => {
    const a = newWebhookSecret();
    expect(a).toMatch(/^whsec_[A-Za-z0-9+/]+=*$/);
    expect(Buffer.from(a.slice('whsec_'.length), 'base64').length).toBeGreaterThanOrEqual(24);
    expect(newWebhookSecret()).not.toBe(a);
  });

  it('is verified by a receiver using the standardwebhooks package, over HTTP', async () => {
    const secret = newWebhookSecret();
    const verdicts: unknown[] = [];
    const r = await startReceiver((req, res) => {
      try {
        verdicts.push(new Webhook(secret).verify(req.body, req.headers as Record<string, string>));
        res.end('ok');
      } catch (err) {
        verdicts.push(err);
        res.statusCode = 401;
        res.end('bad signature');
      }
    });
    try {
      const body = JSON.stringify({ type: 'lead.stage_changed', from: 'lead', to: 'mql', cause: 'score' });
      const headers = signedHeaders(secret, 'delivery-1', Date.now(), body);
      expect(await sendWebhook({ url: r.url, body, headers, allowPrivate: true })).toEqual({ status: 200 });
      expect(verdicts).toEqual([JSON.parse(body)]);
      expect(r.requests[0].headers['webhook-id']).toBe('delivery-1');
    } finally {
      await r.close();
    }
  });

  it('fails verification for a tampered body, another secret or another id', () => {
    const secret = newWebhookSecret();
    const body = '{"type":"lead.stage_changed","to":"sql"}';
    const headers = signedHeaders(secret, 'msg_1', Date.now(), body);
    expect(new Webhook(secret).verify(body, headers)).toEqual(JSON.parse(body));
    expect(() => new Webhook(secret).verify(body.replace('sql', 'mql'), headers)).toThrow();
    expect(() => new Webhook(newWebhookSecret()).verify(body, headers)).toThrow();
    expect(() => new Webhook(secret).verify(body, { ...headers, 'webhook-id': 'msg_2' })).toThrow();
  });

  it('puts the attempt time in seconds into webhook-timestamp', () => {
    const headers = signedHeaders(newWebhookSecret(), 'm', 1_700_000_000_999, '{}');
    expect(headers['webhook-timestamp']).toBe('1700000000');
    expect(headers['webhook-signature']).toMatch(/^v1,[A-Za-z0-9+/]+=*$/);
  });
});
