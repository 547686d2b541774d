/**
 * `npm run bench`: median milliseconds per update (gradient(s) + Adam step) for every problem
 * and mode, batch 8, the published Nt; C/R ratio and achieved GFLOP/s; cart-pole also with automatic
 * gradients (the step and loss as tensor code, recorded and replayed) against its fused path.
 * Writes bench/results.json.
 * Usage: node dist/bench/bench.js [--quick] [--problem name]
 */
import { writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { UpdateRule } from '../src/bptt/update.js';
import type { Mode } from '../src/bptt/modes.js';
import { Rng } from '../src/engine/random.js';
import { createOptimizer } from '../src/optim/optimizers.js';
import { resolveSettings, type Gradients, type Settings } from '../src/physics/index.js';
import { builtinProblem } from '../src/runs/problems.js';

interface Case {
  problem: string;
  complexity: string;
  settings: Record<string, unknown>;
  gradients: Gradients;
}

const CASES: Case[] = [
  { problem: 'cartpole', complexity: 'poles=2', settings: { poles: 2 }, gradients: 'fused' },
  { problem: 'cartpole', complexity: 'poles=2', settings: { poles: 2 }, gradients: 'automatic' },
  { problem: 'cartpole', complexity: 'poles=4', settings: { poles: 4 }, gradients: 'fused' },
  { problem: 'cartpole', complexity: 'poles=4', settings: { poles: 4 }, gradients: 'automatic' },
  { problem: 'repulsion', complexity: 'rc=0.1', settings: { rc: 0.1 }, gradients: 'fused' },
  { problem: 'quantum', complexity: 'target=3', settings: { target: 3 }, gradients: 'fused' },
];
const MODES: [Mode, string][] = [['full', 'R'], ['physics', 'M'], ['stop', 'S'], ['combined', 'C']];
const BATCH = 8;

const args = process.argv.slice(2);
const quick = args.includes('--quick');
const only = args.includes('--problem') ? args[args.indexOf('--problem') + 1] : undefined;

interface Result {
  problem: string;
  complexity: string;
  gradients: Gradients;
  mode: string;
  batch: number;
  steps: number;
  msMedian: number;
  msMin: number;
  msMax: number;
  gflops: number;
}

function measure(c: Case, mode: Mode): Omit<Result, 'problem' | 'complexity' | 'mode' | 'gradients'> {
  const def = builtinProblem(c.problem);
  const settings: Settings = resolveSettings(def, c.settings);
  const p = def.create(settings, { gradients: c.gradients });
  const rng = new Rng(1);
  const params = p.controller.initParams(rng);
  // A random last layer so every backward sweep does real work from the first update.
  for (let i = 0; i < params.length; i++) if (params[i] === 0) params[i] = rng.uniform(-0.01, 0.01);
  const x0 = p.sample(BATCH, rng);
  const rule = new UpdateRule({ ...p, batch: BATCH });
  const opt = createOptimizer('ADAM', params.length, 1e-3);
  const warm = quick ? 3 : 10;
  const reps = quick ? 7 : 30;
  const times: number[] = [];
  for (let i = 0; i < warm + reps; i++) {
    const t0 = performance.now();
    const r = rule.compute(params, x0, mode);
    opt.step(params, r.update);
    if (i >= warm) times.push(performance.now() - t0);
  }
  times.sort((a, b) => a - b);
  const sweeps = mode === 'combined' ? 2 : 1;
  const rows = p.steps * BATCH;
  const flops = 2 * rows * (p.controller.macsPerRow * (1 + 2 * sweeps) + (p.simulator.macsPerSample ?? 0) * (1 + sweeps));
  const msMedian = times[Math.floor(times.length / 2)]!;
  return { batch: BATCH, steps: p.steps, msMedian, msMin: times[0]!, msMax: times.at(-1)!, gflops: flops / (msMedian * 1e6) };
}

const results: Result[] = [];
for (const c of CASES) {
  if (only && only !== c.problem) continue;
  for (const [mode, letter] of MODES) {
    const r = { problem: c.problem, complexity: c.complexity, gradients: c.gradients, mode: letter, ...measure(c, mode) };
    results.push(r);
    process.stdout.write(
      `${r.problem.padEnd(10)} ${r.complexity.padEnd(9)} ${c.gradients.padEnd(9)} ${letter}  median ${r.msMedian.toFixed(2).padStart(7)} ms  ` +
        `min ${r.msMin.toFixed(2).padStart(7)}  max ${r.msMax.toFixed(2).padStart(7)}  ${r.gflops.toFixed(2)} GFLOP/s\n`,
    );
  }
  const mine = results.filter((r) => r.complexity === c.complexity && r.problem === c.problem && r.gradients === c.gradients);
  const R = mine.find((r) => r.mode === 'R')!, C = mine.find((r) => r.mode === 'C')!;
  process.stdout.write(`${c.problem.padEnd(10)} ${c.complexity.padEnd(9)} ${c.gradients.padEnd(9)} C/R = ${(C.msMedian / R.msMedian).toFixed(2)}\n`);
  if (c.gradients === 'automatic') {
    // Automatic against fused, measured in this run: the target is ≤ 2 per mode.
    const fused = results.filter((r) => r.complexity === c.complexity && r.problem === c.problem && r.gradients === 'fused');
    const ratios = mine.map((r) => `${r.mode} ${(r.msMedian / fused.find((f) => f.mode === r.mode)!.msMedian).toFixed(2)}`);
    process.stdout.write(`${c.problem.padEnd(10)} ${c.complexity.padEnd(9)} automatic/fused: ${ratios.join(', ')}\n`);
  }
  process.stdout.write('\n');
}
const out = join(dirname(fileURLToPath(import.meta.url)), '..', '..', 'bench', 'results.json');
writeFileSync(out, JSON.stringify(results, null, 2) + '\n');
process.stdout.write(`wrote ${out}\n`);
