/** `sbptt worker`: trains queued runs of any sweep from a shared store; `sbptt migrate`: upgrades a store's schema. */
import { availableParallelism } from 'node:os';
import { Command } from 'commander';
import { runPool } from '../runs/pool.js';
import { SCHEMA_VERSION } from '../runs/store-schema.js';
import { defaultStorePath, RunStore, STORE_HELP } from '../runs/store.js';
import { LIMITS, parsePositiveInt } from '../train/config.js';
import { gracefulStop, progressPrinter, setExitCodeFor } from './work-progress.js';

interface WorkerFlags {
  store?: string;
  concurrency?: string;
  exitWhenIdle?: boolean;
  poll?: string;
  checkpointEvery?: string;
}

export function workerCommand(): Command {
  return new Command('worker')
    .description('train queued runs of any sweep in the store, with checkpoints there; on a postgres:// store, from any machine')
    .option('--store <file|url>', STORE_HELP)
    .option('--concurrency <n>', 'runs trained at once, one thread each (default 1)')
    .option('--exit-when-idle', 'exit once nothing is queued or being trained (default: wait for new runs)')
    .option('--poll <seconds>', 'wait between looks at an empty queue (default 2)')
    .option('--checkpoint-every <epochs>', 'checkpoint (and store the records) every this many epochs; fewer writes, more epochs lost to a kill (default 1)')
    .action(async (o: WorkerFlags) => {
      const n = o.concurrency === undefined ? 1 : parsePositiveInt('concurrency', o.concurrency, 1024);
      const poll = o.poll === undefined ? 2 : parsePositiveInt('poll', o.poll, 3600);
      const checkpointEvery = o.checkpointEvery === undefined ? 1 : parsePositiveInt('checkpoint-every', o.checkpointEvery, LIMITS.epochs);
      if (n > availableParallelism()) process.stderr.write(`sbptt worker: note: ${n} threads on ${availableParallelism()} cores\n`);
      const location = defaultStorePath(o.store);
      const store = await RunStore.open(location, { create: false });
      const where = store.path;
      await store.close();
      process.stdout.write(`worker: ${n} thread(s) on store ${where}; ${o.exitWhenIdle ? 'exits when the queue is idle' : 'waits for runs'} (Ctrl-C: checkpoint and hand back)\n`);
      const printer = progressPrinter();
      const stop = gracefulStop();
      let final;
      try {
        final = await runPool(location, null, n, printer.onProgress, { exitWhenIdle: Boolean(o.exitWhenIdle), pollMs: poll * 1000, checkpointEvery, stop: stop.flag });
      } finally {
        stop.dispose();
        printer.end();
      }
      const counts = Object.entries(final.counts).map(([k, v]) => `${v} ${k}`).join(', ');
      process.stdout.write(`worker: ${final.finished} run(s) finished${counts ? ` (${counts})` : ''}\n`);
      setExitCodeFor(Object.keys(final.counts));
    });
}

export function migrateCommand(): Command {
  return new Command('migrate')
    .description("create the store's tables or upgrade an older schema to this version's")
    .option('--store <file|url>', STORE_HELP)
    .action(async (o: { store?: string }) => {
      const store = await RunStore.open(defaultStorePath(o.store), { create: true });
      await store.close();
      process.stdout.write(`run store ${store.path}: schema version ${SCHEMA_VERSION}\n`);
    });
}
