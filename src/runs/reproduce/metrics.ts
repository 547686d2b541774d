/**
 * The numbers the reproduction report judges by: epochs to reach a loss threshold, the thresholds
 * themselves, and the comparison of two modes over their seeds. Pure: no Node built-ins.
 */
import type { Series } from '../figures/data.js';
import { spreadOf, type Spread } from '../figures/seeds.js';

/**
 * The first epoch at which the smoothed curve is at or below the threshold; null if it never gets
 * there (within the epochs it has, which stop at a divergence).
 */
export function epochsToReach(series: Series, threshold: number): number | null {
  for (let i = 0; i < series.values.length; i++) if (series.values[i]! <= threshold) return series.epochs[i]!;
  return null;
}

/**
 * Two loss levels worth timing, from the problem's starting loss L₁ (median test loss after the
 * first epoch) and the best final loss reached: the power of ten just above the best, t₂, and one
 * decade higher, t₁ = 10·t₂ — or, when that is not below L₁, the level halfway between L₁ and t₂ on
 * a log scale (two significant digits). Cart-pole with L₁ ≈ 2 and a best of 5e-3 gives 1e-1 and 1e-2.
 */
export function lossThresholds(firstLosses: readonly number[], bestFinal: number): [number, number] {
  const finite = firstLosses.filter((v) => Number.isFinite(v) && v > 0);
  if (finite.length === 0 || !(bestFinal > 0) || !Number.isFinite(bestFinal)) return [1e-1, 1e-2];
  const start = spreadOf(finite).center;
  const low = Number(`1e${Math.ceil(Math.log10(bestFinal))}`);
  const high = 10 * low < start ? 10 * low : Number(Math.sqrt(start * low).toPrecision(2));
  return [high, low];
}

/** "reproduced", "partly reproduced" or "not reproduced". */
export type Verdict = 'reproduced' | 'partly reproduced' | 'not reproduced';

export interface Comparison {
  /** The mode expected to be lower (C), over its seeds. */
  better: Spread;
  /** The mode it is compared with, over its seeds. */
  worse: Spread;
  verdict: Verdict;
}

/** Medians closer than this ratio count as no difference (run-to-run noise of a chaotic rollout). */
export const NO_DIFFERENCE = 0.9;

/**
 * Whether the final losses of one mode are lower than another's. Its median must be below
 * NO_DIFFERENCE × the other's, else "not reproduced". Then every seed of it below every seed of
 * the other is "reproduced", overlapping ranges "partly". With a single seed each (no spread to
 * go by) a factor 2 counts as reproduced, less as partly.
 */
export function compareModes(better: readonly number[], worse: readonly number[]): Comparison | null {
  if (better.length === 0 || worse.length === 0) return null;
  const b = spreadOf(better);
  const w = spreadOf(worse);
  let verdict: Verdict;
  if (!(b.center < NO_DIFFERENCE * w.center)) verdict = 'not reproduced';
  else if (b.n > 1 || w.n > 1) verdict = b.hi < w.lo ? 'reproduced' : 'partly reproduced';
  else verdict = b.center * 2 <= w.center ? 'reproduced' : 'partly reproduced';
  return { better: b, worse: w, verdict };
}
