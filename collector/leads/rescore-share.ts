// What the two threads of a rescore share: ranges of positions, each handed out once, and whose turn it is to write.
// No imports: the test runs it in a plain worker thread too.

/**
 * One piece of work: the leads or the anonymous visitors at positions (after, until], or all of them. `endgame`: at most
 * one range was left for the other thread when this one was handed out (see rescorePass).
 */
export type Task = { kind: 'leads' | 'visitors'; after: number; until?: number; endgame?: true };
/** The next task, or null when there is none left. */
export type Tasks = () => Task | null;

/** Every lead, then every anonymous visitor (or the kinds given), as single tasks: for one thread, or any positions. */
export function wholeTasks(...kinds: Task['kind'][]): Tasks {
  const queue = kinds.map((kind): Task => ({ kind, after: 0 }));
  return () => queue.shift() ?? null;
}

/**
 * What two threads share: `cells` (three Int32s, zero at first: the next range of leads, of visitors, and the write
 * turn), the highest positions, and the width of a range.
 */
export type SharedPlan = { cells: SharedArrayBuffer; last: { leads: number; visitors: number }; width: number };

/** Each Int32 of `cells`, by its index. */
const CELL = { leads: 0, visitors: 1, turn: 2 } as const;
const cell = (plan: SharedPlan, name: keyof typeof CELL) => new Int32Array(plan.cells, CELL[name] * 4, 1);

export function sharedPlan(last: SharedPlan['last'], width: number): SharedPlan {
  return { cells: new SharedArrayBuffer(Object.keys(CELL).length * 4), last, width };
}

/**
 * The plan's ranges, handed out in order to whichever thread asks first, so each is rescored once: ranges of the
 * `first` kind while there are some, then of the other. The main thread starts with the leads and the worker with the
 * visitors, so each kind's pages stay in one connection's cache until one thread runs out and helps the other.
 */
export function sharedTasks(plan: SharedPlan, first: Task['kind']): Tasks {
  const kinds: Task['kind'][] = first === 'leads' ? ['leads', 'visitors'] : ['visitors', 'leads'];
  const next = { leads: cell(plan, 'leads'), visitors: cell(plan, 'visitors') };
  /** Ranges of `kind` not handed out yet (the counter runs past the last one when both threads ask at the end). */
  const left = (kind: Task['kind']) => Math.max(0, Math.ceil(plan.last[kind] / plan.width) - Atomics.load(next[kind], 0));
  return () => {
    for (const kind of kinds) {
      if (left(kind) === 0) continue;
      const after = Atomics.add(next[kind], 0, 1) * plan.width;
      if (after >= plan.last[kind]) continue;
      const task: Task = { kind, after, until: after + plan.width };
      if (left('leads') + left('visitors') <= 1) task.endgame = true;
      return task;
    }
    return null;
  };
}

/**
 * Whose turn it is to write, between the threads of one rescore. SQLite has one writer at a time, and its busy handler
 * sleeps in steps of up to 100 ms: a thread that found the other writing slept through most of 2.4 s of one run. Here a
 * thread whose turn it is not scores its next page instead, and one that must wait wakes when the turn is given.
 * Between processes (a collector writing meanwhile) SQLite's busy timeout still decides.
 */
export class WriteTurn {
  private readonly cell: Int32Array;

  /** `plan`: the turn the plan's threads share; without it, a turn of this thread's own (always free). */
  constructor(plan?: SharedPlan) {
    this.cell = plan ? cell(plan, 'turn') : new Int32Array(new SharedArrayBuffer(4));
  }

  tryTake(): boolean {
    return Atomics.compareExchange(this.cell, 0, 0, 1) === 0;
  }

  async take(): Promise<void> {
    // A pending waitAsync holds no reference on the event loop (nodejs/node#44729): without a timer the worker's loop
    // found nothing left to do and the wait never ended.
    const alive = setInterval(() => {}, 60_000);
    try {
      while (!this.tryTake()) await Atomics.waitAsync(this.cell, 0, 1).value; // `give` notifies
    } finally {
      clearInterval(alive);
    }
  }

  give(): void {
    Atomics.store(this.cell, 0, 0);
    Atomics.notify(this.cell, 0);
  }
}
