/**
 * Figures and the table of the gradient-flow diagnostics (docs/diagnostics.md). Pure (no Node
 * built-ins, no vega at run time): the dashboard draws the same specs.
 *
 * `gradientFlowSpec`: one row of four panels per diagnosed epoch — ‖λ_n‖ over the step n, step n's
 * share of the update, the update's norm over the horizon Nt', and each layer's part of the
 * update — one colour per mode (the sweep figures' colours). `gradientFlowEpochsSpec`: the stored
 * diagnoses of a run over its epochs, one column per mode, colour = epoch. Both y axes are
 * logarithmic: the point is how many orders of magnitude the feedback grows or dies over the
 * unroll. A log axis cannot show 0 (mode S's λ_n before a final loss, say): zeros are left out and
 * the subtitle says so.
 */
import type { TopLevelSpec } from 'vega-lite';
import type { GradientFlow } from '../../bptt/diagnose.js';
import { LOG_LABEL, MODE_COLORS } from './style.js';

/** A diagnosis and the epoch of the parameters it was taken at (0: the initialisation). */
export interface EpochFlow {
  epoch: number;
  flow: GradientFlow;
}

export type DiagnosticQuantity = 'adjoint_norm' | 'step_grad_norm' | 'horizon_grad_norm' | 'horizon_loss' | 'layer_grad_norm' | 'grad_norm';

/** One number of a diagnosis: a row of the CSV and of the figures' data. */
export interface DiagnosticRow {
  epoch: number;
  /** The paper's letter of the mode (R, M, N, S). */
  mode: string;
  quantity: DiagnosticQuantity;
  /** The step n (adjoint_norm: n = 1 … Nt; step_grad_norm: n = 0 … Nt−1) or the horizon Nt'; null otherwise. */
  step: number | null;
  /** The layer (layer_grad_norm), else null. */
  layer: string | null;
  value: number;
}

export const DIAGNOSTIC_COLUMNS = ['epoch', 'mode', 'quantity', 'step', 'layer', 'value'] as const;

/** Every number of the diagnoses as rows, in a fixed order (epoch, mode, quantity, step or layer). */
export function diagnosticRows(flows: readonly EpochFlow[]): DiagnosticRow[] {
  const rows: DiagnosticRow[] = [];
  for (const { epoch, flow } of flows) {
    for (const m of flow.modes) {
      const row = (quantity: DiagnosticQuantity, step: number | null, layer: string | null, value: number): number =>
        rows.push({ epoch, mode: m.letter, quantity, step, layer, value });
      m.adjointNorms.forEach((v, k) => row('adjoint_norm', k + 1, null, v));
      m.stepGradNorms.forEach((v, n) => row('step_grad_norm', n, null, v));
      for (const h of m.horizon) row('horizon_grad_norm', h.steps, null, h.gradNorm);
      for (const h of m.horizon) row('horizon_loss', h.steps, null, h.loss);
      for (const l of m.layerNorms) row('layer_grad_norm', null, l.layer, l.norm);
      row('grad_norm', null, null, m.gradNorm);
    }
  }
  return rows;
}

