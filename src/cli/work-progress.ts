/** Progress lines of a pool of worker threads (`sweep`, `worker`) and their graceful stop on SIGINT/SIGTERM. */
import { runPool, type PoolProgress } from '../runs/pool.js';
import type { ProblemSource } from '../runs/problems.js';
import { openQueue } from '../runs/queue.js';
import { RunStore, type StoredStatus } from '../runs/store.js';
import { ensureSweep, type SweepPlan } from '../runs/sweep.js';
import { EXIT_DIVERGED, EXIT_FAILED } from './train-run.js';
import { duration, sci } from './format.js';

/** One line: finished runs, each thread's run, epoch and loss, ETA. */
export function progressLine(p: PoolProgress): string {
  const current = p.workers
    .filter((w) => w !== null)
    .map((w) => `#${w!.run} ${w!.epoch}/${w!.epochs}${w!.testLoss === null ? '' : ` ${sci(w!.testLoss, 3)}`}`)
    .join(' | ');
  const total = Number.isNaN(p.total) ? '' : `/${p.total}`;
  const eta = Number.isNaN(p.total) ? '' : `  ETA ${duration(p.etaSeconds)}`;
  return `${p.finished}${total} runs finished  ${current}${eta}`;
}

/** A progress callback: a redrawn line on a terminal, else a line per finished run and one every 10 s. */
export function progressPrinter(): { onProgress: (p: PoolProgress) => void; end: () => void } {
  const tty = process.stderr.isTTY === true;
  let lastPrint = 0;
  return {
    onProgress: (p) => {
      if (p.justFinished && !tty) process.stderr.write(`run ${p.justFinished.run}: ${p.justFinished.status}\n`);
      const now = Date.now();
      if (tty && now - lastPrint > 200) {
        process.stderr.write(`\r\x1b[K${progressLine(p)}`);
        lastPrint = now;
      } else if (!tty && now - lastPrint > 10000) {
        process.stderr.write(progressLine(p) + '\n');
        lastPrint = now;
      }
    },
    end: () => {
      if (tty) process.stderr.write('\r\x1b[K');
    },
  };
}

/**
 * The first SIGINT/SIGTERM asks the threads to checkpoint and hand their runs back (the shared
 * flag); a second one exits at once (the runs then resume from their last checkpoints).
 */
export function gracefulStop(): { flag: SharedArrayBuffer; dispose: () => void } {
  const flag = new SharedArrayBuffer(4);
  const stopFlag = new Int32Array(flag);
  const onSignal = (signal: NodeJS.Signals): void => {
    if (Atomics.load(stopFlag, 0) === 1) process.exit(130);
    Atomics.store(stopFlag, 0, 1);
    process.stderr.write(`\n${signal}: checkpointing and handing the runs back (again to quit at once)\n`);
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  return {
    flag,
    dispose: () => {
      process.off('SIGINT', onSignal);
      process.off('SIGTERM', onSignal);
    },
  };
}

export interface SweepRunsOptions {
  /** Lease of claimed runs, seconds (SQLite claims; pg-boss job expiry). */
  leaseSeconds?: number;
  checkpointEvery?: number;
}

/**
 * The sweeps' runs in the store (created where missing, queued on PostgreSQL), in the order given:
 * a pool takes runs in id order, so earlier sweeps run first. Returns their ids and a note of
 * how many were newly queued.
 */
export async function createSweepRuns(
  location: string,
  plans: readonly SweepPlan[],
  source?: ProblemSource,
  leaseSeconds?: number,
  /** The weights of warm-started runs (config.init), their epoch-0 checkpoint. */
  initial: Float64Array | null = null,
): Promise<{ ids: number[]; queued: string; storePath: string }> {
  const store = await RunStore.open(location);
  const ids: number[] = [];
  let queued = '';
  try {
    for (const plan of plans) ids.push(...(await ensureSweep(store, plan, source, initial)));
    if (store.kind === 'postgres') {
      const queue = await openQueue(store, ids, leaseSeconds);
      try {
        queued = `, ${await queue.enqueue(ids)} newly queued`;
      } finally {
        await queue.close();
      }
    }
  } finally {
    await store.close();
  }
  return { ids, queued, storePath: store.path };
}

/**
 * Trains the runs on worker threads with a progress line and a graceful stop, then returns how
 * many of them ended in each status and sets the exit code: 4 when one failed, 3 when one diverged.
 */
export async function trainRuns(location: string, ids: readonly number[], workers: number, opts: SweepRunsOptions = {}): Promise<Map<StoredStatus, number>> {
  const printer = progressPrinter();
  const stop = gracefulStop();
  try {
    await runPool(location, ids, workers, printer.onProgress, { stop: stop.flag, ...opts });
  } finally {
    stop.dispose();
    printer.end();
  }
  const store = await RunStore.open(location, { create: false });
  const mine = new Set(ids);
  const counts = new Map<StoredStatus, number>();
  try {
    for (const r of await store.runs()) if (mine.has(r.id)) counts.set(r.status, (counts.get(r.status) ?? 0) + 1);
  } finally {
    await store.close();
  }
  setExitCodeFor(counts.keys());
  return counts;
}

/** The exit code of a command that trained runs ending in these statuses: 4 when one failed, else 3 when one diverged. */
export function setExitCodeFor(statuses: Iterable<string>): void {
  const seen = new Set(statuses);
  if (seen.has('failed')) process.exitCode = EXIT_FAILED;
  else if (seen.has('diverged')) process.exitCode = EXIT_DIVERGED;
}
