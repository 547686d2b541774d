/**
 * Drawing primitives and shared types for the animation scenes: SVG text snippets, a fixed
 * colour set, panel grids and world-to-pixel maps. Pure (no Node built-ins, no rasteriser), so
 * a browser dashboard can reuse the scenes as they are.
 */
import type { Rect } from '../presentation.js';

export type { Rollout, Rect } from '../presentation.js';

/** The control shown with state x_n: c_n, and the last one c_{Nt−1} with the final state. */
export const controlStep = (n: number, steps: number): number => Math.min(n, steps - 1);

/**
 * Every colour the scenes draw with. The GIF palette is built from these and their blends
 * towards the white background (anti-aliasing, opacity), so scenes must not use others.
 */
export const COLORS = {
  background: '#ffffff',
  ink: '#222222',
  muted: '#777777',
  rule: '#c8c8c8',
  header: '#f0f0f0',
  cart: '#4c78a8',
  poles: ['#e45756', '#54a24b', '#b279a2', '#72b7b2'],
  force: '#f58518',
  driver: '#e45756',
  evader: '#4c78a8',
  target: '#54a24b',
  psi: '#4c78a8',
  reference: '#999999',
  control: '#f58518',
} as const;

/** The distinct colours of COLORS, background first. */
export const BASE_COLORS: readonly string[] = [
  ...new Set(Object.values(COLORS).flatMap((c: string | readonly string[]) => (typeof c === 'string' ? [c] : [...c]))),
];

/** A number for an SVG attribute: 0.1 px resolution, non-finite values pushed far off-canvas. */
export function px(v: number): string {
  if (!Number.isFinite(v)) return '-9999';
  return String(Math.round(Math.max(-1e5, Math.min(1e5, v)) * 10) / 10);
}

/** A compact human-readable value: 3 significant digits, exponent for very small or large. */
export function fmt(v: number): string {
  if (!Number.isFinite(v)) return String(v);
  if (v === 0) return '0';
  const a = Math.abs(v);
  if (a >= 1e4 || a < 1e-3) return v.toExponential(1);
  return v.toPrecision(3).replace(/(\.\d*?)0+$/, '$1').replace(/\.$/, '');
}

