/**
 * Vega-Lite specs of the paper's figures, built from data: pure functions (no Node built-ins,
 * no vega at run time) so that a browser dashboard can reuse them with vega-embed.
 *
 * The sweep figure (docs/records.md, "The paper's figures"): one panel per complexity value,
 * x = epoch, y = smoothed test loss on a log scale, one colour per gradient mode (R, M, C, S, and N
 * when present), all three clipping modes in the same panel told apart by dash pattern and
 * opacity (NORM solid and opaque, as the paper's labelled curves). Legend choice: Vega-Lite draws
 * one legend per encoded channel, so instead of the paper's "only the NORM curves are labelled"
 * there is a colour legend with one entry per mode (the same labels the paper's legend shows)
 * and a second legend for the dash pattern of each clipping mode.
 */
import type { TopLevelSpec } from 'vega-lite';
import {
  CLIP_ORDER,
  complexityOf,
  complexityTitle,
  complexityValues,
  labelsPresent,
  MODE_ORDER,
  modeLabel,
  smoothedSeries,
  type FigureColumn,
  type FigureProblem, type FigureRun,
} from './data.js';
import { SMOOTH_WINDOW } from './smooth.js';
import { CLIP_DASH, CLIP_OPACITY, EXTRA_COLORS, LOG_LABEL, MODE_COLORS } from './style.js';

export { toyFigureSpec, type ToyFigureOptions } from './toy-spec.js';
export { LOG_LABEL, MODE_COLORS } from './style.js';

/** One point of a plotted curve (the rows of every panel's inline data). */
export interface CurvePoint {
  epoch: number;
  /** Training seconds up to the end of the epoch (0 when the records carry no times). */
  time: number;
  value: number;
  mode: string;
  clip: string;
  run: number;
}

export interface SweepPanel {
  title: string;
  /** The y axis title. */
  yTitle: string;
  column: FigureColumn;
  points: CurvePoint[];
}

export interface SweepFigureOptions {
  /** Shown in the figure title. */
  sweep?: string;
  /** Moving-average window in epochs (default 30). */
  window?: number;
  panelWidth?: number;
  panelHeight?: number;
  /** Panels per row (default: all in one row, at most 4). */
  columns?: number;
  /** The y axis (default log, as the paper). */
  yScale?: 'log' | 'linear';
  /** The x axis: epoch (default) or the cumulative training time. */
  x?: 'epoch' | 'time';
}

function curve(run: FigureRun, column: FigureColumn, window: number, log: boolean): CurvePoint[] {
  const s = smoothedSeries(run, column, window);
  const out: CurvePoint[] = [];
  const mode = modeLabel(run);
  let time = 0;
  // A log axis cannot show values ≤ 0; they are left out (they still enter the average).
  for (let i = 0; i < s.values.length; i++) {
    time += run.records[i]!.time ?? 0;
    if (s.values[i]! > 0 || !log) out.push({ epoch: s.epochs[i]!, time, value: s.values[i]!, mode, clip: run.config.clip, run: run.id });
  }
  return out;
}

/**
 * The panels of a sweep's figure: one per complexity value present (in the problem's order)
 * holding the smoothed test loss of every run with records; for problems with `updateSizePanel` one more with the
 * smoothed update size (grad size) of the largest target present.
 */
