/**
 * The study's cost: full epochs of each problem at the paper's settings (batch 8, 256 training
 * and 256 test states, so 32 updates, the evaluation of both sets and a checkpoint into a run
 * store), per mode and precision, and from them the wall time of the three published grids
 * (spec: complexity × clipping × mode, 1000 epochs each) with the default number of workers.
 *
 * An epoch's parts: updates (the records' `time`), evaluation (the rest of runEpoch: two forward
 * passes over 256 states) and the checkpoint (snapshot + store.saveProgress, append-only).
 * CPU time per part, and from it GFLOP/s: the evaluation's is that of one more evaluation of the
 * same parameters (Trainer.evaluate, timed after the epoch), the updates' the rest of runEpoch's.
 * FLOPs count the products' multiply-adds (the network's per row: 1 forward + 2 per backward sweep;
 * the simulator's per sample: 1 forward + 1 per sweep) as 2 FLOPs each, nothing else.
 * The cost does not depend on the clipping, nor for repulsion (rc) and quantum (target) on the
 * complexity, so those grids are timed at one complexity; cart-pole at every pole count.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { availableParallelism, tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Mode } from '../src/bptt/modes.js';
import { PRECISIONS, type Precision } from '../src/kernels/module.js';
import { BUILTIN_PROBLEMS, type SettingValue } from '../src/physics/index.js';
import { builtinProblem } from '../src/runs/problems.js';
import { PAPER_CLIPS, PAPER_MODES } from '../src/runs/sweep.js';
import { RunStore } from '../src/runs/store.js';
import { resolveTrainConfig } from '../src/train/config.js';
import { Trainer } from '../src/train/trainer.js';

const LETTER: Record<string, string> = { full: 'R', physics: 'M', combined: 'C', stop: 'S' };

interface EpochTiming {
  problem: string;
  complexity: string;
  mode: string;
  precision: Precision;
  /** Median seconds of the measured epochs: whole epoch and its parts. */
  epochSeconds: number;
  /** Median CPU seconds of this process per epoch: what the epoch costs a core of its own. */
  cpuSeconds: number;
  updateSeconds: number;
  evalSeconds: number;
  checkpointSeconds: number;
  /** Median CPU seconds of the updates, the evaluation and the checkpoint, and GFLOP/s of the first two on that CPU time. */
  updateCpuSeconds: number;
  evalCpuSeconds: number;
  checkpointCpuSeconds: number;
  updateGflops: number;
  evalGflops: number;
}

interface GridEstimate {
  problem: string;
  runs: number;
  epochs: number;
  workers: number;
  /** Mean seconds per epoch over the grid's runs, per mode and precision (wall time, and CPU time). */
  secondsPerEpoch: Record<string, Record<Precision, number>>;
  cpuSecondsPerEpoch: Record<string, Record<Precision, number>>;
  /** Estimated wall time of the whole grid, hours: from the measured wall times, and from CPU times (a core per worker). */
  wallHours: Record<Precision, number>;
  cpuBasedHours: Record<Precision, number>;
}

const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

/** Times `epochs` epochs (after one warm-up) of one run config in a temporary store. */
async function timeEpochs(
  problem: string, settings: Record<string, SettingValue>, mode: Mode, precision: Precision, epochs: number, store: RunStore,
): Promise<Omit<EpochTiming, 'problem' | 'complexity' | 'mode' | 'precision'>> {
  const def = builtinProblem(problem);
  const config = resolveTrainConfig(def, { mode, precision, settings, epochs: epochs + 1 });
  const trainer = new Trainer(def, config);
  const id = await store.createRun(config);
  const parts = {
    epoch: [] as number[], cpu: [] as number[], update: [] as number[], evaluation: [] as number[], checkpoint: [] as number[],
    updateCpu: [] as number[], evalCpu: [] as number[], checkpointCpu: [] as number[],
  };
  const cpuSince = (c0: NodeJS.CpuUsage): number => {
    const c = process.cpuUsage(c0);
    return (c.user + c.system) / 1e6;
  };
  for (let e = 0; e <= epochs; e++) {
    const c0 = process.cpuUsage();
    const t0 = performance.now();
    const record = trainer.runEpoch();
    const c1 = process.cpuUsage();
    const t1 = performance.now();
    await store.saveProgress(id, trainer.snapshot());
    const t2 = performance.now();
    const cpu = cpuSince(c0), checkpointCpu = cpuSince(c1);
    if (!record) throw new Error(`${problem} ${mode} ${precision} diverged in the bench`);
    const c3 = process.cpuUsage();
    trainer.evaluate();
    const evalCpu = cpuSince(c3);
    if (e === 0) continue;
    parts.epoch.push((t2 - t0) / 1000);
    parts.cpu.push(cpu);
    parts.update.push(record.time);
    parts.evaluation.push((t1 - t0) / 1000 - record.time);
    parts.checkpoint.push((t2 - t1) / 1000);
    parts.evalCpu.push(evalCpu);
    parts.updateCpu.push(cpu - checkpointCpu - evalCpu);
    parts.checkpointCpu.push(checkpointCpu);
  }
  // FLOPs of one epoch's updates and of its evaluation (see the file comment).
  const { controller, simulator, steps } = trainer.problem;
  const sweeps = mode === 'combined' ? 2 : 1, net = controller.macsPerRow, sim = simulator.macsPerSample ?? 0;
  const updateFlops = (config.trainSize / config.batch) * 2 * steps * config.batch * (net * (1 + 2 * sweeps) + sim * (1 + sweeps));
  const evalFlops = 2 * steps * (config.trainSize + config.testSize) * (net + sim);
  const updateCpuSeconds = median(parts.updateCpu), evalCpuSeconds = median(parts.evalCpu);
  return {
    epochSeconds: median(parts.epoch), cpuSeconds: median(parts.cpu), updateSeconds: median(parts.update), evalSeconds: median(parts.evaluation),
    checkpointSeconds: median(parts.checkpoint), updateCpuSeconds, evalCpuSeconds, checkpointCpuSeconds: median(parts.checkpointCpu),
    updateGflops: updateFlops / updateCpuSeconds / 1e9, evalGflops: evalFlops / evalCpuSeconds / 1e9,
  };
}

