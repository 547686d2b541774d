/**
 * A worker thread: opens the store and its queue itself and runs the work loop, reporting every
 * epoch. The main thread asks it to stop through a shared flag (read between epochs: the epochs
 * keep the thread's event loop busy).
 */
import { parentPort, workerData } from 'node:worker_threads';
import { openQueue } from './queue.js';
import { RunStore } from './store.js';
import { workLoop, type WorkEvent } from './work.js';

export interface ThreadData {
  location: string;
  /** SQLite: only these runs (a sweep's); null: any sweep's. */
  ids: number[] | null;
  leaseSeconds?: number;
  exitWhenIdle: boolean;
  pollMs: number;
  checkpointEvery: number;
  /** Int32 flag: 1 = checkpoint, hand the run back, exit. */
  stop: SharedArrayBuffer;
}

export type FromWorker = WorkEvent | { kind: 'error'; message: string };

const port = parentPort!;
const data = workerData as ThreadData;
const stop = new Int32Array(data.stop);
const post = (m: FromWorker): void => port.postMessage(m);

try {
  const store = await RunStore.open(data.location, { create: false });
  try {
    const queue = await openQueue(store, data.ids ?? undefined, data.leaseSeconds);
    try {
      await workLoop(store, queue, { exitWhenIdle: data.exitWhenIdle, pollMs: data.pollMs, checkpointEvery: data.checkpointEvery, shouldStop: () => Atomics.load(stop, 0) === 1, onEvent: post });
    } finally {
      await queue.close();
    }
  } finally {
    await store.close();
  }
} catch (e) {
  post({ kind: 'error', message: (e as Error).message });
}
port.close();
