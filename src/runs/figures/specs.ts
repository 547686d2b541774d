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
  complexityTitle,
  complexityValues,
  labelsPresent,
  MODE_ORDER,
  modeLabel,
  type FigureColumn,
  type FigureProblem, type FigureRun,
} from './data.js';
import { groupCurve, seedGroups, type SeedGroup, type SeedStatsOptions } from './seeds.js';
import { SMOOTH_WINDOW } from './smooth.js';
import { CLIP_DASH, CLIP_OPACITY, EXTRA_COLORS, LOG_LABEL, MODE_COLORS } from './style.js';

export { toyFigureSpec, type ToyFigureOptions } from './toy-spec.js';
export { LOG_LABEL, MODE_COLORS } from './style.js';

/**
 * One point of a plotted curve (the rows of every panel's inline data). A curve is one group of
 * runs that differ only in their seed (seeds.ts): `value` is the group's centre, `lo`…`hi` its
 * band; for a single seed all three are the run's value.
 */
export interface CurvePoint {
  epoch: number;
  /** Training seconds up to the end of the epoch (0 when the records carry no times; mean over seeds). */
  time: number;
  value: number;
  lo: number;
  hi: number;
  /** Seeds summarised at this epoch. */
  seeds: number;
  mode: string;
  clip: string;
  /** The group's first run id (its only one for a single seed). */
  run: number;
  /** The group's run ids, e.g. "4, 9, 14". */
  runs: string;
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
  /** How repeats with different seeds are summarised (default: median in a min–max band). */
  seeds?: SeedStatsOptions;
}

function curve(group: SeedGroup, column: FigureColumn, window: number, log: boolean, seeds: SeedStatsOptions): CurvePoint[] {
  const run = group.runs[0]!.id;
  const runs = group.runs.map((r) => r.id).join(', ');
  // A log axis cannot show values ≤ 0; they are left out (they still enter the average), and a
  // band reaching 0 or below is cut at the centre.
  return groupCurve(group, column, window, seeds)
    .filter((p) => p.center > 0 || !log)
    .map((p) => ({ epoch: p.epoch, time: p.time, value: p.center, lo: p.lo > 0 || !log ? p.lo : p.center, hi: p.hi, seeds: p.n, mode: group.mode, clip: group.clip, run, runs }));
}

/**
 * The panels of a sweep's figure: one per complexity value present (in the problem's order)
 * holding the smoothed test loss of every group of seeds with records; for problems with
 * `updateSizePanel` one more with the smoothed update size (grad size) of the largest target present.
 */
export function sweepPanels(problem: FigureProblem, runs: readonly FigureRun[], window = SMOOTH_WINDOW, log = true, seeds: SeedStatsOptions = {}): SweepPanel[] {
  const withRecords = runs.filter((r) => r.records.length > 0);
  const groups = seedGroups(problem, withRecords);
  const lossTitle = problem.reportsPhysicsLoss ? 'total test loss (incl. regularisation)' : 'test loss';
  const panels: SweepPanel[] = complexityValues(problem, withRecords).map((value) => ({
    title: complexityTitle(problem, value),
    yTitle: lossTitle,
    column: 'testLoss',
    points: groups.filter((g) => g.complexity === value).flatMap((g) => curve(g, 'testLoss', window, log, seeds)),
  }));
  if (problem.updateSizePanel && panels.length > 0) {
    const values = complexityValues(problem, withRecords);
    const largest = values.reduce((a, b) => (typeof a === 'number' && typeof b === 'number' && b > a ? b : a));
    panels.push({
      title: `update size, ${complexityTitle(problem, largest)}`,
      yTitle: 'update size (mean squared L2 norm)',
      column: 'gradSize',
      points: groups.filter((g) => g.complexity === largest).flatMap((g) => curve(g, 'gradSize', window, log, seeds)),
    });
  }
  return panels;
}

/**
 * A log y scale for a panel's points. Rounded out to powers of ten (vega's "nice") when the curves
 * span a decade or more; otherwise fitted to them, so that curves within a decade (the quantum
 * problem's losses from 130 to 90) are not pressed into a sliver of a two-decade axis.
 */
function logScale(points: readonly CurvePoint[]): { type: 'log'; nice?: false; padding?: number } {
  let min = Infinity;
  let max = 0;
  for (const q of points) {
    for (const v of [q.value, q.lo, q.hi]) {
      if (v > 0 && Number.isFinite(v)) (min = Math.min(min, v)), (max = Math.max(max, v));
    }
  }
  return max / min < 10 ? { type: 'log', nice: false, padding: 6 } : { type: 'log' };
}

