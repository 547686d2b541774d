/**
 * Cart-pole scene (docs/problems.md): per sample, the cart as a rectangle on a track, every pole
 * as a line from the cart at angle θ (θ = 0 up, θ = π hanging: tip = (x + l·sin θ, l·cos θ), y up)
 * and the force on the cart as an arrow scaled by the largest |force| of the rollout.
 * The camera is fixed per sample and frames the cart's whole excursion. Pure.
 */
import { CARTPOLE_CONSTANTS } from '../../physics/cartpole/index.js';
import type { SceneSpec } from './scenes.js';
import {
  arrow,
  circle,
  COLORS,
  controlStep,
  finiteRange,
  fitWorld,
  fmt,
  inset,
  line,
  rect,
  text,
  type Rect,
  type Rollout,
} from './svg.js';

const CART_HALF_WIDTH = 0.2;
const CART_HEIGHT = 0.16;
/** Smallest horizontal world extent of a panel (so a resting cart is not blown up). */
const MIN_SPAN = 3;

export function cartpoleScene(ro: Rollout): SceneSpec {
  const poles = Number(ro.settings.poles);
  const l = CARTPOLE_CONSTANTS.l;
  const S = ro.stateSize;
  const C = ro.controlSize;
  const dt = Number(ro.settings.duration) / ro.steps;
  const forceRange = finiteRange(ro.steps * ro.samples, (i) => Math.abs(ro.controls[Math.floor(i / ro.samples)]![(i % ro.samples) * C]!));
  const fmax = forceRange ? forceRange[1] : 0;

  // Per sample: the horizontal world window covering the cart's excursion and the poles.
  const windows = Array.from({ length: ro.samples }, (_, b) => {
    const xr = finiteRange(ro.steps + 1, (n) => ro.states[n]![b * S]!) ?? [0, 0];
    let lo = xr[0] - l - 0.35, hi = xr[1] + l + 0.35;
    if (hi - lo < MIN_SPAN) {
      const mid = (lo + hi) / 2;
      lo = mid - MIN_SPAN / 2;
      hi = mid + MIN_SPAN / 2;
    }
    return { lo, hi };
  });

  return {
    cols: 2,
    aspect: 0.62,
    dt,
    panel(b: number, n: number, r: Rect): string {
      const s = ro.states[n]!;
      const o = b * S;
      const x = s[o]!;
      const f = ro.controls[controlStep(n, ro.steps)]![b * C]!;
      const inner = inset(r, 8, 20, 8, 6);
      const win = windows[b]!;
      const m = fitWorld(inner, win.lo, win.hi, -l - 0.12, l + 0.12);
      let out = text(r.x + 6, r.y + 14, `test #${b + 1}`, { color: COLORS.muted });
      out += text(r.x + r.w - 6, r.y + 14, `F = ${fmt(f)}`, { color: COLORS.force, anchor: 'end' });

      // Track with a tick at every integer position.
      const ty = m.y(-CART_HEIGHT / 2);
      out += line(inner.x, ty, inner.x + inner.w, ty, { color: COLORS.rule, width: 2 });
      for (let k = Math.ceil(win.lo); k <= Math.floor(win.hi); k++) {
        out += line(m.x(k), ty, m.x(k), ty + (k === 0 ? 7 : 4), { color: k === 0 ? COLORS.muted : COLORS.rule, width: 1.5 });
      }
      let finite = Number.isFinite(x) && Number.isFinite(f);
      for (let i = 1; i <= poles; i++) finite &&= Number.isFinite(s[o + 2 * i]!);
      if (!finite) return out + text(r.x + r.w / 2, r.y + r.h / 2, 'non-finite state', { anchor: 'middle', color: COLORS.muted });

      // Force arrow from the side of the cart it pushes.
      if (fmax > 0) {
        const len = (Math.abs(f) / fmax) * 0.3 * inner.w;
        const sign = Math.sign(f);
        const x0 = m.x(x) + sign * (CART_HALF_WIDTH * m.scale + 3);
        out += arrow(x0, m.y(0), x0 + sign * len, m.y(0), COLORS.force, 3, 9);
      }
      out += rect(
        { x: m.x(x - CART_HALF_WIDTH), y: m.y(CART_HEIGHT / 2), w: 2 * CART_HALF_WIDTH * m.scale, h: CART_HEIGHT * m.scale },
        COLORS.cart,
      );
      const width = Math.max(2, 0.045 * m.scale);
      for (let i = 1; i <= poles; i++) {
        const th = s[o + 2 * i]!;
        const tx = x + l * Math.sin(th), tyw = l * Math.cos(th);
        const color = COLORS.poles[(i - 1) % COLORS.poles.length]!;
        out += line(m.x(x), m.y(0), m.x(tx), m.y(tyw), { color, width });
        out += circle(m.x(tx), m.y(tyw), Math.max(3, 0.045 * m.scale), color);
      }
      out += circle(m.x(x), m.y(0), Math.max(2, 0.025 * m.scale), COLORS.ink);
      return out;
    },
  };
}
