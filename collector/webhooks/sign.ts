// Standard Webhooks signing (via the `standardwebhooks` package) and webhook secret generation.
import { randomBytes } from 'node:crypto';
import { Webhook } from 'standardwebhooks';

export type SignedHeaders = { 'webhook-id': string; 'webhook-timestamp': string; 'webhook-signature': string };

/**
 * A new webhook secret in the Standard Webhooks form: `whsec_` + base64 of 32 random bytes.
 * Shown once to the API client; receivers pass it to `new Webhook(secret)`.
 */
export function newWebhookSecret(): string {
  return `whsec_${randomBytes(32).toString('base64')}`;
}

/**
 * The three Standard Webhooks headers for one message. `msgId` stays the same across retries of one
 * delivery (receivers dedupe on it); `timestampMs` is the time of this attempt.
 *
 * @example signedHeaders(secret, delivery.id, clock.now(), delivery.payload)
 */
export function signedHeaders(secret: string, msgId: string, timestampMs: number, body: string): SignedHeaders {
  const timestamp = new Date(Math.floor(timestampMs / 1000) * 1000);
  return {
    'webhook-id': msgId,
    'webhook-timestamp': String(timestamp.getTime() / 1000),
    'webhook-signature': new Webhook(secret).sign(msgId, timestamp, body),
  };
}
