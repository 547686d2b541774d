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
  /** Also measure the automatic-gradient path (tensor code), interleaved with the fused one. */
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
  /** Median CPU time of this process per update: less sensitive than wall time to other load. */
  cpuMsMedian: number;
  gflops: number;
}

const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

/**
 * Updates of each gradient path in turn (fused, automatic, fused, …), so both see the same machine
 * load: their ratio is measured in one run.
 */
function measure(c: Case, mode: Mode, paths: readonly Gradients[]): Omit<Result, 'problem' | 'complexity' | 'mode'>[] {
  const def = builtinProblem(c.problem);
  const settings: Settings = resolveSettings(def, c.settings);
  const setups = paths.map((gradients) => {
    const p = def.create(settings, { gradients });
    const rng = new Rng(1);
    const params = p.controller.initParams(rng);
    // A random last layer so every backward sweep does real work from the first update.
    for (let i = 0; i < params.length; i++) if (params[i] === 0) params[i] = rng.uniform(-0.01, 0.01);
    const x0 = p.sample(BATCH, rng);
    const rule = new UpdateRule({ ...p, batch: BATCH });
    const opt = createOptimizer('ADAM', params.length, 1e-3);
    return { gradients, p, params, x0, rule, opt, wall: [] as number[], cpu: [] as number[] };
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
  return setups.map(({ gradients, p, wall, cpu }) => {
    const sweeps = mode === 'combined' ? 2 : 1;
    const rows = p.steps * BATCH;
    const flops = 2 * rows * (p.controller.macsPerRow * (1 + 2 * sweeps) + (p.simulator.macsPerSample ?? 0) * (1 + sweeps));
    const msMedian = median(wall);
    return { gradients, batch: BATCH, steps: p.steps, msMedian, msMin: Math.min(...wall), msMax: Math.max(...wall), cpuMsMedian: median(cpu), gflops: flops / (msMedian * 1e6) };
  });
}

const results: Result[] = [];
for (const c of CASES) {
  if (only && only !== c.problem) continue;
  const paths: Gradients[] = c.automatic ? ['fused', 'automatic'] : ['fused'];
  const ratios: string[] = [];
  for (const [mode, letter] of MODES) {
    const rows = measure(c, mode, paths).map((m) => ({ problem: c.problem, complexity: c.complexity, mode: letter, ...m }));
    results.push(...rows);
    for (const r of rows) {
      process.stdout.write(
        `${r.problem.padEnd(10)} ${r.complexity.padEnd(9)} ${r.gradients.padEnd(9)} ${letter}  median ${r.msMedian.toFixed(2).padStart(7)} ms  ` +
          `min ${r.msMin.toFixed(2).padStart(7)}  max ${r.msMax.toFixed(2).padStart(7)}  cpu ${r.cpuMsMedian.toFixed(2).padStart(7)} ms  ${r.gflops.toFixed(2)} GFLOP/s\n`,
      );
    }
    if (rows.length === 2) ratios.push(`${letter} ${(rows[1]!.cpuMsMedian / rows[0]!.cpuMsMedian).toFixed(2)}`);
  }
  const mine = results.filter((r) => r.complexity === c.complexity && r.problem === c.problem && r.gradients === 'fused');
  const R = mine.find((r) => r.mode === 'R')!, C = mine.find((r) => r.mode === 'C')!;
  process.stdout.write(`${c.problem.padEnd(10)} ${c.complexity.padEnd(9)} C/R = ${(C.msMedian / R.msMedian).toFixed(2)}\n`);
  // The target for automatic gradients: at most 2× the fused path's time per update.
  if (ratios.length) process.stdout.write(`${c.problem.padEnd(10)} ${c.complexity.padEnd(9)} automatic/fused (CPU time, interleaved): ${ratios.join(', ')}\n`);
  process.stdout.write('\n');
}
const out = join(dirname(fileURLToPath(import.meta.url)), '..', '..', 'bench', 'results.json');
writeFileSync(out, JSON.stringify(results, null, 2) + '\n');
process.stdout.write(`wrote ${out}\n`);
