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
 * When even t₂ is not below L₁ (every mode ended within a decade of the start, as the quantum
 * problem can), t₂ is three quarters of the way from L₁ down to the best and t₁ halfway between
 * L₁ and t₂, both on a log scale (three significant digits), so that every level lies below L₁.
 */
export function lossThresholds(firstLosses: readonly number[], bestFinal: number): LossLevels {
  const finite = firstLosses.filter((v) => Number.isFinite(v) && v > 0);
  const decadeBasis = 'the power of ten just above the best final loss at the highest complexity, and a level between it and the starting loss';
  if (finite.length === 0 || !(bestFinal > 0) || !Number.isFinite(bestFinal)) return { levels: [1e-1, 1e-2], basis: 'fixed levels (no finite losses to choose by)' };
  const start = spreadOf(finite).center;
  const decade = Number(`1e${Math.ceil(Math.log10(bestFinal))}`);
  if (decade < start) return { levels: [10 * decade < start ? 10 * decade : Number(Math.sqrt(start * decade).toPrecision(2)), decade], basis: decadeBasis };
  if (!(bestFinal < start)) return { levels: [start, start], basis: 'the starting loss (no mode ended below it)' };
  const low = Math.max(bestFinal, Number((start * (bestFinal / start) ** 0.75).toPrecision(3)));
  return {
    levels: [Number(Math.sqrt(start * low).toPrecision(3)), low],
    basis: 'two levels between the starting loss and the best final loss at the highest complexity, on a log scale (every mode ended within a decade of its start)',
  };
}

/** Two loss levels to time, higher first, and how they were chosen (the report says it). */
export interface LossLevels {
  levels: [number, number];
  basis: string;
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
