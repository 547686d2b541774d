/**
 * `npm run bench`: (1) median milliseconds per update (gradient(s) + Adam step) for every problem
 * and mode, batch 8, the published Nt, in f64 and f32; C/R ratio and achieved GFLOP/s; cart-pole and
 * repulsion also with automatic gradients (the step and loss as tensor code, recorded and replayed)
 * against the fused path. All variants of a case alternate update by update, so their ratios are
 * measured under the same machine load. Writes bench/results.json. (2) Full epochs at the paper's
 * settings and the study's estimated wall time (bench/study.ts): bench/study.json.
 * Usage: node dist/bench/bench.js [--quick] [--problem name] [--updates-only | --study-only]
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { UpdateRule } from '../src/bptt/update.js';
import type { Mode } from '../src/bptt/modes.js';
import { Rng } from '../src/engine/random.js';
import type { Precision } from '../src/kernels/module.js';
import { atPrecision } from '../src/nn/capabilities.js';
import { createOptimizer } from '../src/optim/optimizers.js';
import { resolveSettings, type Gradients, type Settings } from '../src/physics/index.js';
import { packageRoot } from '../src/runs/paths.js';
import { builtinProblem } from '../src/runs/problems.js';
import { runStudy } from './study.js';

interface Case {
  problem: string;
  complexity: string;
  settings: Record<string, unknown>;
  /** Also measure the automatic-gradient path (tensor code, f64), interleaved with the fused one. */
  automatic?: boolean;
}

const CASES: Case[] = [
  { problem: 'cartpole', complexity: 'poles=2', settings: { poles: 2 }, automatic: true },
  { problem: 'cartpole', complexity: 'poles=4', settings: { poles: 4 }, automatic: true },
  { problem: 'repulsion', complexity: 'rc=0.1', settings: { rc: 0.1 }, automatic: true },
  { problem: 'quantum', complexity: 'target=3', settings: { target: 3 } },
];
const MODES: [Mode, string][] = [['full', 'R'], ['physics', 'M'], ['stop', 'S'], ['combined', 'C']];
const BATCH = 8;

const args = process.argv.slice(2);
const quick = args.includes('--quick');
const only = args.includes('--problem') ? args[args.indexOf('--problem') + 1] : undefined;

interface Variant {
  gradients: Gradients;
  precision: Precision;
}

interface Result extends Variant {
  problem: string;
  complexity: string;
  mode: string;
  batch: number;
  steps: number;
  msMedian: number;
  msMin: number;
  msMax: number;
  /** Median CPU time of this process per update: less sensitive than wall time to other load. */
  cpuMsMedian: number;
  gflops: number;
}

const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

/** Updates of each variant in turn (so all see the same load); the statistics of each. */
function measure(c: Case, mode: Mode, variants: readonly Variant[]): Omit<Result, 'problem' | 'complexity' | 'mode'>[] {
  const def = builtinProblem(c.problem);
  const settings: Settings = resolveSettings(def, c.settings);
  const setups = variants.map(({ gradients, precision }) => {
    const created = def.create(settings, { gradients });
    const p = { ...created, controller: atPrecision(created.controller, precision) };
    const rng = new Rng(1);
    const params = p.controller.initParams(rng);
    // A random last layer so every backward sweep does real work from the first update.
    for (let i = 0; i < params.length; i++) if (params[i] === 0) params[i] = rng.uniform(-0.01, 0.01);
    const x0 = p.sample(BATCH, rng);
    const rule = new UpdateRule({ ...p, batch: BATCH });
    const opt = createOptimizer('ADAM', params.length, 1e-3);
    return { gradients, precision, p, params, x0, rule, opt, wall: [] as number[], cpu: [] as number[] };
  });
  const warm = quick ? 3 : 10;
  const reps = quick ? 7 : 30;
  for (let i = 0; i < warm + reps; i++) {
    for (const s of setups) {
      const c0 = process.cpuUsage();
      const t0 = performance.now();
      const r = s.rule.compute(s.params, s.x0, mode);
      s.opt.step(s.params, r.update);
      const wall = performance.now() - t0;
      const cpu = process.cpuUsage(c0);
      if (i >= warm) s.wall.push(wall), s.cpu.push((cpu.user + cpu.system) / 1000);
    }
  }
  return setups.map(({ gradients, precision, p, wall, cpu }) => {
    const sweeps = mode === 'combined' ? 2 : 1;
    const rows = p.steps * BATCH;
    const flops = 2 * rows * (p.controller.macsPerRow * (1 + 2 * sweeps) + (p.simulator.macsPerSample ?? 0) * (1 + sweeps));
    const msMedian = median(wall);
    return { gradients, precision, batch: BATCH, steps: p.steps, msMedian, msMin: Math.min(...wall), msMax: Math.max(...wall), cpuMsMedian: median(cpu), gflops: flops / (msMedian * 1e6) };
  });
}

