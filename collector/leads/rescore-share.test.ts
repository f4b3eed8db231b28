// What two rescore threads share: ranges handed out once each, and a write turn only one thread holds.
import { Worker } from 'node:worker_threads';
import { describe, expect, it } from 'vitest';
import fs from 'node:fs';
import ts from 'typescript';
import { sharedPlan, sharedTasks, wholeTasks, WriteTurn, type Task } from './rescore-share';

const drain = (next: () => Task | null) => {
  const out: Task[] = [];
  for (let t = next(); t; t = next()) out.push(t);
  return out;
};

describe('rescore tasks', () => {
  it('hands every range out once, each thread starting with its own kind and then helping with the other', () => {
    const plan = sharedPlan({ leads: 25, visitors: 12 }, 10);
    const main = sharedTasks(plan, 'leads');
    const worker = sharedTasks(plan, 'visitors');
    expect(main()).toEqual({ kind: 'leads', after: 0, until: 10 });
    expect(worker()).toEqual({ kind: 'visitors', after: 0, until: 10 });
    expect(worker()).toEqual({ kind: 'visitors', after: 10, until: 20 });
    // No visitors left: it helps with the leads. One range is left for main after this one: the endgame.
    expect(worker()).toEqual({ kind: 'leads', after: 10, until: 20, endgame: true });
    expect(drain(main)).toEqual([{ kind: 'leads', after: 20, until: 30, endgame: true }]);
    expect(worker()).toBeNull();
  });

  it('marks the endgame only once at most one range is left, whichever kind', () => {
    const plan = sharedPlan({ leads: 30, visitors: 30 }, 10);
    const main = sharedTasks(plan, 'leads');
    const worker = sharedTasks(plan, 'visitors');
    const handed = [main(), worker(), main(), worker(), main(), worker()];
    expect(handed.map((t) => t?.endgame ?? false)).toEqual([false, false, false, false, true, true]);
    expect(main()).toBeNull();
  });

  it('gives no range when there is nothing at all', () => {
    expect(drain(sharedTasks(sharedPlan({ leads: 0, visitors: 0 }, 10), 'leads'))).toEqual([]);
  });

  it('without a plan: each kind whole, in the order given', () => {
    expect(drain(wholeTasks('leads', 'visitors'))).toEqual([{ kind: 'leads', after: 0 }, { kind: 'visitors', after: 0 }]);
  });
});

describe('WriteTurn', () => {
  it('is held by one taker at a time, and a waiting one gets it as soon as it is given', async () => {
    const plan = sharedPlan({ leads: 1, visitors: 1 }, 1);
    const a = new WriteTurn(plan);
    const b = new WriteTurn(plan);
    expect(a.tryTake()).toBe(true);
    expect(b.tryTake()).toBe(false);
    let got = false;
    const waiting = b.take().then(() => (got = true));
    await new Promise((r) => setTimeout(r, 20));
    expect(got).toBe(false);
    a.give();
    await waiting;
    expect(a.tryTake()).toBe(false); // b holds it now
    b.give();
    expect(a.tryTake()).toBe(true);
  });

  it('wakes a thread that waits for a turn another thread gives, and its own turn is always free', async () => {
    expect(new WriteTurn().tryTake()).toBe(true);
    const plan = sharedPlan({ leads: 1, visitors: 1 }, 1);
    const mine = new WriteTurn(plan);
    expect(mine.tryTake()).toBe(true);
    // The module as plain JavaScript in a worker with nothing else to do: no TypeScript loader, no timer, no message
    // handler keeping its event loop alive, as in the build.
    const js = ts.transpileModule(fs.readFileSync(new URL('./rescore-share.ts', import.meta.url), 'utf8'), {
      compilerOptions: { module: ts.ModuleKind.ESNext, target: ts.ScriptTarget.ES2022 },
    }).outputText;
    const main = `import { workerData, parentPort } from 'node:worker_threads';
      const { WriteTurn } = await import(${JSON.stringify(`data:text/javascript,${encodeURIComponent(js)}`)});
      const turn = new WriteTurn(workerData);
      await turn.take();
      parentPort.postMessage('taken');
      turn.give();`;
    const worker = new Worker(new URL(`data:text/javascript,${encodeURIComponent(main)}`), { workerData: plan });
    const taken = new Promise((resolve, reject) => {
      worker.once('message', resolve);
      worker.once('exit', (code) => reject(new Error(`worker exited (${code}) without the turn`)));
    });
    await new Promise((r) => setTimeout(r, 300));
    mine.give();
    expect(await taken).toBe('taken');
    await new WriteTurn(plan).take(); // given back by the worker
    await worker.terminate();
  });
});
