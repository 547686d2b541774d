/**
 * `npm run bench`: (1) median milliseconds per update (gradient(s) + Adam step) for every problem
 * and mode, batch 8, the published Nt, in f64 and f32 — the two precisions alternate update by
 * update, so their ratio is measured under the same load; C/R, f32/f64 and GFLOP/s. Writes
 * bench/results.json. (2) Full epochs at the paper's settings and the study's wall time
 * (bench/study.ts): bench/study.json.
 * Usage: node dist/bench/bench.js [--quick] [--problem name] [--updates-only | --study-only]
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { UpdateRule } from '../src/bptt/update.js';
import type { Mode } from '../src/bptt/modes.js';
import { Rng } from '../src/engine/random.js';
import { PRECISIONS, type Precision } from '../src/kernels/module.js';
import { atPrecision } from '../src/nn/capabilities.js';
import { createOptimizer } from '../src/optim/optimizers.js';
import { PROBLEMS, resolveSettings, type Settings } from '../src/physics/index.js';
import { packageRoot } from '../src/runs/paths.js';
import { runStudy } from './study.js';

interface Case {
  problem: string;
  complexity: string;
  settings: Record<string, unknown>;
}

const CASES: Case[] = [
  { problem: 'cartpole', complexity: 'poles=2', settings: { poles: 2 } },
  { problem: 'cartpole', complexity: 'poles=4', settings: { poles: 4 } },
  { problem: 'repulsion', complexity: 'rc=0.1', settings: { rc: 0.1 } },
  { problem: 'quantum', complexity: 'target=3', settings: { target: 3 } },
];
const MODES: [Mode, string][] = [['full', 'R'], ['physics', 'M'], ['stop', 'S'], ['combined', 'C']];
const BATCH = 8;

const args = process.argv.slice(2);
const quick = args.includes('--quick');
const only = args.includes('--problem') ? args[args.indexOf('--problem') + 1] : undefined;
const benchDir = join(packageRoot(), 'bench');

interface Result {
  problem: string;
  complexity: string;
  mode: string;
  precision: Precision;
  batch: number;
  steps: number;
  msMedian: number;
  msMin: number;
  msMax: number;
  gflops: number;
}

type Timing = Omit<Result, 'problem' | 'complexity' | 'mode' | 'precision'>;

/** One update per precision in turn, warm-up first; the median, min and max of each. */
function measure(c: Case, mode: Mode): Record<Precision, Timing> {
  const def = PROBLEMS[c.problem]!;
  const settings: Settings = resolveSettings(def, c.settings);
  const p = def.create(settings);
  const rng = new Rng(1);
  const params0 = p.controller.initParams(rng);
  // A random last layer so every backward sweep does real work from the first update.
  for (let i = 0; i < params0.length; i++) if (params0[i] === 0) params0[i] = rng.uniform(-0.01, 0.01);
  const x0 = p.sample(BATCH, rng);
  const setups = PRECISIONS.map((precision) => {
    const controller = atPrecision(p.controller, precision);
    return {
      precision,
      controller,
      params: Float64Array.from(params0),
      rule: new UpdateRule({ ...p, controller, batch: BATCH }),
      opt: createOptimizer('ADAM', params0.length, 1e-3),
      times: [] as number[],
    };
  });
  const warm = quick ? 3 : 10;
  const reps = quick ? 7 : 30;
  for (let i = 0; i < warm + reps; i++) {
    for (const s of setups) {
      const t0 = performance.now();
      const r = s.rule.compute(s.params, x0, mode);
      s.opt.step(s.params, r.update);
      if (i >= warm) s.times.push(performance.now() - t0);
    }
  }
  const sweeps = mode === 'combined' ? 2 : 1;
  const rows = p.steps * BATCH;
  const flops = 2 * rows * (p.controller.macsPerRow * (1 + 2 * sweeps) + (p.simulator.macsPerSample ?? 0) * (1 + sweeps));
  const out = {} as Record<Precision, Timing>;
  for (const s of setups) {
    const t = s.times.sort((a, b) => a - b);
    const msMedian = t[Math.floor(t.length / 2)]!;
    out[s.precision] = { batch: BATCH, steps: p.steps, msMedian, msMin: t[0]!, msMax: t.at(-1)!, gflops: flops / (msMedian * 1e6) };
  }
  return out;
}

function updates(): void {
  const results: Result[] = [];
  for (const c of CASES) {
    if (!PROBLEMS[c.problem] || (only && only !== c.problem)) continue;
    for (const [mode, letter] of MODES) {
      const m = measure(c, mode);
      for (const precision of PRECISIONS) results.push({ problem: c.problem, complexity: c.complexity, mode: letter, precision, ...m[precision] });
      process.stdout.write(
        `${c.problem.padEnd(10)} ${c.complexity.padEnd(9)} ${letter}  ` +
          PRECISIONS.map((q) => `${q} ${m[q].msMedian.toFixed(2).padStart(6)} ms (${m[q].gflops.toFixed(1).padStart(4)} GFLOP/s)`).join('  ') +
          `  f32/f64 ${(m.f32.msMedian / m.f64.msMedian).toFixed(2)}\n`,
      );
    }
    for (const precision of PRECISIONS) {
      const at = (mode: string) => results.find((r) => r.complexity === c.complexity && r.problem === c.problem && r.mode === mode && r.precision === precision)!;
      process.stdout.write(`${c.problem.padEnd(10)} ${c.complexity.padEnd(9)} ${precision} C/R = ${(at('C').msMedian / at('R').msMedian).toFixed(2)}\n`);
    }
    process.stdout.write('\n');
  }
  const out = join(benchDir, 'results.json');
  writeFileSync(out, JSON.stringify(results, null, 2) + '\n');
  process.stdout.write(`wrote ${out}\n\n`);
}

if (!args.includes('--study-only')) updates();
if (!args.includes('--updates-only')) runStudy({ quick, only, out: join(benchDir, 'study.json') });
