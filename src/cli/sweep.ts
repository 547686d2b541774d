/** `sbptt sweep <problem>`: the published grid (or a subset) on worker threads, resumable. */
import { availableParallelism } from 'node:os';
import { Command } from 'commander';
import { PAPER_LETTER } from '../bptt/modes.js';
import { runPool, type PoolProgress } from '../runs/pool.js';
import { defaultStorePath, RunStore } from '../runs/store.js';
import { ensureSweep, parseAxes, planSweep } from '../runs/sweep.js';
import { parsePositiveInt } from '../train/config.js';
import { duration, sci } from './format.js';
import { addProblemOptions, overridesFromOptions } from './options.js';
import { problemListing, type ProblemCommand } from './problem-args.js';

export function sweepCommand(problems: readonly ProblemCommand[]): Command {
  const sweep = new Command('sweep').description('run the paper\'s grid (complexity × clipping × mode) for a problem; the same command resumes it');
  for (const p of problems) {
    const def = p.definition;
    const axis = def.complexity ? `${def.complexity.key} ∈ {${def.complexity.values.join(', ')}} × ` : '';
    const sub = new Command(p.command).description(`${def.title}: ${axis}clip {VALUE, NORM, NONE} × mode {R, M, C, S}`);
    addProblemOptions(sub, def, false)
      .option(
        '--complexity <list>',
        def.complexity
          ? `${def.complexity.key} values, comma-separated (default ${def.complexity.values.join(',')})`
          : 'not available: this problem declares no complexity setting',
      )
      .option('--modes <list>', 'gradient modes, comma-separated, e.g. R,C (default R,M,C,S)')
      .option('--clip <list>', 'clipping modes, comma-separated (default VALUE,NORM,NONE)')
      .option('--seeds <n>', 'repeats of every run with seeds 0 … n−1 (default 1)')
      .option('--workers <n>', `parallel worker threads (default: the number of cores, ${availableParallelism()})`)
      .option('--name <name>', 'sweep name (default: the problem and a hash of the grid, so the same command finds the same sweep)')
      .action((opts: Record<string, unknown>) => runSweep(p, opts));
    sweep.addCommand(sub);
  }
  sweep.addHelpText('after', problemListing(problems));
  return sweep;
}

async function runSweep({ definition: def, source }: ProblemCommand, opts: Record<string, unknown>): Promise<void> {
  const axes = parseAxes(def, opts as { complexity?: string; clip?: string; modes?: string; seeds?: string });
  const workers = opts.workers === undefined ? availableParallelism() : parsePositiveInt('workers', opts.workers);
  const base = overridesFromOptions(def, opts);
  const plan = planSweep(def, base, axes, opts.name as string | undefined);
  const storePath = defaultStorePath(opts.store as string | undefined);
  const store = RunStore.open(storePath);
  const ids = ensureSweep(store, plan, source);
  store.close();
  process.stdout.write(
    `sweep ${plan.name}: ${ids.length} runs (${def.complexity ? `${def.complexity.key} ${axes.complexity.join(',')} × ` : ''}clip ${axes.clips.join(',')} × ` +
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
