/**
 * A worker's loop: take the next run from the queue, train it (checkpoints in the store), settle
 * it, again — until the queue is idle (if told to exit then) or a stop is requested, in which case
 * the current run is checkpointed after its epoch and handed back at once.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { executeRun, type ExecuteStatus } from './execute.js';
import type { RunQueue } from './queue.js';
import type { RunStore } from './store.js';

export type WorkEvent =
  | { kind: 'start'; run: number; epoch: number; epochs: number }
  | { kind: 'epoch'; run: number; epoch: number; epochs: number; testLoss: number; wallSeconds: number }
  | { kind: 'done'; run: number; status: ExecuteStatus };

export interface WorkOptions {
  exitWhenIdle: boolean;
  /** Wait between looks at an empty queue, ms. */
  pollMs: number;
  shouldStop: () => boolean;
  /** Checkpoint every this many epochs (default 1; always at the end, on a stop and at a lease's half). */
  checkpointEvery?: number;
  onEvent: (e: WorkEvent) => void;
}

export async function workLoop(store: RunStore, queue: RunQueue, o: WorkOptions): Promise<void> {
  while (!o.shouldStop()) {
    const c = await queue.next();
    if (!c) {
      if (o.exitWhenIdle && (await queue.idle())) return;
      for (let waited = 0; waited < o.pollMs && !o.shouldStop(); waited += 100) await sleep(Math.min(100, o.pollMs));
      continue;
    }
    const { status } = await executeRun(store, c.run, {
      owner: c.owner,
      checkpointEvery: o.checkpointEvery ?? 1,
      leaseSeconds: c.leaseSeconds,
      ...(c.deadline !== undefined && { deadline: c.deadline }),
      shouldStop: o.shouldStop,
      onStart: (t) => o.onEvent({ kind: 'start', run: c.run, epoch: t.epoch, epochs: t.config.epochs }),
      onEpoch: ({ epoch, epochs, record, wallSeconds }) => o.onEvent({ kind: 'epoch', run: c.run, epoch, epochs, testLoss: record.testLoss, wallSeconds }),
    });
    await queue.settle(c, status);
    o.onEvent({ kind: 'done', run: c.run, status });
  }
}
