/**
 * The view of a problem without a scene of its own: per sample, the state on the left and the
 * control on the right. Up to 8 state components are drawn as curves over time (up to the current
 * step, with a marker); a larger state (a field on a grid) as its profile over the component
 * index at the current step, over the initial profile as a faint reference. The control likewise
 * (up to 4 components as curves). Axes are shared by all samples and fixed over the rollout.
 */
import type { Rect, Rollout, SceneSpec } from '../presentation.js';
import { circle, COLORS, controlStep, finiteRange, fitPlot, fmt, inset, line, polyline, text } from './svg.js';

const SERIES = [COLORS.cart, COLORS.poles[0], COLORS.poles[1], COLORS.poles[2], COLORS.force, COLORS.poles[3], COLORS.psi, COLORS.reference];
const MAX_CURVES = 8;

/** Values v(n, b, i) for n = 0 … count−1 drawn in `r`: curves over n (few i) or a profile over i (many). */
function plotBlock(
  r: Rect,
  label: string,
  size: number,
  count: number,
  current: number,
  b: number,
  v: (n: number, b: number, i: number) => number,
  range: [number, number],
  curves: boolean,
): string {
  const [lo, hi] = range;
  let out = text(r.x + 2, r.y - 4, label, { color: COLORS.muted });
  if (curves) {
    const p = fitPlot(r, 0, Math.max(1, count - 1), lo, hi);
    out += line(p.x(0), p.y(lo), p.x(0), p.y(hi), { color: COLORS.rule, width: 1.5 });
    if (lo < 0 && hi > 0) out += line(p.x(0), p.y(0), p.x(Math.max(1, count - 1)), p.y(0), { color: COLORS.rule, width: 1 });
    for (let i = 0; i < size; i++) {
      const color = SERIES[i % SERIES.length]!;
      const pts: [number, number][] = [];
      for (let n = 0; n <= current; n++) if (Number.isFinite(v(n, b, i))) pts.push([p.x(n), p.y(v(n, b, i))]);
      out += polyline(pts, { color, width: 1.8 });
      if (Number.isFinite(v(current, b, i))) out += circle(p.x(current), p.y(v(current, b, i)), 3, color);
      // Current values under the plot, while they fit.
      if (size <= 3) out += text(r.x + (i * r.w) / size, r.y + r.h + 11, `[${i}] ${fmt(v(current, b, i))}`, { size: 9, color });
    }
    return out;
  }
  const p = fitPlot(r, 0, Math.max(1, size - 1), lo, hi);
  out += line(p.x(0), p.y(lo), p.x(0), p.y(hi), { color: COLORS.rule, width: 1.5 });
  if (lo < 0 && hi > 0) out += line(p.x(0), p.y(0), p.x(Math.max(1, size - 1)), p.y(0), { color: COLORS.rule, width: 1 });
  const profile = (n: number): [number, number][] => {
    const pts: [number, number][] = [];
    for (let i = 0; i < size; i++) if (Number.isFinite(v(n, b, i))) pts.push([p.x(i), p.y(v(n, b, i))]);
    return pts;
  };
  out += polyline(profile(0), { color: COLORS.reference, width: 1.2, dash: '4 3' });
  out += polyline(profile(current), { color: COLORS.psi, width: 2 });
  out += text(r.x, r.y + r.h + 11, '— now', { size: 9, color: COLORS.psi });
  out += text(r.x + r.w, r.y + r.h + 11, '- - step 0', { size: 9, color: COLORS.reference, anchor: 'end' });
  return out;
}

export function genericScene(ro: Rollout): SceneSpec {
  const S = ro.stateSize, C = ro.controlSize, Nt = ro.steps;
  const x = (n: number, b: number, i: number): number => ro.states[n]![b * S + i]!;
  const c = (n: number, b: number, i: number): number => ro.controls[n]![b * C + i]!;
  const span = (r: [number, number] | null): [number, number] => {
    if (!r) return [-1, 1];
    const pad = 0.08 * (r[1] - r[0] || Math.abs(r[0]) || 1);
    return [r[0] - pad, r[1] + pad];
  };
  const total = (count: number, size: number): number => count * ro.samples * size;
  const at = (size: number, f: typeof x) => (k: number) => f(Math.floor(k / (ro.samples * size)), Math.floor(k / size) % ro.samples, k % size);
  const xRange = span(finiteRange(total(Nt + 1, S), at(S, x)));
  const cRange = span(finiteRange(total(Nt, C), at(C, c)));
  return {
    cols: ro.samples >= 4 ? 2 : 1,
    aspect: 0.5,
    dt: ro.dt ?? 1,
    panel(b: number, n: number, r: Rect): string {
      const inner = inset(r, 10, 32, 10, 16);
      const left: Rect = { x: inner.x, y: inner.y, w: inner.w * 0.6 - 8, h: inner.h };
      const right: Rect = { x: inner.x + inner.w * 0.6 + 8, y: inner.y, w: inner.w * 0.4 - 8, h: inner.h };
      let out = text(r.x + 6, r.y + 13, `test #${b + 1}`, { color: COLORS.muted });
      const curves = S <= MAX_CURVES;
      out += plotBlock(left, curves ? 'state x(t)' : `state (${S} values)`, S, Nt + 1, n, b, x, xRange, curves);
      out += plotBlock(right, C <= 4 ? 'control c(t)' : `control (${C})`, C, Nt, controlStep(n, Nt), b, c, cRange, C <= 4);
      return out;
    },
  };
}

/** The scene a problem is shown with: its own, or the generic one. */
export function sceneFor(def: { readonly presentation: { readonly scene?: (ro: Rollout) => SceneSpec } }): (ro: Rollout) => SceneSpec {
  return def.presentation.scene ?? genericScene;
}
