/**
 * `sbptt demo` (what `npm start` runs), sized to finish within about five minutes on 2 busy
 * cores: the Figure-2 toy, then a small resumable sweep — cart-pole with 4 poles, the paper's
 * hardest setting, on its published states, the true gradient (R) against the combined update
 * (C), in float32 — its figure, table and an animation of a C controller. It measures this machine's speed first and says how long it will take; the runs go
 * into the run store every other command reads, so the commands it prints at the end work as
 * printed.
 */
import { availableParallelism } from 'node:os';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Command } from 'commander';
import { UpdateRule } from '../bptt/update.js';
import { atPrecision } from '../nn/capabilities.js';
import { Rng } from '../engine/index.js';
import { cartpole, resolveSettings, type ProblemDefinition } from '../physics/index.js';
import { finalLosses, type FigureRun } from '../runs/figures/data.js';
import { runPool } from '../runs/pool.js';
import { defaultStorePath, RunStore } from '../runs/store.js';
import { ensureSweep, parseAxes, planSweep } from '../runs/sweep.js';
import { parsePositiveInt } from '../train/config.js';
import { runToy, TOY_FIELD_KINDS } from '../train/toy.js';
import { duration, exp, table } from './format.js';

/**
 * The sweep: poles × modes, NORM clipping, the published reference states (256 for training and
 * 256 for testing). With 4 poles C pulls ahead of R after about 80 epochs (docs/reproduction-quick/cartpole.md).
 */
const POLES = [4];
const MODES = ['R', 'C'];
const STATES = 256;
const BATCH = 8;
/** Seconds the sweep may take; the rest of the five minutes is start-up, the toy, figures and the GIF. */
const SWEEP_BUDGET_S = 200;
const EPOCH_CHOICES = [150, 120, 100, 80, 60, 40];
/** Start-up, the toy, the figure (vega + resvg) and the GIF, measured on the 2-core machine. */
const FIXED_S = 45;

/** Seconds per epoch of one run, from timing a few updates now (the evaluation costs ~⅓ of the updates). */
function secondsPerEpoch(): number {
  const created = cartpole.create(resolveSettings(cartpole, { poles: Math.max(...POLES) }));
  const controller = atPrecision(created.controller, 'f32');
  const params = controller.initParams(new Rng(0));
  const rule = new UpdateRule({ ...created, controller, batch: BATCH });
  const batch = created.sample(BATCH, new Rng(1));
  const times: number[] = [];
  // The first calls compile the kernels' callers: only the later ones are timed.
  for (let i = 0; i < 16; i++) {
    const t0 = performance.now();
    rule.compute(params, batch, i % 2 ? 'full' : 'combined');
    if (i >= 6) times.push((performance.now() - t0) / 1000);
  }
  times.sort((a, b) => a - b);
  const update = times[Math.floor(times.length / 2)]!;
  return (STATES / BATCH) * update * 1.35;
}

