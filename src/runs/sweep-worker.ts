/** A sweep worker thread: runs the stored runs the main thread hands it, reporting every epoch. */
import { parentPort, workerData } from 'node:worker_threads';
import { executeRun } from './execute.js';
import { problemOfRun } from './problems.js';
import { RunStore } from './store.js';

export type ToWorker = { run: number } | { stop: true };
export type FromWorker =
  | { kind: 'start'; run: number; epoch: number; epochs: number }
  | { kind: 'epoch'; run: number; epoch: number; epochs: number; testLoss: number; wallSeconds: number }
  | { kind: 'done'; run: number; status: string };

const port = parentPort!;
const store = RunStore.open((workerData as { storePath: string }).storePath);
const post = (m: FromWorker): void => port.postMessage(m);

port.on('message', async (m: ToWorker) => {
  if ('stop' in m) {
    store.close();
    port.close();
    return;
  }
  let definition;
  try {
    definition = await problemOfRun(store.run(m.run));
  } catch (e) {
    store.finish(m.run, 'failed', (e as Error).message, null);
    post({ kind: 'done', run: m.run, status: 'failed' });
    return;
  }
  const { status } = executeRun(store, m.run, definition, {
    onStart: (t) => post({ kind: 'start', run: m.run, epoch: t.epoch, epochs: t.config.epochs }),
    onEpoch: ({ epoch, epochs, record, wallSeconds }) => post({ kind: 'epoch', run: m.run, epoch, epochs, testLoss: record.testLoss, wallSeconds }),
  });
  post({ kind: 'done', run: m.run, status });
});
