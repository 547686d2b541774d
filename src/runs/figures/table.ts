/**
 * The Markdown table next to a sweep's figure: the final smoothed test loss per complexity ×
 * clipping mode (rows) × gradient mode (columns), and a line per run that diverged, failed, is
 * unfinished or has no records. Pure: no Node built-ins.
 */
import { CLIP_ORDER, complexityLabel, complexityTitle, complexityValues, finalLosses, labelsPresent, MODE_ORDER, modeLabel, type FigureProblem, type FigureRun, type FinalEntry } from './data.js';
import { spreadOf, type SeedStatsOptions } from './seeds.js';
import { SMOOTH_WINDOW } from './smooth.js';

/** Scientific notation with 3 significant digits: 1.23e-4. */
export function sciNotation(v: number): string {
  return Number.isFinite(v) ? v.toExponential(2) : String(v);
}

const MARK: Readonly<Record<string, string>> = { diverged: ' †', running: ' *', queued: ' *' };

/** A cell: the run's final loss, or for several seeds their centre with the band and the count. */
function cell(entries: readonly FinalEntry[], seeds: SeedStatsOptions): string {
  const plotted = entries.filter((e) => e.finalLoss !== null);
  if (plotted.length === 0) return entries.length ? '–' : '';
  const marks = [...new Set(plotted.map((e) => MARK[e.status] ?? ''))].join('');
  const spread = spreadOf(plotted.map((e) => e.finalLoss!), seeds);
  return spread.n > 1 ? `${sciNotation(spread.center)}${marks} (${sciNotation(spread.lo)}–${sciNotation(spread.hi)}, ${spread.n} seeds)` : `${sciNotation(spread.center)}${marks}`;
}

function describe(problem: FigureProblem, e: FinalEntry): string {
  const what = `run ${e.runId} (${complexityTitle(problem, e.complexity)}, ${e.mode}, ${e.clip})`;
  const reason = e.reason ? `: ${e.reason}` : '';
  if (e.finalLoss === null) return `- ${what}: ${e.status}, no records — not plotted${reason}`;
  const at = `final smoothed loss ${sciNotation(e.finalLoss)} at epoch ${e.lastEpoch}`;
  if (e.status === 'diverged') return `- ${what}: diverged, plotted up to epoch ${e.lastEpoch} (${at})${reason}`;
  return `- ${what}: ${e.status} after ${e.epochs} epochs (${at})${reason}`;
}

export interface SweepTableOptions {
  sweep?: string;
  window?: number;
  /** How repeats with different seeds are summarised (default: median, min–max). */
  seeds?: SeedStatsOptions;
  /** Headings: the title (level 1) and the notes' section (level 2); false for a section of a larger report. */
  headings?: boolean;
}

/** The sentence under a table that says how seeds are summarised. */
export function seedsSentence(seeds: SeedStatsOptions = {}): string {
  const band = (seeds.band ?? 'minmax') === 'iqr' ? 'interquartile range' : 'minimum–maximum';
  return `Where a cell has several seeds it shows their ${seeds.center ?? 'median'}, the ${band} in brackets and the number of seeds.`;
}

export function sweepTable(problem: FigureProblem, runs: readonly FigureRun[], opts: SweepTableOptions = {}): string {
  const window = opts.window ?? SMOOTH_WINDOW;
  const entries = finalLosses(problem, runs, window);
  const modes = labelsPresent(runs, modeLabel, MODE_ORDER);
  const clips = labelsPresent(runs, (r) => r.config.clip, CLIP_ORDER);
  const headings = opts.headings ?? true;
  const lines = [
    ...(headings ? [`# ${problem.title}${opts.sweep ? ` — sweep ${opts.sweep}` : ''}`, ''] : []),
    `Final test loss${problem.reportsPhysicsLoss ? ' (total, incl. regularisation)' : ''}, ${window}-epoch moving average, at each run's last plotted epoch.`,
    '',
    `| ${problem.complexity?.key ?? 'complexity'} | clip | ${modes.join(' | ')} |`,
    `|---|---|${modes.map(() => '---:|').join('')}`,
  ];
  for (const c of complexityValues(problem, runs)) {
    for (const clip of clips) {
      const row = entries.filter((e) => e.complexity === c && e.clip === clip);
      // Rows whose runs have no records yet (a study that has not got there) say nothing.
      if (row.every((e) => e.finalLoss === null)) continue;
      lines.push(`| ${complexityLabel(problem, c)} | ${clip} | ${modes.map((m) => cell(row.filter((e) => e.mode === m), opts.seeds ?? {})).join(' | ')} |`);
    }
  }
  // Queued runs without records are one line, however many: a long study lists them by id range.
  const waiting = entries.filter((e) => e.status === 'queued' && e.finalLoss === null);
  const notes = entries.filter((e) => (e.status !== 'done' || e.finalLoss === null) && !waiting.includes(e));
  lines.push('');
  if (entries.length > new Set(entries.map((e) => `${String(e.complexity)}|${e.clip}|${e.mode}`)).size) lines.push(seedsSentence(opts.seeds));
  if (entries.some((e) => e.status === 'diverged' && e.finalLoss !== null)) lines.push('† diverged: the value at the last epoch before divergence.');
  if (entries.some((e) => (e.status === 'running' || e.status === 'queued') && e.finalLoss !== null)) lines.push('\\* unfinished: the value at the last stored epoch.');
  const waitingLine = waiting.length > 0 ? [`- ${waiting.length} run${waiting.length > 1 ? 's' : ''} queued, not started yet: ${idRanges(waiting.map((e) => e.runId))}`] : [];
  if (notes.length || waiting.length) lines.push('', headings ? '## Runs that did not finish normally' : 'Runs that did not finish normally:', '', ...notes.map((e) => describe(problem, e)), ...waitingLine);
  return lines.join('\n') + '\n';
}

/** "3, 7–12, 15": run ids as ranges. */
export function idRanges(ids: readonly number[]): string {
  const sorted = [...new Set(ids)].sort((a, b) => a - b);
  const parts: string[] = [];
  for (let i = 0; i < sorted.length; ) {
    let j = i;
    while (j + 1 < sorted.length && sorted[j + 1] === sorted[j]! + 1) j++;
    parts.push(j > i ? `${sorted[i]}–${sorted[j]}` : String(sorted[i]));
    i = j + 1;
  }
  return `run${sorted.length > 1 ? 's' : ''} ${parts.join(', ')}`;
}