export function escapeXml(s: string): string {
  return s.replace(/[<>&"']/g, (c) => ({ '<': '&lt;', '>': '&gt;', '&': '&amp;', '"': '&quot;', "'": '&apos;' })[c]!);
}

export interface TextStyle {
  size?: number;
  color?: string;
  anchor?: 'start' | 'middle' | 'end';
  weight?: 'normal' | 'bold';
}

export function text(x: number, y: number, s: string, style: TextStyle = {}): string {
  const { size = 11, color = COLORS.ink, anchor = 'start', weight = 'normal' } = style;
  const w = weight === 'bold' ? ' font-weight="bold"' : '';
  return `<text x="${px(x)}" y="${px(y)}" font-size="${size}" fill="${color}" text-anchor="${anchor}"${w}>${escapeXml(s)}</text>`;
}

export interface StrokeStyle {
  color: string;
  width?: number;
  opacity?: number;
  dash?: string;
}

function strokeAttrs(s: StrokeStyle): string {
  let a = `stroke="${s.color}" stroke-width="${s.width ?? 1}"`;
  if (s.opacity !== undefined && s.opacity < 1) a += ` stroke-opacity="${Math.round(s.opacity * 100) / 100}"`;
  if (s.dash) a += ` stroke-dasharray="${s.dash}"`;
  return a;
}

export function line(x1: number, y1: number, x2: number, y2: number, s: StrokeStyle): string {
  return `<line x1="${px(x1)}" y1="${px(y1)}" x2="${px(x2)}" y2="${px(y2)}" ${strokeAttrs(s)} stroke-linecap="round"/>`;
}

export function polyline(points: readonly (readonly [number, number])[], s: StrokeStyle): string {
  if (points.length < 2) return '';
  const p = points.map(([x, y]) => `${px(x)},${px(y)}`).join(' ');
  return `<polyline points="${p}" fill="none" ${strokeAttrs(s)} stroke-linejoin="round" stroke-linecap="round"/>`;
}

export function polygon(points: readonly (readonly [number, number])[], fill: string, opacity = 1): string {
  if (points.length < 3) return '';
  const p = points.map(([x, y]) => `${px(x)},${px(y)}`).join(' ');
  const o = opacity < 1 ? ` fill-opacity="${Math.round(opacity * 100) / 100}"` : '';
  return `<polygon points="${p}" fill="${fill}"${o}/>`;
}

export function circle(cx: number, cy: number, r: number, fill: string, stroke?: StrokeStyle): string {
  const s = stroke ? ` ${strokeAttrs(stroke)}` : '';
  return `<circle cx="${px(cx)}" cy="${px(cy)}" r="${px(r)}" fill="${fill}"${s}/>`;
}

export function rect(r: Rect, fill: string, stroke?: StrokeStyle): string {
  const s = stroke ? ` ${strokeAttrs(stroke)}` : '';
  return `<rect x="${px(r.x)}" y="${px(r.y)}" width="${px(r.w)}" height="${px(r.h)}" fill="${fill}"${s}/>`;
}

/** A horizontal or slanted arrow from (x1, y1) to (x2, y2) with a filled head of `head` px. */
export function arrow(x1: number, y1: number, x2: number, y2: number, color: string, width = 2.5, head = 8): string {
  const dx = x2 - x1, dy = y2 - y1;
  const len = Math.hypot(dx, dy);
  if (!(len > 1)) return '';
  const ux = dx / len, uy = dy / len;
  const h = Math.min(head, len);
  const bx = x2 - ux * h, by = y2 - uy * h;
  const wing = h * 0.55;
  return (
    line(x1, y1, bx, by, { color, width }) +
    polygon([[x2, y2], [bx - uy * wing, by + ux * wing], [bx + uy * wing, by - ux * wing]], color)
  );
}

export function svgDocument(width: number, height: number, body: string): string {
  return (
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" ` +
    `font-family="DejaVu Sans, Helvetica, Arial, sans-serif">` +
    rect({ x: 0, y: 0, w: width, h: height }, COLORS.background) +
    body +
    '</svg>'
  );
}

/** The panels of a `cols`-column grid filling `area`, row by row. */
export function gridRects(area: Rect, count: number, cols: number): Rect[] {
  const c = Math.max(1, Math.min(cols, count));
  const rows = Math.ceil(count / c);
  const w = area.w / c, h = area.h / rows;
  return Array.from({ length: count }, (_, i) => ({ x: area.x + (i % c) * w, y: area.y + Math.floor(i / c) * h, w, h }));
}

export function inset(r: Rect, left: number, top = left, right = left, bottom = top): Rect {
  return { x: r.x + left, y: r.y + top, w: Math.max(1, r.w - left - right), h: Math.max(1, r.h - top - bottom) };
}

/** Maps world coordinates (y up) into a rectangle with one scale for both axes, centred. */
export interface WorldMap {
  readonly scale: number;
  x(wx: number): number;
  y(wy: number): number;
}

export function fitWorld(r: Rect, xmin: number, xmax: number, ymin: number, ymax: number): WorldMap {
  const scale = Math.min(r.w / (xmax - xmin), r.h / (ymax - ymin));
  const ox = r.x + (r.w - (xmax - xmin) * scale) / 2;
  const oy = r.y + (r.h - (ymax - ymin) * scale) / 2;
  return { scale, x: (wx) => ox + (wx - xmin) * scale, y: (wy) => oy + (ymax - wy) * scale };
}

/** Maps a data box onto a rectangle with independent axis scales (plots), y up. */
export function fitPlot(r: Rect, xmin: number, xmax: number, ymin: number, ymax: number): { x(v: number): number; y(v: number): number } {
  const sx = r.w / (xmax - xmin || 1), sy = r.h / (ymax - ymin || 1);
  return { x: (v) => r.x + (v - xmin) * sx, y: (v) => r.y + r.h - (v - ymin) * sy };
}

/** Minimum and maximum of the finite values of `get(n)` for n in [0, count), or null if none. */
export function finiteRange(count: number, get: (n: number) => number): [number, number] | null {
  let lo = Infinity, hi = -Infinity;
  for (let n = 0; n < count; n++) {
    const v = get(n);
    if (Number.isFinite(v)) {
      if (v < lo) lo = v;
      if (v > hi) hi = v;
    }
  }
  return lo <= hi ? [lo, hi] : null;
}
