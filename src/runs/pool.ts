/**
 * Runs a sweep's unfinished runs on worker threads (each opens the store itself; SQLite's WAL
 * lets them write at once) and reports progress: runs finished, each worker's current run and
 * loss, and an ETA from the measured seconds per epoch.
 */
import { Worker } from 'node:worker_threads';
import type { FromWorker, ToWorker } from './sweep-worker.js';
import { RunStore, type StoredStatus } from './store.js';

export interface WorkerState {
  run: number;
  epoch: number;
  epochs: number;
  testLoss: number | null;
}

export interface PoolProgress {
  finished: number;
  total: number;
  counts: Partial<Record<StoredStatus, number>>;
  workers: (WorkerState | null)[];
  /** Seconds left, from the mean wall time of the epochs seen so far; NaN before the first. */
  etaSeconds: number;
  /** The run that just finished, if this report is about one. */
  justFinished?: { run: number; status: string };
}

const FINISHED: readonly StoredStatus[] = ['done', 'diverged', 'failed'];

/**
 * Worker threads do not inherit a TypeScript loader, so when running from source (tsx: tests, dev)
 * the worker registers tsx itself before importing the .ts entry; built code imports the .js.
 */
function workerEntry(script: URL): string {
  const load = `import(${JSON.stringify(script.href)})`;
  if (!script.pathname.endsWith('.ts')) return load;
  // Resolved here, not in the worker: an eval'd worker resolves bare names from the working folder.
  return `import(${JSON.stringify(import.meta.resolve('tsx/esm/api'))}).then((m) => { m.register(); return ${load}; })`;
}

export async function runPool(storePath: string, ids: readonly number[], workers: number, onProgress?: (p: PoolProgress) => void): Promise<PoolProgress> {
  const store = RunStore.open(storePath);
  const runs = ids.map((id) => store.run(id));
  store.close();
  const counts: Partial<Record<StoredStatus, number>> = {};
  const epochsLeft = new Map<number, number>();
  for (const r of runs) {
    if (FINISHED.includes(r.status)) counts[r.status] = (counts[r.status] ?? 0) + 1;
    else epochsLeft.set(r.id, r.config.epochs - r.epochsDone);
  }
  const queue = runs.filter((r) => !FINISHED.includes(r.status)).map((r) => r.id);
  const progress: PoolProgress = { finished: runs.length - queue.length, total: runs.length, counts, workers: [], etaSeconds: NaN };
  let epochSeconds = 0;
  let epochsSeen = 0;
  const n = Math.max(1, Math.min(workers, queue.length));
  const report = (justFinished?: { run: number; status: string }): void => {
    const left = [...epochsLeft.values()].reduce((a, b) => a + b, 0);
    progress.etaSeconds = epochsSeen === 0 ? NaN : (left * (epochSeconds / epochsSeen)) / n;
    onProgress?.({ ...progress, workers: [...progress.workers], ...(justFinished && { justFinished }) });
  };
  if (queue.length === 0) return progress;
  const ext = import.meta.url.endsWith('.ts') ? '.ts' : '.js';
  const script = new URL(`./sweep-worker${ext}`, import.meta.url);

  await Promise.all(
    Array.from({ length: n }, (_, w) => {
      progress.workers.push(null);
      return new Promise<void>((resolve, reject) => {
        const worker = new Worker(workerEntry(script), { eval: true, workerData: { storePath } });
        let current: number | null = null;
        const next = (): void => {
          const id = queue.shift();
          if (id === undefined) {
            progress.workers[w] = null;
            worker.postMessage({ stop: true } satisfies ToWorker);
            return;
          }
          current = id;
          worker.postMessage({ run: id } satisfies ToWorker);
        };
        worker.on('message', (m: FromWorker) => {
          if (m.kind === 'start') {
            progress.workers[w] = { run: m.run, epoch: m.epoch, epochs: m.epochs, testLoss: null };
            report();
          } else if (m.kind === 'epoch') {
            progress.workers[w] = { run: m.run, epoch: m.epoch, epochs: m.epochs, testLoss: m.testLoss };
            epochSeconds += m.wallSeconds;
            epochsSeen++;
            epochsLeft.set(m.run, m.epochs - m.epoch);
            report();
          } else {
            epochsLeft.delete(m.run);
            const status = m.status as StoredStatus;
            counts[status] = (counts[status] ?? 0) + 1;
            progress.finished++;
            current = null;
            report({ run: m.run, status });
            next();
          }
        });
        worker.on('error', reject);
        worker.on('exit', (code) => {
          if (current !== null) {
            // The thread died inside a run (not a JS error: executeRun records those): record it, go on.
            const s = RunStore.open(storePath);
            s.finish(current, 'failed', `worker thread exited with code ${code}`, null);
            s.close();
          }
          resolve();
        });
        next();
      });
    }),
  );
  return progress;
}
