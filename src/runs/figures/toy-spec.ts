/**
 * The Vega-Lite spec of the 2-D illustration (docs/method.md, the paper's Figure 2): three panels,
 * one per field, each a quiver of the flow Adam follows (−field, arrows made of rule marks with
 * a triangle head) over the loss landscape L = θ₁² + θ₂² (heat map, log colour) with Adam's
 * trajectory; a fourth panel with the three loss curves on a log scale.
 * Pure: no Node built-ins, no vega at run time.
 */
import type { TopLevelSpec } from 'vega-lite';
import { LOG_LABEL, MODE_COLORS } from './style.js';
import { TOY_FIELD_KINDS, toyField, toyLoss, type ToyFieldKind, type ToyResult } from '../../train/toy.js';

export interface ToyFigureOptions {
  /** Arrows per side of the quiver grid (default 13). */
  arrows?: number;
  /** Heat-map cells per side (default 40). */
  cells?: number;
  /** Side of each square panel in pixels (default 220). */
  size?: number;
}

/** Trajectory and loss-curve colour per field (the same as R, M, C in the sweep figures). */
export const TOY_COLORS: Readonly<Record<ToyFieldKind, string>> = { gradient: MODE_COLORS.R!, rotated: MODE_COLORS.M!, combined: MODE_COLORS.C! };

function fieldTitle(kind: ToyFieldKind, angle: number): string {
  if (kind === 'gradient') return 'gradient g = ∇L';
  if (kind === 'rotated') return `rotated r = R(−${angle}°)·g`;
  return 'combined: rᵢ if sign rᵢ = sign gᵢ';
}

/** Half-width of the square view: the trajectories' extent with a margin, rounded up. */
function viewHalf(result: ToyResult): number {
  let m = 1;
  for (const k of TOY_FIELD_KINDS) for (const [a, b] of result[k].trajectory) if (Number.isFinite(a) && Number.isFinite(b)) m = Math.max(m, Math.abs(a), Math.abs(b));
  return Math.ceil(m * 1.15);
}

