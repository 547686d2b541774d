/**
 * Canvas drawing of the Figure-2 toy, iteration by iteration: per field a panel with the loss
 * landscape (grey, log scale), the flow −field Adam follows (arrows) and Adam's trajectory so
 * far; and one panel with the three loss curves on a log scale. The same picture as the
 * Vega-Lite figure of `sbptt toy --plot` (toy-spec.ts), cheap enough to redraw every frame.
 */
import { TOY_COLORS } from '../../runs/figures/toy-spec.js';
import { TOY_FIELD_KINDS, toyField, toyLoss, type ToyFieldKind, type ToyResult } from '../../train/toy.js';

const PAD = { left: 34, right: 14, top: 14, bottom: 26 };
const INK = '#333';
const GRID = 'rgba(0,0,0,0.08)';
const FONT = '10px system-ui, sans-serif';

/** Half-width of the square view: the trajectories' extent with a margin, rounded up (as toy-spec.ts). */
export function viewHalf(result: ToyResult): number {
  let m = 1;
  for (const k of TOY_FIELD_KINDS) for (const [a, b] of result[k].trajectory) if (Number.isFinite(a) && Number.isFinite(b)) m = Math.max(m, Math.abs(a), Math.abs(b));
  return Math.ceil(m * 1.15);
}

/** Prepares a canvas for drawing in CSS pixels at the screen's resolution. */
export function context(canvas: HTMLCanvasElement, width: number, height: number): CanvasRenderingContext2D {
  const dpr = Math.min(2, window.devicePixelRatio || 1);
  if (canvas.width !== Math.round(width * dpr)) canvas.width = Math.round(width * dpr);
  if (canvas.height !== Math.round(height * dpr)) canvas.height = Math.round(height * dpr);
  canvas.style.width = `${width}px`;
  canvas.style.height = `${height}px`;
  const ctx = canvas.getContext('2d')!;
  ctx.setTransform(dpr, 0, 0, dpr, 0, 0);
  return ctx;
}

/** Maps θ to pixels in a square panel of side `size` showing [−half, half]². */
export function fieldMap(size: number, half: number) {
  const w = size - PAD.left - PAD.right, hgt = size - PAD.top - PAD.bottom;
  return {
    x: (v: number): number => PAD.left + ((v + half) / (2 * half)) * w,
    y: (v: number): number => PAD.top + ((half - v) / (2 * half)) * hgt,
    /** Pixel → θ (for clicks). */
    inverse: (px: number, py: number): [number, number] => [((px - PAD.left) / w) * 2 * half - half, half - ((py - PAD.top) / hgt) * 2 * half],
  };
}

function niceStep(span: number, target: number): number {
  const raw = span / target, p = 10 ** Math.floor(Math.log10(raw)), m = raw / p;
  return (m < 1.5 ? 1 : m < 3.5 ? 2 : m < 7.5 ? 5 : 10) * p;
}

function frame(ctx: CanvasRenderingContext2D, x0: number, y0: number, x1: number, y1: number): void {
  ctx.strokeStyle = '#888';
  ctx.lineWidth = 1;
  ctx.strokeRect(x0 + 0.5, y0 + 0.5, x1 - x0, y1 - y0);
}

