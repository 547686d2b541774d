/**
 * Time left of a set of runs, from the wall time of the epochs seen so far. Runs are timed by
 * kind: a quantum epoch costs a hundred cart-pole epochs and a C epoch more than an R one, so one
 * mean over a mixed sweep (`reproduce all`) would be far off. A run's epochs left are priced at the
 * mean of the most alike runs seen: same problem, settings, mode and sizes; else same problem and
 * settings; else same problem; else any.
 */
import type { TrainConfig } from '../train/config.js';

interface Timing {
  seconds: number;
  epochs: number;
}

/** Keys of a run's kind, from the most alike to any run. */
function kindsOf(config: TrainConfig): string[] {
  const problem = JSON.stringify([config.problem, config.settings]);
  const sizes = JSON.stringify([config.mode, config.schedule ?? null, config.precision, config.batch, config.trainSize, config.testSize, config.truncate ?? null]);
  return [`${problem}${sizes}`, problem, config.problem, ''];
}

export class EtaEstimator {
  private readonly kinds = new Map<number, string[]>();
  private readonly left = new Map<number, number>();
  private readonly timings = new Map<string, Timing>();

  /** `runs`: the runs still to train, with their configs and the epochs they have done. */
  constructor(runs: readonly { id: number; config: TrainConfig; epochsDone: number }[], private readonly workers: number) {
    for (const r of runs) {
      this.kinds.set(r.id, kindsOf(r.config));
      this.left.set(r.id, r.config.epochs - r.epochsDone);
    }
  }

  /** One epoch of a run took `wallSeconds`; it is at `epoch` of `epochs`. Epochs of runs not given are ignored. */
  epoch(run: number, epoch: number, epochs: number, wallSeconds: number): void {
    const kinds = this.kinds.get(run);
    if (!kinds) return;
    this.left.set(run, epochs - epoch);
    for (const k of kinds) {
      const t = this.timings.get(k) ?? { seconds: 0, epochs: 0 };
      t.seconds += wallSeconds;
      t.epochs++;
      this.timings.set(k, t);
    }
  }

  finished(run: number): void {
    this.left.delete(run);
  }

  /** Seconds left on `workers` threads; NaN before the first epoch is timed. */
  seconds(): number {
    let total = 0;
    for (const [run, epochs] of this.left) {
      const t = this.kinds.get(run)!.map((k) => this.timings.get(k)).find((x) => x !== undefined);
      if (!t) return NaN;
      total += epochs * (t.seconds / t.epochs);
    }
    return total / Math.max(1, Math.min(this.workers, this.left.size));
  }
}