export function toyFigureSpec(result: ToyResult, opts: ToyFigureOptions = {}): TopLevelSpec {
  const { angleDeg, lr, iterations, start } = result.options;
  const half = viewHalf(result);
  const size = opts.size ?? 220;
  const nArrows = opts.arrows ?? 13;
  const nCells = opts.cells ?? 40;
  const cell = (2 * half) / nCells;
  const heat: { x: number; x2: number; y: number; y2: number; loss: number }[] = [];
  for (let i = 0; i < nCells; i++) {
    for (let j = 0; j < nCells; j++) {
      const x = -half + i * cell, y = -half + j * cell;
      heat.push({ x, x2: x + cell, y, y2: y + cell, loss: toyLoss([x + cell / 2, y + cell / 2]) });
    }
  }
  const step = (2 * half) / nArrows;
  const arrowLength = 0.75 * step;
  const scale = { domain: [-half, half], nice: false, zero: false };
  const f = new Float64Array(2);
  const panels = TOY_FIELD_KINDS.map((kind) => {
    const arrows: { x: number; y: number; x2: number; y2: number; angle: number }[] = [];
    for (let i = 0; i < nArrows; i++) {
      for (let j = 0; j < nArrows; j++) {
        const x = -half + (i + 0.5) * step, y = -half + (j + 0.5) * step;
        toyField(kind, [x, y], angleDeg, f);
        // The flow Adam follows is −field; arrows have a fixed length and point along it.
        const dx = -f[0]!, dy = -f[1]!;
        const n = Math.hypot(dx, dy);
        if (n === 0) continue;
        const x2 = x + (arrowLength * dx) / n, y2 = y + (arrowLength * dy) / n;
        // Vega rotates clockwise from "up"; both axes share one scale, so the data angle serves.
        arrows.push({ x, y, x2, y2, angle: (Math.atan2(dx, dy) * 180) / Math.PI });
      }
    }
    const path = result[kind].trajectory.map(([a, b], it) => ({ it, a, b })).filter((p) => Number.isFinite(p.a) && Number.isFinite(p.b));
    const xy = (fx: string, fy: string, title = true) => ({
      x: { field: fx, type: 'quantitative' as const, scale, title: title ? 'θ₁' : null },
      y: { field: fy, type: 'quantitative' as const, scale, title: title ? 'θ₂' : null },
    });
    return {
      title: { text: fieldTitle(kind, angleDeg), fontSize: 12 },
      width: size,
      height: size,
      layer: [
        {
          data: { values: heat },
          mark: { type: 'rect' as const, opacity: 0.3 },
          encoding: {
            ...xy('x', 'y'),
            x2: { field: 'x2' },
            y2: { field: 'y2' },
            color: { field: 'loss', type: 'quantitative' as const, scale: { type: 'log' as const, scheme: 'greys' }, legend: null },
          },
        },
        {
          data: { values: arrows },
          mark: { type: 'rule' as const, color: '#333', strokeWidth: 1, clip: true },
          encoding: { ...xy('x', 'y'), x2: { field: 'x2' }, y2: { field: 'y2' } },
        },
        {
          data: { values: arrows },
          mark: { type: 'point' as const, shape: 'triangle-up', filled: true, color: '#333', size: 14, opacity: 1, clip: true },
          encoding: { ...xy('x2', 'y2'), angle: { field: 'angle', type: 'quantitative' as const, scale: null } },
        },
        {
          data: { values: path },
          mark: { type: 'line' as const, color: TOY_COLORS[kind], strokeWidth: 2.2, clip: true },
          encoding: { ...xy('a', 'b'), order: { field: 'it', type: 'quantitative' as const } },
        },
        {
          data: { values: [{ a: start[0], b: start[1] }] },
          mark: { type: 'point' as const, shape: 'circle', filled: true, color: 'black', size: 50 },
          encoding: xy('a', 'b'),
        },
        {
          data: { values: path.slice(-1) },
          mark: { type: 'point' as const, shape: 'diamond', filled: true, color: TOY_COLORS[kind], stroke: 'black', strokeWidth: 1, size: 70, clip: true },
          encoding: xy('a', 'b'),
        },
      ],
    };
  });
  const losses = TOY_FIELD_KINDS.flatMap((kind) =>
    result[kind].losses.map((loss, i) => ({ iteration: i + 1, loss, field: kind })).filter((p) => p.loss > 0 && Number.isFinite(p.loss)),
  );
  const lossPanel = {
    title: { text: 'loss L(θ)', fontSize: 12 },
    width: size,
    height: size,
    data: { values: losses },
    mark: { type: 'line' as const, strokeWidth: 1.8 },
    encoding: {
      x: { field: 'iteration', type: 'quantitative' as const, title: 'iteration', scale: { nice: false } },
      y: { field: 'loss', type: 'quantitative' as const, title: 'L', scale: { type: 'log' as const }, axis: { labelExpr: LOG_LABEL } },
      color: {
        field: 'field',
        type: 'nominal' as const,
        title: 'field',
        scale: { domain: [...TOY_FIELD_KINDS], range: TOY_FIELD_KINDS.map((k) => TOY_COLORS[k]) },
        legend: { orient: 'bottom' as const, direction: 'horizontal' as const, symbolType: 'stroke', symbolStrokeWidth: 2.5, title: null },
      },
    },
  };
  return {
    $schema: 'https://vega.github.io/schema/vega-lite/v5.json',
    title: {
      text: 'Adam on the gradient, a rotated field and their combination',
      subtitle: `L(θ) = θ₁² + θ₂², start (${start.join(', ')}), lr ${lr}, ${iterations} iterations; arrows: the flow −field Adam follows`,
      anchor: 'start',
      fontSize: 15,
    },
    background: 'white',
    padding: 8,
    hconcat: [...panels, lossPanel],
    resolve: { scale: { color: 'independent', x: 'independent', y: 'independent' } },
    config: { view: { stroke: '#888' }, axis: { labelFontSize: 10, titleFontSize: 11 } },
  };
}
