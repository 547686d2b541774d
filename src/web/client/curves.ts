/**
 * Per-epoch curves of any runs as Vega-Lite specs: a run's own page (test and train loss,
 * update size, cosine similarity) and the overlay of several runs (one panel per column, one
 * colour per run). The chart settings (chart-settings.ts) choose the y scale, the smoothing and
 * the x axis; `rows` are the plotted numbers, for the CSV download. Pure.
 */
import type { TopLevelSpec } from 'vega-lite';
import { movingAverage } from '../../runs/figures/smooth.js';
import { LOG_LABEL } from '../../runs/figures/style.js';
import type { EpochRecord } from '../api-types.js';
import type { ChartSettings } from './chart-settings.js';
import { interactive, type TooltipField } from './interactive.js';

export type CurveColumn = 'testLoss' | 'trainLoss' | 'gradSize' | 'cosSim';

/** One plotted point. `time`: training seconds up to the end of the epoch; `raw`: unsmoothed. */
export interface CurveRow {
  panel: string;
  series: string;
  run: number;
  epoch: number;
  time: number;
  value: number;
  raw: number;
}

export interface SeriesInput {
  series: string;
  run: number;
  records: readonly EpochRecord[];
}

/** A column of a series up to its first non-finite value (a diverged epoch), smoothed. */
export function seriesRows(panel: string, s: SeriesInput, column: CurveColumn, window: number): CurveRow[] {
  const rows: CurveRow[] = [];
  let time = 0;
  for (const r of s.records) {
    const v = r[column] as number | null;
    if (v === null || !Number.isFinite(v)) break;
    time += r.time;
    rows.push({ panel, series: s.series, run: s.run, epoch: r.epoch, time, value: v, raw: v });
  }
  if (window > 1) movingAverage(rows.map((p) => p.raw), window).forEach((v, i) => (rows[i]!.value = v));
  return rows;
}

export interface PanelInput {
  title: string;
  yTitle: string;
  /** Cosine panels keep a linear [−1, 1] axis whatever the y-scale setting. */
  cosine?: boolean;
  rows: CurveRow[];
}

export interface CurvesChart {
  spec: TopLevelSpec;
  rows: CurveRow[];
}

export const TOOLTIP: TooltipField[] = [
  { field: 'series', title: 'series' },
  { field: 'epoch', title: 'epoch', type: 'quantitative' },
  { field: 'time', title: 'training time (s)', type: 'quantitative', format: '.3~f' },
  { field: 'value', title: 'value', type: 'quantitative', format: '.4~g' },
];

export function xEncoding(settings: ChartSettings) {
  return settings.x === 'epoch'
    ? { field: 'epoch', type: 'quantitative' as const, title: 'epoch', scale: { nice: false, zero: false }, axis: { tickMinStep: 1, format: 'd' } }
    : { field: 'time', type: 'quantitative' as const, title: 'training time (s)', scale: { nice: false, zero: false } };
}

function panelSpec(p: PanelInput, settings: ChartSettings, colors: { domain: string[]; range: string[] }, width: number, height: number) {
  const log = settings.yScale === 'log' && !p.cosine;
  return {
    title: { text: p.title, fontSize: 13 },
    width,
    height,
    data: { values: log ? p.rows.filter((r) => r.value > 0) : p.rows },
    mark: { type: 'line' as const, strokeWidth: 1.7, clip: true },
    encoding: {
      x: xEncoding(settings),
      y: {
        field: 'value',
        type: 'quantitative' as const,
        title: p.yTitle,
        scale: log ? { type: 'log' as const } : p.cosine ? { domain: [-1, 1] } : { zero: false },
        ...(log && { axis: { labelExpr: LOG_LABEL } }),
      },
      color: {
        field: 'series',
        type: 'nominal' as const,
        title: null,
        scale: colors,
        legend: { orient: 'top' as const, symbolType: 'stroke', symbolStrokeWidth: 3, labelLimit: 320, columns: Math.min(4, colors.domain.length) },
      },
      detail: { field: 'run', type: 'nominal' as const },
    },
  };
}

const CONFIG = {
  view: { stroke: '#888' },
  axis: { grid: true, gridOpacity: 0.35, labelFontSize: 10, titleFontSize: 11 },
  legend: { labelFontSize: 11 },
};

/**
 * Panels side by side (wrapping after `columns`), one shared colour legend when `sharedColors`
 * (an overlay of runs: a legend click highlights a run everywhere), else one legend per panel.
 */
export function curvesChart(panels: PanelInput[], settings: ChartSettings, opts: { colors: Record<string, string>[]; sharedColors: boolean; width: number; height: number; columns: number }): CurvesChart {
  const scales = opts.colors.map((c) => ({ domain: Object.keys(c), range: Object.values(c) }));
  const spec = {
    $schema: 'https://vega.github.io/schema/vega-lite/v5.json',
    background: 'white',
    padding: 6,
    columns: opts.columns,
    concat: panels.map((p, i) => panelSpec(p, settings, scales[opts.sharedColors ? 0 : i]!, opts.width, opts.height)),
    resolve: { scale: { color: opts.sharedColors ? 'shared' : 'independent', y: 'independent', x: 'independent' } },
    config: CONFIG,
  } as TopLevelSpec;
  return { spec: interactive(spec, TOOLTIP, opts.sharedColors), rows: panels.flatMap((p) => p.rows) };
}

/** Colours for overlaid runs: Tableau 10, then Tableau 20's light tones. */
export const RUN_PALETTE = [
  '#4e79a7', '#f28e2b', '#e15759', '#76b7b2', '#59a14f', '#edc948', '#b07aa1', '#ff9da7', '#9c755f', '#bab0ac',
  '#1f77b4', '#ff7f0e', '#2ca02c', '#d62728', '#9467bd', '#8c564b', '#e377c2', '#7f7f7f', '#bcbd22', '#17becf',
];

/** CSV of plotted rows (the numbers behind a chart, smoothed and raw). */
export function rowsToCsv<T extends object>(rows: readonly T[], columns: readonly (keyof T & string)[]): string {
  const cell = (v: unknown): string => {
    const t = v === undefined ? '' : String(v);
    return /[",\n]/.test(t) ? `"${t.replace(/"/g, '""')}"` : t;
  };
  return [columns.join(','), ...rows.map((r) => columns.map((c) => cell(r[c])).join(','))].join('\n') + '\n';
}
