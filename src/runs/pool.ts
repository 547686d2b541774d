/**
 * Runs the work loop on worker threads (each opens the store and its queue itself) and reports
 * progress: runs finished, each thread's current run and loss, and an ETA from the measured
 * seconds per epoch. With a list of runs (a sweep) the progress is about those; without, about
 * whatever this process trains (`sbptt worker`).
 */
import type { FromWorker, ThreadData } from './sweep-worker.js';
import { EtaEstimator } from './eta.js';
import { RunStore, type StoredStatus } from './store.js';
import { siblingScript, startThread } from './thread.js';

export interface WorkerState {
  run: number;
  epoch: number;
  epochs: number;
  testLoss: number | null;
}

export interface PoolProgress {
  /** Finished runs: of the given runs, or the ones this process finished. */
  finished: number;
  /** The given runs' count (NaN without a list). */
  total: number;
  counts: Partial<Record<StoredStatus, number>>;
  workers: (WorkerState | null)[];
  /** Seconds left, from the wall time of alike runs' epochs seen so far (eta.ts); NaN before the first or without a list. */
  etaSeconds: number;
  /** The run that just finished (or was handed back: status 'paused'), if this report is about one. */
  justFinished?: { run: number; status: string };
}

export interface PoolOptions {
  /** Exit when the queue is idle (default true). */
  exitWhenIdle?: boolean;
  /** Lease of claimed runs, seconds (SQLite claims; pg-boss job expiry of enqueued runs). */
  leaseSeconds?: number;
  /** Wait between looks at an empty queue, ms (default 1000). */
  pollMs?: number;
  /** Checkpoint every this many epochs (default 1). */
  checkpointEvery?: number;
  /** Set to request a graceful stop: threads checkpoint, hand their runs back and exit. */
  stop?: SharedArrayBuffer;
}

const FINISHED: readonly StoredStatus[] = ['done', 'diverged', 'failed'];

export async function runPool(
  location: string,
  ids: readonly number[] | null,
  workers: number,
  onProgress?: (p: PoolProgress) => void,
  opts: PoolOptions = {},
): Promise<PoolProgress> {
  const store = await RunStore.open(location, { create: false });
  const runs = ids ? await Promise.all(ids.map((id) => store.run(id))) : [];
  await store.close();
  const mine = new Set(ids ?? []);
  const counts: Partial<Record<StoredStatus, number>> = {};
  for (const r of runs) if (FINISHED.includes(r.status)) counts[r.status] = (counts[r.status] ?? 0) + 1;
  const open = runs.length - Object.values(counts).reduce((a, b) => a + b, 0);
  const progress: PoolProgress = { finished: runs.length - open, total: ids ? runs.length : NaN, counts, workers: [], etaSeconds: NaN };
  if (ids && open === 0) return progress;
  const n = Math.max(1, ids ? Math.min(workers, open) : workers);
  const eta = new EtaEstimator(runs.filter((r) => !FINISHED.includes(r.status)), n);
  const report = (justFinished?: { run: number; status: string }): void => {
    progress.etaSeconds = ids ? eta.seconds() : NaN;
    onProgress?.({ ...progress, workers: [...progress.workers], ...(justFinished && { justFinished }) });
  };
  const script = siblingScript('sweep-worker', import.meta.url);
  const data: ThreadData = {
    location,
    ids: ids ? [...ids] : null,
    ...(opts.leaseSeconds !== undefined && { leaseSeconds: opts.leaseSeconds }),
    exitWhenIdle: opts.exitWhenIdle ?? true,
    pollMs: opts.pollMs ?? 1000,
    checkpointEvery: opts.checkpointEvery ?? 1,
    stop: opts.stop ?? new SharedArrayBuffer(4),
  };
  const errors: string[] = [];

  await Promise.all(
    Array.from({ length: n }, (_, w) => {
      progress.workers.push(null);
      return new Promise<void>((resolve) => {
        const worker = startThread(script, data);
        worker.on('message', (m: FromWorker) => {
          if (m.kind === 'error') errors.push(m.message);
          else if (m.kind === 'start') {
            progress.workers[w] = { run: m.run, epoch: m.epoch, epochs: m.epochs, testLoss: null };
            report();
          } else if (m.kind === 'epoch') {
            progress.workers[w] = { run: m.run, epoch: m.epoch, epochs: m.epochs, testLoss: m.testLoss };
            eta.epoch(m.run, m.epoch, m.epochs, m.wallSeconds);
            report();
          } else {
            progress.workers[w] = null;
            const status = m.status;
            if ((status === 'done' || status === 'diverged' || status === 'failed') && (!ids || mine.has(m.run))) {
              eta.finished(m.run);
              counts[status] = (counts[status] ?? 0) + 1;
              progress.finished++;
            }
            report({ run: m.run, status });
          }
        });
        worker.on('error', (e) => errors.push(e.message));
        worker.on('exit', () => resolve());
      });
    }),
  );
  // A thread that cannot open the store or queue says why once (all threads say the same).
  if (errors.length > 0) throw new Error([...new Set(errors)].join('; '));
  return progress;
}
