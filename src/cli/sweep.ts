/** `sbptt sweep <problem>`: the published grid (or a subset) on worker threads, resumable. */
import { availableParallelism, totalmem } from 'node:os';
import { Command } from 'commander';
import { fieldLabel } from '../bptt/modes.js';
import { defaultStorePath, RunStore } from '../runs/store.js';
import { parseAxes, parseSweepName, planSweep, type SweepPlan } from '../runs/sweep.js';
import { resolveWarmStart } from '../runs/init.js';
import type { ProblemDefinition } from '../physics/index.js';
import { parseIntIn } from '../physics/numbers.js';
import { LIMITS, parsePositiveInt, type ResolveOptions } from '../train/config.js';
import { addProblemOptions, overridesFromOptions } from './options.js';
import { problemListing, type ProblemCommand } from './problem-args.js';
import { createSweepRuns, trainRuns } from './work-progress.js';

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
      .option('--modes <list>', 'gradient modes, comma-separated, e.g. R,C; a mode with /k is truncated to k steps, e.g. R/10 (default R,M,C,S)')
      .option('--clip <list>', 'clipping modes, comma-separated (default VALUE,NORM,NONE)')
      .option('--seeds <n>', 'repeats of every run with seeds 0 … n−1 (default 1)')
      .option('--init <controller.json|run id>', "warm start every run from a saved controller file or a stored run's weights (each run's controller must fit them)")
      .option('--workers <n>', `parallel worker threads, at most 1024 (default: the number of cores, ${availableParallelism()}); 0: only put the runs on the queue`)
      .option('--lease <seconds>', 'how long a claimed run stays its worker\'s without a sign of life; on PostgreSQL also the job expiry after which a dead worker\'s run is retried (default 600)')
      .option('--checkpoint-every <epochs>', 'checkpoint (and store the records) every this many epochs; fewer writes, more epochs lost to a kill (default 1)')
      .option('--name <name>', 'sweep name: 1 to 100 letters, digits and . _ - (default: the problem and a hash of the grid, so the same command finds the same sweep)')
      .action((opts: Record<string, unknown>) => runSweep(p, opts));
    sweep.addCommand(sub);
  }
  sweep.addHelpText('after', problemListing(problems));
  return sweep;
}

async function runSweep({ definition: def, source }: ProblemCommand, opts: Record<string, unknown>): Promise<void> {
  const axes = parseAxes(def, opts as { complexity?: string; clip?: string; modes?: string; seeds?: string });
  const workers = opts.workers === undefined ? availableParallelism() : parseIntIn('workers', opts.workers, 0, MAX_WORKERS);
  const leaseSeconds = opts.lease === undefined ? undefined : parsePositiveInt('lease', opts.lease, MAX_LEASE_SECONDS);
  const checkpointEvery = opts.checkpointEvery === undefined ? 1 : parsePositiveInt('checkpoint-every', opts.checkpointEvery, LIMITS.epochs);
  const name = opts.name === undefined ? undefined : parseSweepName(String(opts.name));
  const base = overridesFromOptions(def, opts);
  const location = defaultStorePath(opts.store as string | undefined);
  // Each worker thread holds one run: the runs at once share the machine's memory.
  const { plan, initial } = await planWithInit(def, base, axes, name, opts.init as string | undefined, location, { availableBytes: totalmem() / Math.max(1, workers) });
  const { ids, queued, storePath } = await createSweepRuns(location, [plan], source, leaseSeconds, initial);
  process.stdout.write(
    `sweep ${plan.name}: ${ids.length} runs (${def.complexity ? `${def.complexity.key} ${axes.complexity.join(',')} × ` : ''}clip ${axes.clips.join(',')} × ` +
      `mode ${axes.modes.map((m) => fieldLabel(m)).join(',')} × ${axes.seeds} seed(s))${queued}, ${workers} worker(s), store ${storePath}\n`,
  );
  if (workers === 0) {
    process.stdout.write(`sweep ${plan.name}: queued; workers take it with \`sbptt worker --store <the store>\`\n`);
    return;
  }
  const counts = await trainRuns(location, ids, workers, { checkpointEvery, ...(leaseSeconds !== undefined && { leaseSeconds }) });
  const finished = (counts.get('done') ?? 0) + (counts.get('diverged') ?? 0) + (counts.get('failed') ?? 0);
  const list = (['done', 'diverged', 'failed'] as const).filter((k) => counts.has(k)).map((k) => `${counts.get(k)} ${k}`).join(', ');
  const open = ids.length - finished;
  const rest = open === 0 ? `Next: sbptt plot ${plan.name}` : `${open} not finished (running elsewhere or handed back): the same command, or \`sbptt worker\`, goes on with them`;
  process.stdout.write(`sweep ${plan.name}: ${finished}/${ids.length} runs finished (${list}). ${rest}\n`);
}

/** Bounds of the sweep's own counts (documented in docs/cli.md). */
export const MAX_WORKERS = 1024;
export const MAX_LEASE_SECONDS = 7 * 24 * 3600;

/**
 * The sweep's plan; with --init, every run records the warm start and `initial` holds its weights
 * (checked against every distinct controller of the grid).
 */
async function planWithInit(
  def: ProblemDefinition,
  base: ReturnType<typeof overridesFromOptions>,
  axes: ReturnType<typeof parseAxes>,
  name: string | undefined,
  init: string | undefined,
  location: string,
  resolve: ResolveOptions,
): Promise<{ plan: SweepPlan; initial: Float64Array | null }> {
  const plain = planSweep(def, base, axes, name, resolve);
  if (init === undefined) return { plan: plain, initial: null };
  const shapes = new Map(plain.configs.map((c) => [JSON.stringify(c.settings), c.settings]));
  // A run id names a run of this store: it must exist already.
  const store = await RunStore.open(location, /^\d+$/.test(init) ? { create: false } : {});
  try {
    let warm = null;
    for (const settings of shapes.values()) warm = await resolveWarmStart(init, def.create(settings), store);
    return { plan: planSweep(def, { ...base, init: warm!.record }, axes, name), initial: warm!.params };
  } finally {
    await store.close();
  }
}
