/** Progress lines of a pool of worker threads (`sweep`, `worker`) and their graceful stop on SIGINT/SIGTERM. */
import type { PoolProgress } from '../runs/pool.js';
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
