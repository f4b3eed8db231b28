// The contract between the webhook worker and its storage (implemented on the real database by the collector).

/** One queued webhook message, as the worker needs it to send an attempt. */
export type Delivery = {
  id: string; // also the `webhook-id` header: the same on every retry, so receivers can dedupe
  webhookId: string;
  url: string; // from the webhook row at claim time
  secret: string; // `whsec_…`, from the webhook row at claim time
  payload: string; // the JSON body, serialized once at enqueue time and sent byte for byte
  attempts: number; // attempts made before this one
  createdAt: number;
};

/**
 * Storage for the delivery queue. Times are ms since epoch. See README.md for the full contract;
 * in short: `claimDue` is atomic across processes, and every `mark*` counts one attempt, releases
 * the claim, and changes nothing once a delivery is `delivered` or `failed`.
 */
export interface DeliveryStore {
  /** Up to `limit` pending deliveries with next_attempt_at ≤ now and no live claim; claims them until now + lockMs. */
  claimDue(now: number, limit: number, lockMs: number): Promise<Delivery[]>;
  /** The attempt got a 2xx: status `delivered`. */
  markDelivered(id: string, now: number, status: number): Promise<void>;
  /** The attempt failed and will be tried again at `nextAttemptAt`. */
  markRetry(id: string, now: number, nextAttemptAt: number, status: number | null, error: string): Promise<void>;
  /** The last allowed attempt failed: status `failed`, the error stays visible. */
  markFailed(id: string, now: number, status: number | null, error: string): Promise<void>;
}
