/**
 * Seeds as first-class: runs that differ only in their seed (same complexity, clipping and mode
 * label) form a group, drawn as one centre curve (median or mean) inside a band (min–max or
 * interquartile range) and shown in tables as centre and spread. Pure: no Node built-ins.
 */
import { CLIP_ORDER, complexityOf, complexityValues, labelsPresent, MODE_ORDER, modeLabel, smoothedSeries, type FigureColumn, type FigureProblem, type FigureRun } from './data.js';
import type { SettingValue } from '../../physics/problem.js';

/** The centre curve of a group of seeds. */
export type SeedCenter = 'median' | 'mean';
/** The band around it: the whole range, or the middle half (25th to 75th percentile). */
export type SeedBand = 'minmax' | 'iqr';

export interface SeedStatsOptions {
  /** Default median: robust to one seed that went astray, and meaningful on a log axis. */
  center?: SeedCenter;
  /** Default minmax: with the few seeds a study affords, the whole range is the honest spread. */
  band?: SeedBand;
}

export const SEED_CENTERS: readonly SeedCenter[] = ['median', 'mean'];
export const SEED_BANDS: readonly SeedBand[] = ['minmax', 'iqr'];

export function parseSeedCenter(flag: string, text: string): SeedCenter {
  if ((SEED_CENTERS as readonly string[]).includes(text)) return text as SeedCenter;
  throw new Error(`--${flag}: got "${text}", expected ${SEED_CENTERS.join(' or ')}`);
}

export function parseSeedBand(flag: string, text: string): SeedBand {
  if ((SEED_BANDS as readonly string[]).includes(text)) return text as SeedBand;
  throw new Error(`--${flag}: got "${text}", expected ${SEED_BANDS.join(' or ')}`);
}

export interface Spread {
  readonly center: number;
  readonly lo: number;
  readonly hi: number;
  /** How many values (seeds) it summarises. */
  readonly n: number;
}

/** The q-quantile of ascending values, linearly interpolated between order statistics. */
export function quantile(sorted: readonly number[], q: number): number {
  if (sorted.length === 0) throw new Error('quantile of no values');
  const at = q * (sorted.length - 1);
  const i = Math.floor(at);
  const frac = at - i;
  return i + 1 < sorted.length ? sorted[i]! + frac * (sorted[i + 1]! - sorted[i]!) : sorted[i]!;
}

/** Centre and band of some values (one per seed). */
export function spreadOf(values: readonly number[], opts: SeedStatsOptions = {}): Spread {
  const sorted = [...values].sort((a, b) => a - b);
  const center = (opts.center ?? 'median') === 'median' ? quantile(sorted, 0.5) : sorted.reduce((s, v) => s + v, 0) / sorted.length;
  const iqr = (opts.band ?? 'minmax') === 'iqr';
  return { center, lo: iqr ? quantile(sorted, 0.25) : sorted[0]!, hi: iqr ? quantile(sorted, 0.75) : sorted[sorted.length - 1]!, n: sorted.length };
}

/** Runs that differ only in their seed. */
export interface SeedGroup {
  readonly complexity: SettingValue;
  readonly clip: string;
  readonly mode: string;
  /** Ascending by id. */
  readonly runs: readonly FigureRun[];
}

/** The groups of the runs, in figure order (complexity, clipping, mode). */
export function seedGroups(problem: FigureProblem, runs: readonly FigureRun[]): SeedGroup[] {
  const complexities = complexityValues(problem, runs);
  const modes = labelsPresent(runs, modeLabel, MODE_ORDER);
  const clips = labelsPresent(runs, (r) => r.config.clip, CLIP_ORDER);
  const groups: SeedGroup[] = [];
  for (const complexity of complexities)
    for (const clip of clips)
      for (const mode of modes) {
        const members = runs.filter((r) => complexityOf(problem, r) === complexity && r.config.clip === clip && modeLabel(r) === mode);
        if (members.length) groups.push({ complexity, clip, mode, runs: [...members].sort((a, b) => a.id - b.id) });
      }
  return groups;
}

/** One epoch of a group's aggregated curve. */
export interface BandPoint extends Spread {
  readonly epoch: number;
  /** Mean over the seeds of the training seconds up to the end of the epoch. */
  readonly time: number;
}

/**
 * A group's smoothed column aggregated over its seeds, epoch by epoch. A seed that diverged
 * leaves the aggregate after its last finite epoch (the band then summarises the seeds still
 * running; `n` says how many).
 */
export function groupCurve(group: SeedGroup, column: FigureColumn, window: number, opts: SeedStatsOptions = {}): BandPoint[] {
  const byEpoch = new Map<number, { values: number[]; times: number[] }>();
  for (const run of group.runs) {
    const s = smoothedSeries(run, column, window);
    let time = 0;
    for (let i = 0; i < s.values.length; i++) {
      time += run.records[i]!.time ?? 0;
      const at = byEpoch.get(s.epochs[i]!) ?? { values: [], times: [] };
      at.values.push(s.values[i]!);
      at.times.push(time);
      byEpoch.set(s.epochs[i]!, at);
    }
  }
  return [...byEpoch.entries()]
    .sort((a, b) => a[0] - b[0])
    .map(([epoch, { values, times }]) => ({ epoch, time: times.reduce((a, b) => a + b, 0) / times.length, ...spreadOf(values, opts) }));
}

/** "1.23e-2" for one seed; "1.23e-2 (8.10e-3–2.00e-2, 3 seeds)" for several. */
export function spreadText(s: Spread, format: (v: number) => string): string {
  return s.n > 1 ? `${format(s.center)} (${format(s.lo)}–${format(s.hi)}, ${s.n} seeds)` : format(s.center);
}