export function sweepPanels(problem: FigureProblem, runs: readonly FigureRun[], window = SMOOTH_WINDOW, log = true): SweepPanel[] {
  const withRecords = runs.filter((r) => r.records.length > 0);
  const lossTitle = problem.reportsPhysicsLoss ? 'total test loss (incl. regularisation)' : 'test loss';
  const panels: SweepPanel[] = complexityValues(problem, withRecords).map((value) => ({
    title: complexityTitle(problem, value),
    yTitle: lossTitle,
    column: 'testLoss',
    points: withRecords.filter((r) => complexityOf(problem, r) === value).flatMap((r) => curve(r, 'testLoss', window, log)),
  }));
  if (problem.updateSizePanel && panels.length > 0) {
    const values = complexityValues(problem, withRecords);
    const largest = values.reduce((a, b) => (typeof a === 'number' && typeof b === 'number' && b > a ? b : a));
    panels.push({
      title: `update size, ${complexityTitle(problem, largest)}`,
      yTitle: 'update size (mean squared L2 norm)',
      column: 'gradSize',
      points: withRecords.filter((r) => complexityOf(problem, r) === largest).flatMap((r) => curve(r, 'gradSize', window, log)),
    });
  }
  return panels;
}

export function sweepFigureSpec(problem: FigureProblem, runs: readonly FigureRun[], opts: SweepFigureOptions = {}): TopLevelSpec {
  const window = opts.window ?? SMOOTH_WINDOW;
  const log = (opts.yScale ?? 'log') === 'log';
  const panels = sweepPanels(problem, runs, window, log);
  const plotted = runs.filter((r) => r.records.length > 0);
  const modes = labelsPresent(plotted, modeLabel, MODE_ORDER);
  const clips = labelsPresent(plotted, (r) => r.config.clip, CLIP_ORDER);
  let extra = 0;
  const colors = modes.map((m) => MODE_COLORS[m] ?? EXTRA_COLORS[extra++ % EXTRA_COLORS.length]!);
  const title = `${problem.title}${opts.sweep ? ` — sweep ${opts.sweep}` : ''}`;
  return {
    $schema: 'https://vega.github.io/schema/vega-lite/v5.json',
    title: { text: title, subtitle: `${window > 1 ? `${window}-epoch moving average` : 'raw values'}; colour = gradient mode, line style = clipping`, anchor: 'start', fontSize: 15 },
    background: 'white',
    padding: 8,
    columns: opts.columns ?? Math.min(4, Math.max(1, panels.length)),
    concat: panels.map((p) => ({
      title: { text: p.title, fontSize: 13 },
      width: opts.panelWidth ?? 240,
      height: opts.panelHeight ?? 200,
      data: { values: p.points },
      mark: { type: 'line', strokeWidth: 1.4, clip: true, interpolate: 'linear' },
      encoding: {
        x: opts.x === 'time' ? { field: 'time', type: 'quantitative', title: 'training time (s)', scale: { nice: false, zero: false } } : { field: 'epoch', type: 'quantitative', title: 'epoch', scale: { nice: false, zero: false } },
        y: log
          ? { field: 'value', type: 'quantitative', title: p.yTitle, scale: { type: 'log' }, axis: { labelExpr: LOG_LABEL } }
          : { field: 'value', type: 'quantitative', title: p.yTitle, scale: { zero: false } },
        color: {
          field: 'mode',
          type: 'nominal',
          title: 'mode',
          scale: { domain: modes, range: colors },
          legend: { symbolType: 'stroke', symbolStrokeWidth: 2.5, orient: 'right' },
        },
        strokeDash: {
          field: 'clip',
          type: 'nominal',
          title: 'clipping',
          scale: { domain: clips, range: clips.map((c) => CLIP_DASH[c] ?? [4, 1, 1, 1]) },
          legend: { symbolType: 'stroke', symbolStrokeWidth: 2, symbolSize: 300, orient: 'right' },
        },
        opacity: { field: 'clip', type: 'ordinal', title: 'clipping', scale: { domain: clips, range: clips.map((c) => CLIP_OPACITY[c] ?? 0.7) } },
        detail: { field: 'run', type: 'nominal' },
      },
    })),
    resolve: { scale: { x: 'independent', y: 'independent' } },
    config: {
      view: { stroke: '#888' },
      axis: { grid: true, gridOpacity: 0.35, labelFontSize: 10, titleFontSize: 11 },
      legend: { labelFontSize: 11, titleFontSize: 11 },
    },
  };
}