export function demoCommand(): Command {
  return new Command('demo')
    .description('a demonstration in about five minutes: the toy, then a cart-pole sweep (R against C) with its figure, table and an animation')
    .option('--epochs <n>', `epochs per cart-pole run (default: as many of ${EPOCH_CHOICES.join(', ')} as fit in the time)`)
    .option('--out <dir>', 'folder for the figures and the animation', 'figures')
    .option('--store <file>', 'run store (default $SBPTT_STORE or ./sbptt.sqlite)')
    .option('--workers <n>', 'parallel runs', String(Math.min(availableParallelism(), POLES.length * MODES.length)))
    .action(async (o: { epochs?: string; out: string; store?: string; workers: string }) => {
      const workers = parsePositiveInt('workers', o.workers);
      const say = (text = ''): boolean => process.stdout.write(text + '\n');
      const runs = POLES.length * MODES.length;
      const parallel = Math.min(workers, availableParallelism(), runs);
      // Measured now, under whatever load the machine carries: the other work slows us the same.
      const perEpoch = secondsPerEpoch() * (parallel > 1 ? 1.25 : 1); // two workers share caches and memory bandwidth
      const fits = (e: number): boolean => (e * perEpoch * runs) / parallel <= SWEEP_BUDGET_S;
      const epochs = o.epochs !== undefined ? parsePositiveInt('epochs', o.epochs) : (EPOCH_CHOICES.find(fits) ?? EPOCH_CHOICES.at(-1)!);
      const expected = FIXED_S + (epochs * perEpoch * runs) / parallel;
      const storePath = defaultStorePath(o.store);
      const storeFlag = o.store !== undefined ? ` --store ${o.store}` : '';
      say(`stable-bptt demo: expected duration about ${duration(expected)} on this machine now (one cart-pole update takes ${((perEpoch / (STATES / BATCH) / 1.35) * 1000).toFixed(1)} ms).`);
      say(`Runs go into the run store ${storePath}; figures into ${o.out}/.\n`);

      const figures = o.out;
      mkdirSync(figures, { recursive: true });
      say('1. The toy (docs/method.md): Adam on L = θ₁² + θ₂² following the gradient, a rotated field, and their combination;');
      say('   mean loss of the last 50 of 200 iterations:\n');
      const toy = runToy();
      say(table(['field', 'loss'], TOY_FIELD_KINDS.map((k) => [k, exp(toy[k].finalMeanLoss)])).replace(/^/gm, '   '));
      const { plotToy } = await import('../runs/figures/toy-figure.js');
      const toyFiles = await plotToy(toy, figures);
      say(`\n   The rotated field makes Adam circle the minimum; keeping only its components whose sign agrees with`);
      say(`   the gradient (the combination, mode C) brings it back down. Figure: ${toyFiles.png}\n`);

      const axes = parseAxes(cartpole, { complexity: POLES.join(','), modes: MODES.join(','), clip: 'NORM' });
      const plan = planSweep(cartpole, { epochs, trainSize: STATES, testSize: STATES, dataset: 'reference', precision: 'f32' }, axes, `demo-cartpole4-${epochs}`);
      say(`2. Cart-pole swing-up with ${POLES.join(' and ')} poles (the paper's hardest), R (true gradient) against C (combined), ${epochs} epochs`);
      say(`   on the paper's ${STATES} training states, float32 products, ${parallel} at a time`);
      say(`   sweep ${plan.name} (run the demo again to resume or reuse it)\n`);
      const store = await RunStore.open(storePath);
      const ids = await ensureSweep(store, plan);
      await store.close();
      const t0 = performance.now();
      let last = 0;
      await runPool(storePath, ids, workers, (p) => {
        if (performance.now() - last < 10_000 && !p.justFinished) return;
        last = performance.now();
        const current = p.workers.filter((w) => w).map((w) => `run ${w!.run} epoch ${w!.epoch}/${w!.epochs}`).join(', ');
        process.stderr.write(`   ${p.finished}/${p.total} runs finished${current ? `; ${current}` : ''}; ETA ${duration(p.etaSeconds)}\n`);
      });
      say(`   sweep finished in ${duration((performance.now() - t0) / 1000)}\n`);

      const { loadSweep, plotSweep } = await import('../runs/figures/sweep-figure.js');
      const { animateRun } = await import('../runs/animate/index.js');
      const done = await RunStore.open(storePath);
      try {
        const files = await plotSweep(done, plan.name, figures);
        const { problem, runs: figureRuns } = await loadSweep(done, plan.name);
        const stored = await done.runs({ sweep: plan.name });
        const combined = stored.filter((r) => r.config.mode === 'combined' && r.status === 'done').at(-1);
        say(`3. The figure ${files.png} (and ${files.svg}): test loss on a log scale against the epoch, one panel`);
        say(`   per pole count, R in blue and C in green, each smoothed by a 30-epoch moving average.`);
        say(`   (docs/reproduction-quick.md has this comparison for all three problems and all four modes.)`);
        say(`   The table ${files.md}, final test loss (30-epoch moving average at the last epoch):\n`);
        say(comparisonTable(problem, figureRuns));
        say();
        say('   The table averages the last 30 epochs, as the figure does, so it differs from the test loss of the');
        say('   last epoch alone (the "last test loss" of `sbptt runs`, which jumps from epoch to epoch).');
        for (const line of verdict(problem, figureRuns)) say(`   ${line}`);
        if (combined) {
          const gif = join(figures, `run-${combined.id}.gif`);
          writeFileSync(gif, (await animateRun(done, combined.id, cartpole)).gif);
          say(`\n   Animation of run ${combined.id} (C, ${combined.config.settings.poles} poles, 4 test states): ${gif}`);
        }
        const next: [string, string][] = [[`npx sbptt runs --sweep ${plan.name}${storeFlag}`, "the demo's runs"]];
        if (combined) next.push([`npx sbptt export ${combined.id} --format csv${storeFlag}`, `run ${combined.id}'s records, one row per epoch`]);
        if (combined) next.push([`npx sbptt animate ${combined.id} --samples 2${storeFlag}`, 'its controller on two test states, as a GIF']);
        next.push([`npx sbptt serve${storeFlag}`, 'the dashboard: overlay runs, zoom, tooltips, the rollout in the browser']);
        const w = Math.max(...next.map(([c]) => c.length));
        say('\nNext:');
        for (const [c, what] of next) say(`  ${c.padEnd(w)}   ${what}`);
        say('Docs: docs/method.md (the method), docs/cli.md (every command).');
      } finally {
        await done.close();
      }
    });
}

/** | poles | R | C | from the final smoothed losses. */
function comparisonTable(problem: ProblemDefinition, runs: readonly FigureRun[]): string {
  const finals = finalLosses(problem, runs);
  const rows = POLES.map((poles) => [String(poles), ...MODES.map((m) => exp(finals.find((e) => e.complexity === poles && e.mode === m)?.finalLoss ?? null, 3))]);
  return table(['poles', ...MODES], rows).replace(/^/gm, '   ');
}

/** What the numbers say: C below R where it is, and what to expect from longer training. */
function verdict(problem: ProblemDefinition, runs: readonly FigureRun[]): string[] {
  const finals = finalLosses(problem, runs);
  const loss = (poles: number, mode: string): number | null => finals.find((e) => e.complexity === poles && e.mode === mode)?.finalLoss ?? null;
  const below = POLES.filter((p) => loss(p, 'C') !== null && loss(p, 'R') !== null && loss(p, 'C')! < loss(p, 'R')!);
  const out: string[] = [];
  if (below.length === POLES.length) out.push('Here C ends below R for every pole count: the combined update keeps making progress where the true gradient slows.');
  else if (below.length > 0) out.push(`Here C ends below R with ${below.join(', ')} poles and above it with ${POLES.filter((p) => !below.includes(p)).join(', ')}.`);
  else out.push('In a run this short R is still ahead of C: early on the true gradient descends fast.');
  out.push('The paper trains 1000 epochs on 256 states: as the poles get more, R stalls while C keeps improving.');
  out.push('The whole study: npx sbptt reproduce all (hours on 2 cores; resumable).');
  return out;
}
