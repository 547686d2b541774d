/**
 * The Markdown table next to a sweep's figure: the final smoothed test loss per complexity ×
 * clipping mode (rows) × gradient mode (columns), and a line per run that diverged, failed, is
 * unfinished or has no records. Pure: no Node built-ins.
 */
import { CLIP_ORDER, complexityLabel, complexityTitle, complexityValues, finalLosses, labelsPresent, MODE_ORDER, modeLabel, type FigureProblem, type FigureRun, type FinalEntry } from './data.js';
import { SMOOTH_WINDOW } from './smooth.js';

/** Scientific notation with 3 significant digits: 1.23e-4. */
export function sciNotation(v: number): string {
  return Number.isFinite(v) ? v.toExponential(2) : String(v);
}

const MARK: Readonly<Record<string, string>> = { diverged: ' †', running: ' *', queued: ' *' };

function cell(entries: readonly FinalEntry[]): string {
  const plotted = entries.filter((e) => e.finalLoss !== null);
  if (plotted.length === 0) return entries.length ? '–' : '';
  const mean = plotted.reduce((s, e) => s + e.finalLoss!, 0) / plotted.length;
  const marks = [...new Set(plotted.map((e) => MARK[e.status] ?? ''))].join('');
  return `${sciNotation(mean)}${marks}${plotted.length > 1 ? ` (mean of ${plotted.length})` : ''}`;
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
}

export function sweepTable(problem: FigureProblem, runs: readonly FigureRun[], opts: SweepTableOptions = {}): string {
  const window = opts.window ?? SMOOTH_WINDOW;
  const entries = finalLosses(problem, runs, window);
  const modes = labelsPresent(runs, modeLabel, MODE_ORDER);
  const clips = labelsPresent(runs, (r) => r.config.clip, CLIP_ORDER);
  const lines = [
    `# ${problem.title}${opts.sweep ? ` — sweep ${opts.sweep}` : ''}`,
    '',
    `Final test loss${problem.reportsPhysicsLoss ? ' (total, incl. regularisation)' : ''}, ${window}-epoch moving average, at each run's last plotted epoch.`,
    '',
    `| ${problem.complexity?.key ?? 'complexity'} | clip | ${modes.join(' | ')} |`,
    `|---|---|${modes.map(() => '---:|').join('')}`,
  ];
  for (const c of complexityValues(problem, runs)) {
    for (const clip of clips) {
      const row = entries.filter((e) => e.complexity === c && e.clip === clip);
      if (row.length === 0) continue;
      lines.push(`| ${complexityLabel(problem, c)} | ${clip} | ${modes.map((m) => cell(row.filter((e) => e.mode === m))).join(' | ')} |`);
    }
  }
  const notes = entries.filter((e) => e.status !== 'done' || e.finalLoss === null);
  lines.push('');
  if (entries.some((e) => e.status === 'diverged' && e.finalLoss !== null)) lines.push('† diverged: the value at the last epoch before divergence.');
  if (entries.some((e) => (e.status === 'running' || e.status === 'queued') && e.finalLoss !== null)) lines.push('\\* unfinished: the value at the last stored epoch.');
  if (notes.length) lines.push('', '## Runs that did not finish normally', '', ...notes.map((e) => describe(problem, e)));
  return lines.join('\n') + '\n';
}