/** The rows as CSV with a header, numbers at full precision (non-finite ones as NaN, Infinity). */
export function diagnosticsCsv(rows: readonly DiagnosticRow[]): string {
  const cell = (v: unknown): string => (v === null ? '' : typeof v === 'string' && /[",\n]/.test(v) ? `"${v.replace(/"/g, '""')}"` : String(v));
  return [DIAGNOSTIC_COLUMNS.join(','), ...rows.map((r) => DIAGNOSTIC_COLUMNS.map((c) => cell(r[c])).join(','))].join('\n') + '\n';
}

const ORDER = ['R', 'M', 'N', 'S'];
/** Line styles per mode: where two modes coincide (R = M while ∂N/∂x = 0) both stay visible. */
const DASH: Readonly<Record<string, number[]>> = { R: [1, 0], M: [6, 3], N: [2, 2], S: [8, 2, 2, 2] };
/** Points on the lines only while they stay apart. */
const MAX_POINTS = 40;

function modesOf(flows: readonly EpochFlow[]): string[] {
  const present = new Set(flows.flatMap((f) => f.flow.modes.map((m) => m.letter)));
  return ORDER.filter((m) => present.has(m));
}

/** Orders of magnitude a panel shows below its largest value; smaller values run off its bottom. */
export const DECADES_SHOWN = 12;

/** A log y axis over the panel's values, at most DECADES_SHOWN decades deep (a vanishing mode would flatten the others). */
function logY(title: string, rows: readonly DiagnosticRow[]): Record<string, unknown> {
  const values = rows.map((r) => r.value);
  const hi = Math.max(...values), lo = Math.min(...values);
  // A little room above and below, so the extremes do not sit on the panel's edges.
  const scale = values.length === 0 ? { type: 'log' } : { type: 'log', domain: [Math.max(lo, hi * 10 ** -DECADES_SHOWN) / 1.4, hi * 1.4] };
  return { field: 'value', type: 'quantitative', title, scale, axis: { labelExpr: LOG_LABEL } };
}

/** Positive, finite values only: a log axis shows neither 0 nor NaN. */
const drawable = (rows: readonly DiagnosticRow[]): DiagnosticRow[] => rows.filter((r) => r.value > 0 && Number.isFinite(r.value));

/** The x axis over a per-step quantity's steps (n = 1 … Nt for λ_n, 0 … Nt−1 for the shares), also where values are left out. */
function stepX(quantity: DiagnosticQuantity, steps: number, title: string): Record<string, unknown> {
  const domain = quantity === 'adjoint_norm' ? [1, steps] : quantity === 'step_grad_norm' ? [0, steps - 1] : [1, steps];
  return { field: 'step', type: 'quantitative', title, scale: { domain, nice: false, zero: false } };
}

/** Whether some value lies more than DECADES_SHOWN decades below its panel's largest. */
function cutOff(rows: readonly DiagnosticRow[]): boolean {
  const hi = Math.max(...rows.map((r) => r.value));
  return rows.some((r) => r.value < hi * 10 ** -DECADES_SHOWN);
}

/** A line, with points while they stay apart (a line through one step shows nothing). */
function lineMark(rows: readonly DiagnosticRow[]): Record<string, unknown> {
  const steps = new Set(rows.map((r) => r.step)).size;
  return { type: 'line', ...(steps <= MAX_POINTS && { point: { size: 16 } }), strokeWidth: 1.6, clip: true };
}

export interface GradientFlowFigureOptions {
  /** The figure's title (e.g. "cartpole — run 12"). */
  title: string;
  panelWidth?: number;
  panelHeight?: number;
}

/** One row of four panels per diagnosed epoch (see the file comment). */
export function gradientFlowSpec(flows: readonly EpochFlow[], opts: GradientFlowFigureOptions): TopLevelSpec {
  const modes = modesOf(flows);
  const color = { field: 'mode', type: 'nominal', title: 'mode', scale: { domain: modes, range: modes.map((m) => MODE_COLORS[m]!) }, legend: { orient: 'right', symbolType: 'stroke', symbolStrokeWidth: 2.5 } };
  // Same field and title as the colour: one legend showing both.
  const strokeDash = { field: 'mode', type: 'nominal', title: 'mode', scale: { domain: modes, range: modes.map((m) => DASH[m]!) }, legend: color.legend };
  const width = opts.panelWidth ?? 230, height = opts.panelHeight ?? 170;
  const all = diagnosticRows(flows);
  const skipped = all.some((r) => !(r.value > 0 && Number.isFinite(r.value)) && r.quantity !== 'horizon_loss');
  const first = flows[0]?.flow;
  let cut = false;
  const line = (quantity: DiagnosticQuantity, epoch: number, title: string, xTitle: string, yTitle: string): Record<string, unknown> => {
    const values = drawable(all.filter((r) => r.epoch === epoch && r.quantity === quantity));
    cut ||= cutOff(values);
    return {
      title: { text: title, fontSize: 12 },
      width,
      height,
      data: { values },
      mark: lineMark(values),
      encoding: { x: stepX(quantity, flows.find((f) => f.epoch === epoch)!.flow.steps, xTitle), y: logY(yTitle, values), color, strokeDash },
    };
  };
  const rows = flows.map(({ epoch, flow }) => {
    const at = flows.length > 1 || epoch > 0 ? `epoch ${epoch}: ` : '';
    const panels: Record<string, unknown>[] = [
      line('adjoint_norm', epoch, `${at}state adjoint ‖λ_n‖`, 'step n', '‖λ_n‖'),
      line('step_grad_norm', epoch, `${at}step n's share of the update`, 'step n', '‖(∂N/∂θ)ᵀ ĉ_n‖'),
    ];
    if (flow.modes.some((m) => m.horizon.length > 0)) panels.push(line('horizon_grad_norm', epoch, `${at}update norm over the horizon`, "horizon Nt'", '‖update‖'));
    const layerValues = drawable(all.filter((r) => r.epoch === epoch && r.quantity === 'layer_grad_norm'));
    cut ||= cutOff(layerValues);
    panels.push({
      title: { text: `${at}update norm per layer`, fontSize: 12 },
      width,
      height,
      data: { values: layerValues },
      mark: { type: 'point', filled: true, size: 70, opacity: 0.9 },
      encoding: {
        // Every layer on the axis, also those whose part is 0 (not drawn).
        x: { field: 'layer', type: 'nominal', title: 'layer', scale: { domain: flow.modes[0]?.layerNorms.map((l) => l.layer) ?? [] }, axis: { labelAngle: 0 } },
        xOffset: { field: 'mode', type: 'nominal', sort: modes },
        y: logY('‖update‖ of the layer', layerValues),
        color,
      },
    });
    return { hconcat: panels };
  });
  const batch = first ? `batch of ${first.batch}, Nt = ${first.steps}` : '';
  return {
    $schema: 'https://vega.github.io/schema/vega-lite/v5.json',
    title: {
      text: opts.title,
      subtitle: `gradient flow per mode (${batch}); L2 norms over the batch, log scale${skipped ? '; zeros are not drawn' : ''}${cut ? `; values over ${DECADES_SHOWN} decades below a panel's largest run off its bottom (see the CSV)` : ''}`,
      anchor: 'start',
      fontSize: 15,
    },
    background: 'white',
    padding: 8,
    vconcat: rows,
    resolve: { scale: { y: 'independent' } },
    config: { view: { stroke: '#888' }, axis: { grid: true, gridOpacity: 0.35, labelFontSize: 10, titleFontSize: 11 }, legend: { labelFontSize: 11, titleFontSize: 11 } },
  } as unknown as TopLevelSpec;
}

/**
 * A run's stored diagnoses over its epochs: per mode, ‖λ_n‖ over the step n (top row) and step
 * n's share of the update (bottom row), one line per diagnosed epoch coloured from early (dark) to
 * late (light).
 */
export function gradientFlowEpochsSpec(flows: readonly EpochFlow[], opts: GradientFlowFigureOptions): TopLevelSpec {
  const modes = modesOf(flows);
  const all = diagnosticRows(flows);
  const width = opts.panelWidth ?? 200, height = opts.panelHeight ?? 150;
  const epochs = flows.map((f) => f.epoch);
  let cut = false;
  const panel = (mode: string, quantity: DiagnosticQuantity, yTitle: string): Record<string, unknown> => {
    const values = drawable(all.filter((r) => r.mode === mode && r.quantity === quantity));
    cut ||= cutOff(values);
    return {
      title: { text: `${mode}: ${quantity === 'adjoint_norm' ? '‖λ_n‖' : "step n's share"}`, fontSize: 12 },
      width,
      height,
      data: { values },
      mark: lineMark(values),
      encoding: {
        x: stepX(quantity, flows[0]!.flow.steps, 'step n'),
        y: logY(yTitle, values),
        color: {
          // Ordinal: the legend lists the diagnosed epochs themselves, early (dark) to late (light).
          field: 'epoch',
          type: 'ordinal',
          title: 'epoch',
          scale: { scheme: 'viridis', domain: epochs },
        },
        detail: { field: 'epoch', type: 'nominal' },
      },
    };
  };
  const rows = [modes.map((m) => panel(m, 'adjoint_norm', '‖λ_n‖')), modes.map((m) => panel(m, 'step_grad_norm', '‖(∂N/∂θ)ᵀ ĉ_n‖'))];
  return {
    $schema: 'https://vega.github.io/schema/vega-lite/v5.json',
    title: {
      text: opts.title,
      subtitle: `gradient flow over training: ${flows.length} diagnosed epochs (${epochs[0]} … ${epochs.at(-1)}), log scale${cut ? `; values over ${DECADES_SHOWN} decades below a panel's largest run off its bottom` : ''}`,
      anchor: 'start',
      fontSize: 15,
    },
    background: 'white',
    padding: 8,
    vconcat: rows.map((hconcat) => ({ hconcat })),
    resolve: { scale: { y: 'independent' } },
    config: { view: { stroke: '#888' }, axis: { grid: true, gridOpacity: 0.35, labelFontSize: 10, titleFontSize: 11 }, legend: { labelFontSize: 11, titleFontSize: 11 } },
  } as unknown as TopLevelSpec;
}
