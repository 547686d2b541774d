/**
 * `sbptt resume <run>`: continues a `train` run that was killed or interrupted (or failed, once
 * its cause is fixed) from its last checkpoint, to the numbers an uninterrupted run would have,
 * and writes its folder where the run was writing it.
 */
import { Command } from 'commander';
import { problemOfRun } from '../runs/problems.js';
import { defaultStorePath, RunStore } from '../runs/store.js';
import { checkWritableFolder } from './out-arg.js';
import { STORE_FLAG, STORE_HELP } from './store-arg.js';
import { busyMessage, trainStoredRun } from './train-run.js';

export function parseRunId(text: string): number {
  if (!/^\d{1,15}$/.test(text) || Number(text) < 1) throw new Error(`<run>: got ${JSON.stringify(text.slice(0, 40))}, expected a run id (a positive integer; see \`sbptt runs\`)`);
  return Number(text);
}

export function resumeCommand(): Command {
  return new Command('resume')
    .description('continue an interrupted (killed) or failed run from its last checkpoint; `sbptt runs --status interrupted` lists them')
    .argument('<run>', 'run id (see `sbptt runs`)')
    .option(STORE_FLAG, STORE_HELP)
    .option('--out <dir>', "output folder (default: the run's own, or runs/run-<id>)")
    .option('--quiet', 'no per-epoch progress lines')
    .action(async (target: string, o: { store?: string; out?: string; quiet?: boolean }) => {
      const id = parseRunId(target);
      const path = defaultStorePath(o.store);
      const store = await RunStore.open(path, { create: false });
      try {
        let run = await store.run(id);
        if (run.status === 'done' || run.status === 'diverged') throw new Error(`run ${id} in ${store.path} is ${run.status} already: nothing to resume`);
        if (run.status === 'running' && !run.interrupted) throw new Error(busyMessage(run, store));
        const out = o.out ?? run.outDir ?? `runs/run-${id}`;
        checkWritableFolder('--out', out);
        if (run.status === 'failed') {
          await store.requeue(id);
          run = await store.run(id);
        }
        const def = await problemOfRun(run);
        await trainStoredRun(store, run, def, run.problemSource, out, Boolean(o.quiet));
      } finally {
        await store.close();
      }
    });
}
