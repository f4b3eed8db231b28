// In-memory DeliveryStore with the same semantics the database implementation must have (for tests).
import { newId } from '../ids';
import type { Delivery, DeliveryStore } from './store';

export type DeliveryStatus = 'pending' | 'delivered' | 'failed';

/** A stored delivery, shaped like a `webhook_deliveries` row joined with its webhook's url and secret. */
export type DeliveryRow = Delivery & {
  status: DeliveryStatus;
  nextAttemptAt: number;
  lockedUntil: number | null;
  lastStatus: number | null;
  lastError: string | null;
  deliveredAt: number | null;
};

export class MemoryDeliveryStore implements DeliveryStore {
  private readonly rows = new Map<string, DeliveryRow>();

  /** Queues a delivery, due at once. Returns its id. */
  enqueue(input: { webhookId: string; url: string; secret: string; payload: string; now: number; id?: string }): string {
    const id = input.id ?? newId();
    const { webhookId, url, secret, payload, now } = input;
    this.rows.set(id, {
      id, webhookId, url, secret, payload, attempts: 0, createdAt: now, status: 'pending',
      nextAttemptAt: now, lockedUntil: null, lastStatus: null, lastError: null, deliveredAt: null,
    });
    return id;
  }

  /** A copy of a stored delivery, to inspect in tests. */
  get(id: string): DeliveryRow | undefined {
    const row = this.rows.get(id);
    return row && { ...row };
  }

  async claimDue(now: number, limit: number, lockMs: number): Promise<Delivery[]> {
    const due = [...this.rows.values()]
      .filter((r) => r.status === 'pending' && r.nextAttemptAt <= now && (r.lockedUntil === null || r.lockedUntil <= now))
      .sort((a, b) => a.nextAttemptAt - b.nextAttemptAt)
      .slice(0, limit);
    for (const row of due) row.lockedUntil = now + lockMs;
    return due.map(({ id, webhookId, url, secret, payload, attempts, createdAt }) => ({
      id, webhookId, url, secret, payload, attempts, createdAt,
    }));
  }

  async markDelivered(id: string, now: number, status: number): Promise<void> {
    this.finishAttempt(id, { status: 'delivered', lastStatus: status, lastError: null, deliveredAt: now });
  }

  async markRetry(id: string, _now: number, nextAttemptAt: number, status: number | null, error: string): Promise<void> {
    this.finishAttempt(id, { nextAttemptAt, lastStatus: status, lastError: error });
  }

  async markFailed(id: string, _now: number, status: number | null, error: string): Promise<void> {
    this.finishAttempt(id, { status: 'failed', lastStatus: status, lastError: error });
  }

  // A late answer from a worker whose claim expired must not reopen a finished delivery.
  private finishAttempt(id: string, changes: Partial<DeliveryRow>): void {
    const row = this.rows.get(id);
    if (!row || row.status !== 'pending') return;
    Object.assign(row, changes, { attempts: row.attempts + 1, lockedUntil: null });
  }
}
