// Group commit: requests arriving while a transaction runs are committed together in the next one.
import type { GroupResult } from '../db/repository';

export type GroupWriter<I, R> = {
  /** Resolves with the item's result once its group has committed; rejects if the item (or the commit) failed. */
  write(item: I): Promise<R>;
  /** Resolves when everything queued so far has been committed (used on shutdown). */
  drain(): Promise<void>;
};

type Pending<I, R> = { item: I; resolve: (r: R) => void; reject: (e: unknown) => void };

/**
 * `commit` runs a whole group in one transaction and returns one result per item (see Repository.writeGroup).
 * @example const writer = createGroupWriter((items) => db.writeGroup(items, processBatch))
 */
export function createGroupWriter<I, R>(commit: (items: I[]) => Promise<GroupResult<R>[]>): GroupWriter<I, R> {
  let queue: Pending<I, R>[] = [];
  let running: Promise<void> | null = null;
  let scheduled = false;

  function schedule() {
    if (scheduled || running) return;
    scheduled = true;
    // setImmediate lets the requests already read in this turn of the event loop join the group.
    setImmediate(() => {
      scheduled = false;
      running = flush().finally(() => {
        running = null;
        if (queue.length > 0) schedule();
      });
    });
  }

  async function flush() {
    const group = queue;
    queue = [];
    try {
      const results = await commit(group.map((p) => p.item));
      group.forEach((p, i) => {
        const r = results[i];
        if (r?.ok) p.resolve(r.value);
        else p.reject(r ? r.error : new Error('group commit returned no result'));
      });
    } catch (error) {
      for (const p of group) p.reject(error);
    }
  }

  return {
    write(item) {
      return new Promise<R>((resolve, reject) => {
        queue.push({ item, resolve, reject });
        schedule();
      });
    },
    async drain() {
      while (queue.length > 0 || running || scheduled) {
        await (running ?? new Promise((r) => setImmediate(r)));
      }
    },
  };
}