export async function runStudy(o: { quick: boolean; only: string | undefined; out: string }): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'sbptt-bench-'));
  const store = await RunStore.open(join(dir, 'bench.sqlite'));
  const workers = availableParallelism();
  const epochsPerCell = o.quick ? 1 : 2;
  const timings: EpochTiming[] = [];
  const grids: GridEstimate[] = [];
  try {
    for (const def of BUILTIN_PROBLEMS) {
      if ((o.only && o.only !== def.name) || !def.complexity) continue;
      const complexityOf = def.complexity;
      // Cart-pole's cost grows with the pole count; the other grids' complexity leaves it unchanged.
      const timed = def.name === 'cartpole' ? complexityOf.values : [complexityOf.values[0]!];
      const secondsPerEpoch: GridEstimate['secondsPerEpoch'] = {};
      const cpuSecondsPerEpoch: GridEstimate['cpuSecondsPerEpoch'] = {};
      for (const mode of PAPER_MODES) {
        const letter = LETTER[mode] ?? mode;
        const mean = {} as Record<Precision, number>, cpuMean = {} as Record<Precision, number>;
        for (const precision of PRECISIONS) mean[precision] = cpuMean[precision] = 0;
        for (const value of timed) {
          const settings = { [complexityOf.key]: value };
          const complexity = `${complexityOf.key}=${String(value)}`;
          // Precisions alternate cell by cell, so both see the same load.
          for (const precision of PRECISIONS) {
            const t = await timeEpochs(def.name, settings, mode, precision, epochsPerCell, store);
            timings.push({ problem: def.name, complexity, mode: letter, precision, ...t });
            mean[precision] += t.epochSeconds / timed.length;
            cpuMean[precision] += t.cpuSeconds / timed.length;
            process.stdout.write(
              `${def.name.padEnd(10)} ${complexity.padEnd(9)} ${letter} ${precision}  epoch ${t.epochSeconds.toFixed(3)} s (cpu ${t.cpuSeconds.toFixed(3)}) = updates ${t.updateSeconds.toFixed(3)}` +
                ` + evaluation ${t.evalSeconds.toFixed(3)} + checkpoint ${t.checkpointSeconds.toFixed(4)};  cpu: updates ${t.updateCpuSeconds.toFixed(3)}` +
                ` (${t.updateGflops.toFixed(1)} GFLOP/s) + evaluation ${t.evalCpuSeconds.toFixed(3)} (${t.evalGflops.toFixed(1)} GFLOP/s) + checkpoint ${t.checkpointCpuSeconds.toFixed(4)}\n`,
            );
          }
        }
        secondsPerEpoch[letter] = mean;
        cpuSecondsPerEpoch[letter] = cpuMean;
      }
      const runsPerMode = complexityOf.values.length * PAPER_CLIPS.length;
      const epochs = def.training.epochs;
      const hours = (perEpoch: GridEstimate['secondsPerEpoch']): Record<Precision, number> => {
        const h = {} as Record<Precision, number>;
        for (const q of PRECISIONS) h[q] = Object.values(perEpoch).reduce((a, s) => a + s[q] * runsPerMode * epochs, 0) / workers / 3600;
        return h;
      };
      const wallHours = hours(secondsPerEpoch), cpuBasedHours = hours(cpuSecondsPerEpoch);
      grids.push({ problem: def.name, runs: runsPerMode * PAPER_MODES.length, epochs, workers, secondsPerEpoch, cpuSecondsPerEpoch, wallHours, cpuBasedHours });
      process.stdout.write(
        `${def.name}: ${runsPerMode * PAPER_MODES.length} runs × ${epochs} epochs, ${workers} workers: ` +
          PRECISIONS.map((q) => `${q} ${wallHours[q].toFixed(2)} h (from CPU time ${cpuBasedHours[q].toFixed(2)} h)`).join(', ') + '\n\n',
      );
    }
  } finally {
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  }
  const total = {} as Record<Precision, number>, cpuTotal = {} as Record<Precision, number>;
  for (const q of PRECISIONS) {
    total[q] = grids.reduce((a, g) => a + g.wallHours[q], 0);
    cpuTotal[q] = grids.reduce((a, g) => a + g.cpuBasedHours[q], 0);
  }
  process.stdout.write(`all grids: ${PRECISIONS.map((q) => `${q} ${total[q].toFixed(2)} h (from CPU time ${cpuTotal[q].toFixed(2)} h)`).join(', ')} (estimated, ${workers} workers)\n`);
  const note =
    'Estimated wall time = Σ over the grid of epochs × measured seconds per epoch ÷ workers; assumes the workers (one per core) ' +
    'do not slow each other down, and that cost does not change during a run. The CPU-time estimate uses the process\'s own CPU ' +
    'seconds per epoch instead of wall seconds: what the grid would take with a core per worker and no other load.';
  writeFileSync(o.out, JSON.stringify({ note, machine: { cores: workers }, grids, totalWallHours: total, totalCpuBasedHours: cpuTotal, epochs: timings }, null, 2) + '\n');
  process.stdout.write(`wrote ${o.out}\n`);
}
