/** `sbptt sweep <problem>`: the published grid (or a subset) on worker threads, resumable. */
import { availableParallelism } from 'node:os';
import { Command } from 'commander';
import { PAPER_LETTER } from '../bptt/modes.js';
import { PROBLEMS, type ProblemDefinition } from '../physics/index.js';
import { runPool, type PoolProgress } from '../runs/pool.js';
import { defaultStorePath, RunStore } from '../runs/store.js';
import { ensureSweep, parseAxes, planSweep } from '../runs/sweep.js';
import { parsePositiveInt } from '../train/config.js';
import { duration, sci } from './format.js';
import { addProblemOptions, overridesFromOptions } from './options.js';

export function sweepCommand(): Command {
  const sweep = new Command('sweep').description('run the paper\'s grid (complexity × clipping × mode) for a problem; the same command resumes it');
  for (const def of Object.values(PROBLEMS)) {
    const sub = new Command(def.name).description(`${def.title}: ${def.complexity.key} ∈ {${def.complexity.values.join(', ')}} × clip {VALUE, NORM, NONE} × mode {R, M, C, S}`);
    addProblemOptions(sub, def, false)
      .option('--complexity <list>', `${def.complexity.key} values, comma-separated (default ${def.complexity.values.join(',')})`)
      .option('--modes <list>', 'gradient modes, comma-separated, e.g. R,C (default R,M,C,S)')
      .option('--clip <list>', 'clipping modes, comma-separated (default VALUE,NORM,NONE)')
      .option('--seeds <n>', 'repeats of every run with seeds 0 … n−1 (default 1)')
      .option('--workers <n>', `parallel worker threads (default: the number of cores, ${availableParallelism()})`)
      .option('--name <name>', 'sweep name (default: the problem and a hash of the grid, so the same command finds the same sweep)')
      .action((opts: Record<string, unknown>) => runSweep(def, opts));
    sweep.addCommand(sub);
  }
  return sweep;
}

async function runSweep(def: ProblemDefinition, opts: Record<string, unknown>): Promise<void> {
  const axes = parseAxes(def, opts as { complexity?: string; clip?: string; modes?: string; seeds?: string });
  const workers = opts.workers === undefined ? availableParallelism() : parsePositiveInt('workers', opts.workers);
  const base = overridesFromOptions(def, opts);
  const plan = planSweep(def, base, axes, opts.name as string | undefined);
  const storePath = defaultStorePath(opts.store as string | undefined);
  const store = RunStore.open(storePath);
  const ids = ensureSweep(store, plan);
  store.close();
  process.stdout.write(
    `sweep ${plan.name}: ${ids.length} runs (${def.complexity.key} ${axes.complexity.join(',')} × clip ${axes.clips.join(',')} × ` +
      `mode ${axes.modes.map((m) => PAPER_LETTER[m]).join(',')} × ${axes.seeds} seed(s)), ${workers} worker(s), store ${storePath}\n`,
  );
  const tty = process.stderr.isTTY === true;
  let lastPrint = 0;
  const line = (p: PoolProgress): string => {
    const current = p.workers
      .filter((w) => w !== null)
      .map((w) => `#${w!.run} ${w!.epoch}/${w!.epochs}${w!.testLoss === null ? '' : ` ${sci(w!.testLoss, 3)}`}`)
      .join(' | ');
    return `${p.finished}/${p.total} runs finished  ${current}  ETA ${duration(p.etaSeconds)}`;
  };
  const final = await runPool(storePath, ids, workers, (p) => {
    if (p.justFinished && !tty) process.stderr.write(`run ${p.justFinished.run}: ${p.justFinished.status}\n`);
    const now = Date.now();
    if (tty && now - lastPrint > 200) {
      process.stderr.write(`\r\x1b[K${line(p)}`);
      lastPrint = now;
    } else if (!tty && now - lastPrint > 10000) {
      process.stderr.write(line(p) + '\n');
      lastPrint = now;
    }
  });
  if (tty) process.stderr.write('\r\x1b[K');
  const counts = Object.entries(final.counts).map(([k, v]) => `${v} ${k}`).join(', ');
  process.stdout.write(`sweep ${plan.name}: ${final.finished}/${final.total} runs finished (${counts}). Next: sbptt plot ${plan.name}\n`);
}