export function drawField(canvas: HTMLCanvasElement, size: number, kind: ToyFieldKind, result: ToyResult, upto: number, half: number): void {
  const ctx = context(canvas, size, size);
  const m = fieldMap(size, half);
  const { angleDeg } = result.options;
  ctx.fillStyle = '#fff';
  ctx.fillRect(0, 0, size, size);
  // Loss landscape: log-scaled grey cells.
  const cells = 36, cell = (2 * half) / cells;
  const lmin = Math.log(Math.max(1e-6, (cell / 2) ** 2)), lmax = Math.log(2 * half * half);
  for (let i = 0; i < cells; i++) {
    for (let j = 0; j < cells; j++) {
      const a = -half + i * cell, b = -half + j * cell;
      const t = (Math.log(Math.max(1e-6, toyLoss([a + cell / 2, b + cell / 2]))) - lmin) / (lmax - lmin);
      const g = Math.round(255 - 48 * Math.max(0, Math.min(1, t)));
      ctx.fillStyle = `rgb(${g},${g},${g})`;
      ctx.fillRect(m.x(a), m.y(b + cell), m.x(a + cell) - m.x(a) + 0.5, m.y(b) - m.y(b + cell) + 0.5);
    }
  }
  // The flow −field, unit arrows on a grid.
  const n = 13, step = (2 * half) / n, len = 0.75 * step * (m.x(1) - m.x(0));
  const f = new Float64Array(2);
  ctx.strokeStyle = ctx.fillStyle = INK;
  ctx.lineWidth = 1;
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < n; j++) {
      const a = -half + (i + 0.5) * step, b = -half + (j + 0.5) * step;
      toyField(kind, [a, b], angleDeg, f);
      const dx = -f[0]!, dy = f[1]!; // y grows downwards on the canvas
      const norm = Math.hypot(dx, dy);
      if (norm === 0) continue;
      const ux = dx / norm, uy = dy / norm, x0 = m.x(a), y0 = m.y(b), x1 = x0 + ux * len, y1 = y0 + uy * len;
      ctx.beginPath();
      ctx.moveTo(x0, y0);
      ctx.lineTo(x1, y1);
      ctx.stroke();
      ctx.beginPath();
      ctx.moveTo(x1 + ux * 2, y1 + uy * 2);
      ctx.lineTo(x1 - ux * 3 - uy * 2.5, y1 - uy * 3 + ux * 2.5);
      ctx.lineTo(x1 - ux * 3 + uy * 2.5, y1 - uy * 3 - ux * 2.5);
      ctx.fill();
    }
  }
  // Trajectory so far, the start (black dot) and the current point (diamond).
  const path = result[kind].trajectory.slice(0, upto + 1).filter(([a, b]) => Number.isFinite(a) && Number.isFinite(b));
  ctx.save();
  ctx.beginPath();
  ctx.rect(PAD.left, PAD.top, size - PAD.left - PAD.right, size - PAD.top - PAD.bottom);
  ctx.clip();
  ctx.strokeStyle = TOY_COLORS[kind];
  ctx.lineWidth = 2.2;
  ctx.lineJoin = 'round';
  ctx.beginPath();
  path.forEach(([a, b], i) => (i ? ctx.lineTo(m.x(a), m.y(b)) : ctx.moveTo(m.x(a), m.y(b))));
  ctx.stroke();
  const [sa, sb] = result.options.start;
  ctx.fillStyle = '#000';
  ctx.beginPath();
  ctx.arc(m.x(sa), m.y(sb), 4, 0, 2 * Math.PI);
  ctx.fill();
  const last = path[path.length - 1];
  if (last) {
    const [cx, cy] = [m.x(last[0]), m.y(last[1])];
    ctx.fillStyle = TOY_COLORS[kind];
    ctx.strokeStyle = '#000';
    ctx.lineWidth = 1;
    ctx.beginPath();
    ctx.moveTo(cx, cy - 6), ctx.lineTo(cx + 5, cy), ctx.lineTo(cx, cy + 6), ctx.lineTo(cx - 5, cy), ctx.closePath();
    ctx.fill();
    ctx.stroke();
  }
  ctx.restore();
  // Axes.
  frame(ctx, PAD.left, PAD.top, size - PAD.right, size - PAD.bottom);
  ctx.fillStyle = INK;
  ctx.font = FONT;
  const t = niceStep(2 * half, 4);
  for (let v = Math.ceil(-half / t) * t; v <= half + 1e-9; v += t) {
    const label = String(Math.round(v * 100) / 100);
    ctx.textAlign = 'center';
    ctx.fillText(label, m.x(v), size - PAD.bottom + 12);
    ctx.textAlign = 'right';
    ctx.fillText(label, PAD.left - 4, m.y(v) + 3);
  }
  ctx.textAlign = 'center';
  ctx.fillText('θ₁', (PAD.left + size - PAD.right) / 2, size - 2);
  ctx.textAlign = 'left';
  ctx.fillText('θ₂', 4, PAD.top - 3);
}

/** The three loss curves up to iteration `upto`, on a log axis fixed by the whole run. */
export function drawLosses(canvas: HTMLCanvasElement, width: number, height: number, result: ToyResult, upto: number): void {
  const ctx = context(canvas, width, height);
  ctx.fillStyle = '#fff';
  ctx.fillRect(0, 0, width, height);
  const iters = result.options.iterations;
  let lo = Infinity, hi = -Infinity;
  for (const k of TOY_FIELD_KINDS) for (const v of result[k].losses) if (v > 0 && Number.isFinite(v)) (lo = Math.min(lo, v)), (hi = Math.max(hi, v));
  if (!(lo <= hi)) return;
  const d0 = Math.floor(Math.log10(lo)), d1 = Math.max(d0 + 1, Math.ceil(Math.log10(hi)));
  const x = (i: number): number => PAD.left + 8 + ((i - 1) / Math.max(1, iters - 1)) * (width - PAD.left - 8 - PAD.right);
  const y = (v: number): number => PAD.top + ((d1 - Math.log10(v)) / (d1 - d0)) * (height - PAD.top - PAD.bottom);
  ctx.font = FONT;
  ctx.fillStyle = INK;
  ctx.textAlign = 'right';
  const every = Math.ceil((d1 - d0) / 8);
  for (let d = d0; d <= d1; d += 1) {
    ctx.strokeStyle = GRID;
    ctx.beginPath();
    ctx.moveTo(PAD.left + 8, y(10 ** d)), ctx.lineTo(width - PAD.right, y(10 ** d));
    ctx.stroke();
    if ((d - d0) % every === 0) ctx.fillText(d >= -3 && d <= 3 ? String(10 ** d) : `1e${d}`, PAD.left + 4, y(10 ** d) + 3);
  }
  ctx.textAlign = 'center';
  const t = niceStep(iters, 5);
  for (let i = t; i <= iters; i += t) ctx.fillText(String(i), x(i), height - PAD.bottom + 12);
  ctx.fillText('iteration', (PAD.left + width) / 2, height - 2);
  for (const k of TOY_FIELD_KINDS) {
    ctx.strokeStyle = TOY_COLORS[k];
    ctx.lineWidth = 1.8;
    ctx.beginPath();
    let pen = false;
    result[k].losses.slice(0, upto).forEach((v, i) => {
      if (!(v > 0 && Number.isFinite(v))) return void (pen = false);
      if (pen) ctx.lineTo(x(i + 1), y(v));
      else ctx.moveTo(x(i + 1), y(v)), (pen = true);
    });
    ctx.stroke();
  }
  frame(ctx, PAD.left + 8, PAD.top, width - PAD.right, height - PAD.bottom);
}
