/**
 * Vega-Lite specs drawn with vega (SVG) into the page, and the spec of a run's curves. The
 * sweep and toy figures come unchanged from src/runs/figures (the specs `sbptt plot` uses).
 */
import * as vega from 'vega';
import { compile, type TopLevelSpec } from 'vega-lite';
import { LOG_LABEL, MODE_COLORS } from '../../runs/figures/style.js';
import { movingAverage } from '../../runs/figures/smooth.js';
import type { EpochRecord } from '../api-types.js';

/**
 * A chart in a container: each `show` draws the new spec off-screen and then swaps it in, so
 * live updates do not flicker; `dispose` releases the vega view.
 */
export class Chart {
  private view: vega.View | null = null;
  private seq = 0;

  constructor(readonly container: HTMLElement) {}

  async show(spec: TopLevelSpec): Promise<void> {
    const seq = ++this.seq;
    const target = document.createElement('div');
    target.className = 'chart-canvas';
    const view = new vega.View(vega.parse(compile(spec).spec), { renderer: 'svg', container: target, hover: true });
    await view.runAsync();
    if (seq !== this.seq) {
      view.finalize(); // a newer spec won the race
      return;
    }
    this.view?.finalize();
    this.view = view;
    this.container.replaceChildren(target);
  }

  message(text: string): void {
    this.seq++;
    this.view?.finalize();
    this.view = null;
    const p = document.createElement('p');
    p.className = 'muted chart-message';
    p.textContent = text;
    this.container.replaceChildren(p);
  }

  dispose(): void {
    this.seq++;
    this.view?.finalize();
    this.view = null;
  }
}

type Column = 'testLoss' | 'trainLoss' | 'gradSize' | 'cosSim';

function points(records: readonly EpochRecord[], column: Column, window: number, series: string): { epoch: number; value: number; series: string }[] {
  // Up to the first non-finite value (a diverged epoch), as the sweep figures do.
  const epochs: number[] = [], raw: number[] = [];
  for (const r of records) {
    const v = r[column] as number | null;
    if (v === null || !Number.isFinite(v)) break;
    epochs.push(r.epoch);
    raw.push(v);
  }
  const values = window > 1 ? movingAverage(raw, window) : raw;
  return values.map((value, i) => ({ epoch: epochs[i]!, value, series }));
}

type Scale = 'log' | 'linear' | 'cosine';

function panel(title: string, yTitle: string, data: { epoch: number; value: number; series: string }[], scale: Scale, colors: Record<string, string>) {
  const log = scale === 'log';
  const positive = log ? data.filter((p) => p.value > 0) : data;
  return {
    title: { text: title, fontSize: 13 },
    width: 300,
    height: 190,
    data: { values: positive },
    mark: { type: 'line' as const, strokeWidth: 1.5, clip: true },
    encoding: {
      x: { field: 'epoch', type: 'quantitative' as const, title: 'epoch', scale: { nice: false, zero: false }, axis: { tickMinStep: 1, format: 'd' } },
      y: {
        field: 'value',
        type: 'quantitative' as const,
        title: yTitle,
        scale: log ? { type: 'log' as const } : scale === 'cosine' ? { domain: [-1, 1] } : { zero: false },
        ...(log && { axis: { labelExpr: LOG_LABEL } }),
      },
      color: {
        field: 'series',
        type: 'nominal' as const,
        title: null,
        scale: { domain: Object.keys(colors), range: Object.values(colors) },
        legend: { orient: 'top' as const, symbolType: 'stroke', symbolStrokeWidth: 2.5 },
      },
    },
  };
}

/** A run's curves: test and train loss, update size, cos(g_M, g_R); `window` > 1 smooths them. */
export function runCurvesSpec(records: readonly EpochRecord[], window: number): TopLevelSpec {
  const loss = [...points(records, 'testLoss', window, 'test loss'), ...points(records, 'trainLoss', window, 'train loss')];
  const grad = points(records, 'gradSize', window, 'grad size');
  const cos = points(records, 'cosSim', window, 'cos sim');
  // Only mode C computes both fields; other modes record 0.
  const cosTitle = cos.every((p) => p.value === 0) ? 'cos(g_M, g_R): recorded in mode C only' : 'cosine similarity of g_M and g_R';
  return {
    $schema: 'https://vega.github.io/schema/vega-lite/v5.json',
    background: 'white',
    padding: 6,
    hconcat: [
      panel('loss', 'loss', loss, 'log', { 'test loss': MODE_COLORS.R!, 'train loss': MODE_COLORS.M! }),
      panel('update size', 'mean squared L2 norm', grad, 'log', { 'grad size': MODE_COLORS.C! }),
      panel(cosTitle, 'cos(g_M, g_R)', cos, 'cosine', { 'cos sim': MODE_COLORS.N! }),
    ],
    resolve: { scale: { color: 'independent', y: 'independent' } },
    config: {
      view: { stroke: '#888' },
      axis: { grid: true, gridOpacity: 0.35, labelFontSize: 10, titleFontSize: 11 },
      legend: { labelFontSize: 11 },
    },
  };
}
