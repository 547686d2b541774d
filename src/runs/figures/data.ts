/**
 * From stored runs to the numbers the paper's figures and tables show: each run's label
 * (mode letter, clip), its complexity value, its smoothed curves truncated at divergence,
 * and the final smoothed test loss. Pure: no Node built-ins, reusable in a browser.
 */
import { fieldLabel, type Mode } from '../../bptt/modes.js';
import type { ProblemDefinition, SettingValue } from '../../physics/problem.js';
import { movingAverage, SMOOTH_WINDOW } from './smooth.js';

/** The per-epoch columns a figure reads (EpochRecord satisfies this; null = NaN in the store). */
export interface FigureRecord {
  readonly epoch: number;
  readonly testLoss: number | null;
  readonly gradSize: number | null;
  /** Seconds the epoch's updates took (optional: figures by training time need it). */
  readonly time?: number;
}

/** What a figure needs from a run (a StoredRun with its records satisfies this). */
export interface FigureRun {
  readonly id: number;
  readonly problem: string;
  readonly config: {
    readonly mode: Mode;
    readonly schedule?: string | null;
    readonly truncate?: number | null;
    readonly clip: string;
    readonly settings: Readonly<Record<string, SettingValue>>;
  };
  readonly status: string;
  readonly reason: string | null;
  readonly records: readonly FigureRecord[];
}

export type FigureColumn = 'testLoss' | 'gradSize';

/** The clipping modes, in legend order (NORM first: the paper labels only the NORM curves). */
export const CLIP_ORDER: readonly string[] = ['NORM', 'VALUE', 'NONE'];

/** Mode labels in legend order: the paper's R, M, C, S, then network's N. */
export const MODE_ORDER: readonly string[] = ['R', 'M', 'C', 'S', 'N'];

/** The paper's letter (R, M, C, S; N for network) or the schedule text, with /k when truncated to k steps (R/10). */
export function modeLabel(run: FigureRun): string {
  return fieldLabel(run.config);
}

/** What figures need of a problem (a ProblemDefinition, or its JSON description in the dashboard). */
export type FigureProblem = Pick<ProblemDefinition, 'name' | 'title' | 'complexity' | 'reportsPhysicsLoss' | 'updateSizePanel'>;

/** The run's complexity value; '' for problems that declare no complexity (one panel for all). */
export function complexityOf(problem: FigureProblem, run: FigureRun): SettingValue {
  if (!problem.complexity) return '';
  const v = run.config.settings[problem.complexity.key];
  if (v === undefined) throw new Error(`run ${run.id} has no ${problem.complexity.key} setting`);
  return v;
}

/** The complexity values present among the runs: the problem's order first, then others sorted. */
export function complexityValues(problem: FigureProblem, runs: readonly FigureRun[]): SettingValue[] {
  const present = new Set(runs.map((r) => complexityOf(problem, r)));
  const order = problem.complexity?.values ?? [];
  const known = order.filter((v) => present.has(v));
  const extra = [...present].filter((v) => !order.includes(v));
  extra.sort((a, b) => (typeof a === 'number' && typeof b === 'number' ? a - b : String(a).localeCompare(String(b))));
  return [...known, ...extra];
}

/** A value as tables show it: the problem's own label, or the value. */
export function complexityLabel(problem: FigureProblem, value: SettingValue): string {
  return problem.complexity?.label ? problem.complexity.label(value) : String(value);
}

/** "poles 2", "rc 0.1", "target 3 (paper: 2)": a run's complexity in listings; — when its problem has none or is not at hand. */
export function complexityText(run: { readonly config: { readonly settings: Readonly<Record<string, SettingValue>> } }, problem: FigureProblem | null): string {
  const c = problem?.complexity;
  const v = c ? run.config.settings[c.key] : undefined;
  if (!c || v === undefined) return '—';
  return c.label ? c.label(v) : `${c.key} ${String(v)}`;
}

/** A panel title: "poles = 2", "rc = 0.1", or the problem's own label ("target 3 (paper: 2)"). */
export function complexityTitle(problem: FigureProblem, value: SettingValue): string {
  if (!problem.complexity) return 'all runs';
  return problem.complexity.label ? problem.complexity.label(value) : `${problem.complexity.key} = ${String(value)}`;
}

/** Labels present among the runs in legend order (R, M, C, S, N, then others as met). */
export function labelsPresent(runs: readonly FigureRun[], label: (r: FigureRun) => string, order: readonly string[]): string[] {
  const present = [...new Set(runs.map(label))];
  return [...order.filter((l) => present.includes(l)), ...present.filter((l) => !order.includes(l))];
}

export interface Series {
  readonly epochs: number[];
  /** Smoothed values (same length as epochs). */
  readonly values: number[];
}

/**
 * One column of a run up to its divergence (the records before the first missing or non-finite
 * value), smoothed by the moving average.
 */
export function smoothedSeries(run: FigureRun, column: FigureColumn, window = SMOOTH_WINDOW): Series {
  const epochs: number[] = [];
  const raw: number[] = [];
  for (const r of run.records) {
    const v = r[column];
    if (v === null || !Number.isFinite(v)) break;
    epochs.push(r.epoch);
    raw.push(v);
  }
  return { epochs, values: movingAverage(raw, window) };
}

export interface FinalEntry {
  readonly runId: number;
  readonly complexity: SettingValue;
  readonly mode: string;
  readonly clip: string;
  readonly status: string;
  readonly reason: string | null;
  /** Epochs with a finite test loss (the records up to divergence). */
  readonly epochs: number;
  /** Last epoch plotted, or null without records. */
  readonly lastEpoch: number | null;
  /** Smoothed test loss at the last finite epoch, or null without records. */
  readonly finalLoss: number | null;
}

/** The final smoothed test loss of every run, in figure order (complexity, clip, mode, id). */
export function finalLosses(problem: FigureProblem, runs: readonly FigureRun[], window = SMOOTH_WINDOW): FinalEntry[] {
  const complexities = complexityValues(problem, runs);
  const modes = labelsPresent(runs, modeLabel, MODE_ORDER);
  const clips = labelsPresent(runs, (r) => r.config.clip, CLIP_ORDER);
  const entries = runs.map((run): FinalEntry => {
    const s = smoothedSeries(run, 'testLoss', window);
    const n = s.values.length;
    return {
      runId: run.id,
      complexity: complexityOf(problem, run),
      mode: modeLabel(run),
      clip: run.config.clip,
      status: run.status,
      reason: run.reason,
      epochs: n,
      lastEpoch: n ? s.epochs[n - 1]! : null,
      finalLoss: n ? s.values[n - 1]! : null,
    };
  });
  const key = (e: FinalEntry): number[] => [complexities.indexOf(e.complexity), clips.indexOf(e.clip), modes.indexOf(e.mode), e.runId];
  return entries.sort((a, b) => {
    const ka = key(a), kb = key(b);
    for (let i = 0; i < ka.length; i++) if (ka[i] !== kb[i]) return ka[i]! - kb[i]!;
    return 0;
  });
}

/** The problem a set of runs belongs to; runs of several problems cannot share one figure. */
export function singleProblem(runs: readonly FigureRun[], what: string): string {
  const names = [...new Set(runs.map((r) => r.problem))];
  if (names.length !== 1) throw new Error(`${what} mixes problems (${names.join(', ')}); a figure shows one problem`);
  return names[0]!;
}