export function sweepFigureSpec(problem: FigureProblem, runs: readonly FigureRun[], opts: SweepFigureOptions = {}): TopLevelSpec {
  const window = opts.window ?? SMOOTH_WINDOW;
  const log = (opts.yScale ?? 'log') === 'log';
  const seeds = opts.seeds ?? {};
  const panels = sweepPanels(problem, runs, window, log, seeds);
  const banded = panels.some((p) => p.points.some((q) => q.seeds > 1));
  const plotted = runs.filter((r) => r.records.length > 0);
  const modes = labelsPresent(plotted, modeLabel, MODE_ORDER);
  const clips = labelsPresent(plotted, (r) => r.config.clip, CLIP_ORDER);
  let extra = 0;
  const colors = modes.map((m) => MODE_COLORS[m] ?? EXTRA_COLORS[extra++ % EXTRA_COLORS.length]!);
  const title = `${problem.title}${opts.sweep ? ` — sweep ${opts.sweep}` : ''}`;
  return {
    $schema: 'https://vega.github.io/schema/vega-lite/v5.json',
    title: {
      text: title,
      subtitle: `${window > 1 ? `${window}-epoch moving average` : 'raw values'}; colour = gradient mode, line style = clipping${banded ? `; seeds: ${seeds.center ?? 'median'} curve in ${(seeds.band ?? 'minmax') === 'iqr' ? 'an interquartile' : 'a min–max'} band` : ''}`,
      anchor: 'start',
      fontSize: 15,
    },
    background: 'white',
    padding: 8,
    columns: opts.columns ?? Math.min(4, Math.max(1, panels.length)),
    concat: panels.map((p) => {
      const x = { field: opts.x === 'time' ? 'time' : 'epoch', type: 'quantitative' as const, title: opts.x === 'time' ? 'training time (s)' : 'epoch', scale: { nice: false, zero: false } };
      const y = log
        ? { field: 'value', type: 'quantitative' as const, title: p.yTitle, scale: logScale(p.points), axis: { labelExpr: LOG_LABEL } }
        : { field: 'value', type: 'quantitative' as const, title: p.yTitle, scale: { zero: false } };
      const color = { field: 'mode', type: 'nominal' as const, title: 'mode', scale: { domain: modes, range: colors }, legend: { symbolType: 'stroke', symbolStrokeWidth: 2.5, orient: 'right' as const } };
      const line = {
        mark: { type: 'line' as const, strokeWidth: 1.4, clip: true, interpolate: 'linear' as const },
        encoding: {
          x,
          y,
          color,
          strokeDash: {
            field: 'clip',
            type: 'nominal' as const,
            title: 'clipping',
            scale: { domain: clips, range: clips.map((c) => CLIP_DASH[c] ?? [4, 1, 1, 1]) },
            legend: { symbolType: 'stroke', symbolStrokeWidth: 2, symbolSize: 300, orient: 'right' as const },
          },
          opacity: { field: 'clip', type: 'ordinal' as const, title: 'clipping', scale: { domain: clips, range: clips.map((c) => CLIP_OPACITY[c] ?? 0.7) } },
          detail: { field: 'run', type: 'nominal' as const },
        },
      };
      // The band of each group of seeds: a translucent area in the mode's colour, under its line.
      // Its fill takes the colour straight from the data (scale null), so that it adds no legend of its own.
      const band = {
        transform: [{ calculate: `${JSON.stringify(Object.fromEntries(modes.map((m, i) => [m, colors[i]])))}[datum.mode]`, as: 'bandColor' }],
        mark: { type: 'area' as const, opacity: 0.16, clip: true, interpolate: 'linear' as const },
        encoding: { x, y: { ...y, field: 'lo' }, y2: { field: 'hi' }, fill: { field: 'bandColor', type: 'nominal' as const, scale: null, legend: null }, detail: { field: 'run', type: 'nominal' as const } },
      };
      const frame = { title: { text: p.title, fontSize: 13 }, width: opts.panelWidth ?? 240, height: opts.panelHeight ?? 200, data: { values: p.points } };
      return banded ? { ...frame, layer: [band, line] } : { ...frame, ...line };
    }),
    resolve: { scale: { x: 'independent', y: 'independent' } },
    config: {
      view: { stroke: '#888' },
      axis: { grid: true, gridOpacity: 0.35, labelFontSize: 10, titleFontSize: 11 },
      legend: { labelFontSize: 11, titleFontSize: 11 },
    },
  };
}
