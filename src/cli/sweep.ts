/** `sbptt sweep <problem>`: the published grid (or a subset) on worker threads, resumable. */
import { availableParallelism } from 'node:os';
import { Command } from 'commander';
import { fieldLabel } from '../bptt/modes.js';
import { runPool } from '../runs/pool.js';
import { openQueue } from '../runs/queue.js';
import { defaultStorePath, RunStore } from '../runs/store.js';
import { ensureSweep, parseAxes, planSweep, type SweepPlan } from '../runs/sweep.js';
import { resolveWarmStart } from '../runs/init.js';
import type { ProblemDefinition } from '../physics/index.js';
import { parsePositiveInt } from '../train/config.js';
import { addProblemOptions, overridesFromOptions } from './options.js';
import { problemListing, type ProblemCommand } from './problem-args.js';
import { gracefulStop, progressPrinter } from './work-progress.js';

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
      .option('--workers <n>', `parallel worker threads (default: the number of cores, ${availableParallelism()}); 0: only put the runs on the queue`)
      .option('--lease <seconds>', 'how long a claimed run stays its worker\'s without a sign of life; on PostgreSQL also the job expiry after which a dead worker\'s run is retried (default 600)')
      .option('--checkpoint-every <epochs>', 'checkpoint (and store the records) every this many epochs; fewer writes, more epochs lost to a kill (default 1)')
      .option('--name <name>', 'sweep name (default: the problem and a hash of the grid, so the same command finds the same sweep)')
      .action((opts: Record<string, unknown>) => runSweep(p, opts));
    sweep.addCommand(sub);
  }
  sweep.addHelpText('after', problemListing(problems));
  return sweep;
}

async function runSweep({ definition: def, source }: ProblemCommand, opts: Record<string, unknown>): Promise<void> {
  const axes = parseAxes(def, opts as { complexity?: string; clip?: string; modes?: string; seeds?: string });
  const workers = opts.workers === undefined ? availableParallelism() : parseCount('workers', opts.workers);
  const leaseSeconds = opts.lease === undefined ? undefined : parsePositiveInt('lease', opts.lease);
  const checkpointEvery = opts.checkpointEvery === undefined ? 1 : parsePositiveInt('checkpoint-every', opts.checkpointEvery);
  let plan: SweepPlan;
  const base = overridesFromOptions(def, opts);
  const location = defaultStorePath(opts.store as string | undefined);
  const store = await RunStore.open(location);
  let queued = '';
  let ids: number[];
  try {
    const { plan: made, initial } = await planWithInit(def, base, axes, opts, store);
    plan = made;
    ids = await ensureSweep(store, plan, source, initial);
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
  process.stdout.write(
    `sweep ${plan.name}: ${ids.length} runs (${def.complexity ? `${def.complexity.key} ${axes.complexity.join(',')} × ` : ''}clip ${axes.clips.join(',')} × ` +
      `mode ${axes.modes.map((m) => fieldLabel(m)).join(',')} × ${axes.seeds} seed(s))${queued}, ${workers} worker(s), store ${store.path}\n`,
  );
  if (workers === 0) {
    process.stdout.write(`sweep ${plan.name}: queued; workers take it with \`sbptt worker --store <the store>\`\n`);
    return;
  }
  const printer = progressPrinter();
  const stop = gracefulStop();
  try {
    await runPool(location, ids, workers, printer.onProgress, { stop: stop.flag, checkpointEvery, ...(leaseSeconds !== undefined && { leaseSeconds }) });
  } finally {
    stop.dispose();
    printer.end();
  }
  const check = await RunStore.open(location, { create: false });
  const runs = await check.runs({ sweep: plan.name });
  await check.close();
  const counts = new Map<string, number>();
  for (const r of runs) if (ids.includes(r.id)) counts.set(r.status, (counts.get(r.status) ?? 0) + 1);
  const finished = (counts.get('done') ?? 0) + (counts.get('diverged') ?? 0) + (counts.get('failed') ?? 0);
  const list = ['done', 'diverged', 'failed'].filter((k) => counts.has(k)).map((k) => `${counts.get(k)} ${k}`).join(', ');
  const open = ids.length - finished;
  const rest = open === 0 ? `Next: sbptt plot ${plan.name}` : `${open} not finished (running elsewhere or handed back): the same command, or \`sbptt worker\`, goes on with them`;
  process.stdout.write(`sweep ${plan.name}: ${finished}/${ids.length} runs finished (${list}). ${rest}\n`);
}

/**
 * The sweep's plan; with --init, every run records the warm start and `initial` holds its weights
 * (checked against every distinct controller of the grid).
 */
async function planWithInit(
  def: ProblemDefinition,
  base: ReturnType<typeof overridesFromOptions>,
  axes: ReturnType<typeof parseAxes>,
  opts: Record<string, unknown>,
  store: RunStore,
): Promise<{ plan: SweepPlan; initial: Float64Array | null }> {
  const name = opts.name as string | undefined;
  if (opts.init === undefined) return { plan: planSweep(def, base, axes, name), initial: null };
  const plain = planSweep(def, base, axes, name);
  const shapes = new Map(plain.configs.map((c) => [JSON.stringify(c.settings), c.settings]));
  let warm = null;
  for (const settings of shapes.values()) warm = await resolveWarmStart(String(opts.init), def.create(settings), store);
  return { plan: planSweep(def, { ...base, init: warm!.record }, axes, name), initial: warm!.params };
}

/** A count that may be 0 (--workers 0: only enqueue). */
function parseCount(flag: string, value: unknown): number {
  const text = String(value);
  if (!/^\d+$/.test(text)) throw new Error(`--${flag}: got "${text}", expected a whole number (0 or more)`);
  return Number(text);
}