function updates(): void {
  const results: Result[] = [];
  for (const c of CASES) {
    if (only && only !== c.problem) continue;
    const variants: Variant[] = [
      { gradients: 'fused', precision: 'f64' },
      { gradients: 'fused', precision: 'f32' },
      ...(c.automatic ? [{ gradients: 'automatic', precision: 'f64' } as const] : []),
    ];
    const f32: string[] = [], automatic: string[] = [];
    for (const [mode, letter] of MODES) {
      const rows = measure(c, mode, variants).map((m) => ({ problem: c.problem, complexity: c.complexity, mode: letter, ...m }));
      results.push(...rows);
      for (const r of rows) {
        process.stdout.write(
          `${r.problem.padEnd(10)} ${r.complexity.padEnd(9)} ${r.gradients.padEnd(9)} ${r.precision} ${letter}  median ${r.msMedian.toFixed(2).padStart(7)} ms  ` +
            `min ${r.msMin.toFixed(2).padStart(7)}  max ${r.msMax.toFixed(2).padStart(7)}  cpu ${r.cpuMsMedian.toFixed(2).padStart(7)} ms  ${r.gflops.toFixed(2)} GFLOP/s\n`,
        );
      }
      f32.push(`${letter} ${(rows[1]!.msMedian / rows[0]!.msMedian).toFixed(2)} (cpu ${(rows[1]!.cpuMsMedian / rows[0]!.cpuMsMedian).toFixed(2)})`);
      if (rows[2]) automatic.push(`${letter} ${(rows[2].cpuMsMedian / rows[0]!.cpuMsMedian).toFixed(2)}`);
    }
    for (const precision of ['f64', 'f32'] as const) {
      const mine = results.filter((r) => r.complexity === c.complexity && r.problem === c.problem && r.gradients === 'fused' && r.precision === precision);
      const R = mine.find((r) => r.mode === 'R')!, C = mine.find((r) => r.mode === 'C')!;
      process.stdout.write(`${c.problem.padEnd(10)} ${c.complexity.padEnd(9)} ${precision} C/R = ${(C.msMedian / R.msMedian).toFixed(2)}\n`);
    }
    process.stdout.write(`${c.problem.padEnd(10)} ${c.complexity.padEnd(9)} f32/f64 (interleaved): ${f32.join(', ')}\n`);
    // The target for automatic gradients: at most 2× the fused path's time per update.
    if (automatic.length) process.stdout.write(`${c.problem.padEnd(10)} ${c.complexity.padEnd(9)} automatic/fused (CPU time, interleaved): ${automatic.join(', ')}\n`);
    process.stdout.write('\n');
  }
  const out = join(packageRoot(), 'bench', 'results.json');
  writeFileSync(out, JSON.stringify(results, null, 2) + '\n');
  process.stdout.write(`wrote ${out}\n\n`);
}

if (!args.includes('--study-only')) updates();
if (!args.includes('--updates-only')) await runStudy({ quick, only, out: join(packageRoot(), 'bench', 'study.json') });
