/**
 * Cart-pole scene (docs/problems.md): per sample, a camera that follows the cart, so the poles
 * are long strokes whatever the cart's excursion; the track scrolls under it (a tick every 0.5,
 * labelled at whole positions). Every pole is a line from the pivot at angle θ (θ = 0 up, θ = π
 * hanging: tip = (x + l·sin θ, l·cos θ), y up), the upright target is a dashed line above the
 * pivot, and the force is an arrow on the cart whose length is |F| over the largest |F| of the
 * rollout. A legend line names the target and gives the cart's position. Pure.
 */
import { CARTPOLE_CONSTANTS } from './step.js';
import type { SceneSpec } from '../presentation.js';
import { arrow, circle, COLORS, controlStep, finiteRange, fitWorld, fmt, inset, line, rect, text, type Rect, type Rollout } from '../scene/svg.js';

const CART_HALF_WIDTH = 0.16;
const CART_HEIGHT = 0.12;
/** World units visible around the cart, horizontally (the poles reach ±l = ±0.5). */
const VIEW_HALF_SPAN = 0.75;
/** Vertical world window: a pole up or down, and a margin. */
const Y_MIN = -0.58, Y_MAX = 0.58;
const TARGET_COLOR = '#9aa3ad';

export function cartpoleScene(ro: Rollout): SceneSpec {
  const poles = Number(ro.settings.poles);
  const l = CARTPOLE_CONSTANTS.l;
  const S = ro.stateSize;
  const C = ro.controlSize;
  const dt = Number(ro.settings.duration) / ro.steps;
  const forceRange = finiteRange(ro.steps * ro.samples, (i) => Math.abs(ro.controls[Math.floor(i / ro.samples)]![(i % ro.samples) * C]!));
  const fmax = forceRange ? forceRange[1] : 0;

  return {
    cols: 2,
    aspect: 0.7,
    dt,
    panel(b: number, n: number, r: Rect): string {
      const s = ro.states[n]!;
      const o = b * S;
      const x = s[o]!;
      const f = ro.controls[controlStep(n, ro.steps)]![b * C]!;
      const inner = inset(r, 6, 20, 6, 16);
      let out = text(r.x + 6, r.y + 14, `test #${b + 1}`, { color: COLORS.muted });
      out += text(r.x + r.w - 6, r.y + 14, `F = ${fmt(f)}`, { color: COLORS.force, anchor: 'end' });
      let finite = Number.isFinite(x) && Number.isFinite(f);
      for (let i = 1; i <= poles; i++) finite &&= Number.isFinite(s[o + 2 * i]!);
      if (!finite) return out + text(r.x + r.w / 2, r.y + r.h / 2, 'non-finite state', { anchor: 'middle', color: COLORS.muted });

      // The camera: centred on the cart, as wide as the panel allows at the scale the height sets.
      const scale = inner.h / (Y_MAX - Y_MIN);
      const half = Math.max(VIEW_HALF_SPAN, inner.w / scale / 2);
      const m = fitWorld(inner, x - half, x + half, Y_MIN, Y_MAX);

      // Track, scrolling: a tick every 0.5, labelled at whole positions.
      const ty = m.y(-CART_HEIGHT / 2);
      out += line(inner.x, ty, inner.x + inner.w, ty, { color: COLORS.rule, width: 2 });
      for (let k = Math.ceil((x - half) * 2); k <= Math.floor((x + half) * 2); k++) {
        const whole = k % 2 === 0;
        out += line(m.x(k / 2), ty, m.x(k / 2), ty + (whole ? 6 : 3), { color: k === 0 ? COLORS.ink : COLORS.muted, width: 1.2 });
        if (whole) out += text(m.x(k / 2), ty + 15, String(k / 2), { size: 9, anchor: 'middle', color: COLORS.muted });
      }

      // The upright target: where every pole should end up.
      out += line(m.x(x), m.y(0), m.x(x), m.y(l), { color: TARGET_COLOR, width: 1.5, dash: '4 3' });
      out += circle(m.x(x), m.y(l), 3.5, 'none', { color: TARGET_COLOR, width: 1.5 });

      out += rect({ x: m.x(x - CART_HALF_WIDTH), y: m.y(CART_HEIGHT / 2), w: 2 * CART_HALF_WIDTH * m.scale, h: CART_HEIGHT * m.scale }, COLORS.cart);
      // The force: an arrow from the side of the cart it pushes, at most 40 % of the panel wide.
      if (fmax > 0 && f !== 0) {
        const len = Math.max(4, (Math.abs(f) / fmax) * 0.4 * inner.w);
        const sign = Math.sign(f);
        const x0 = m.x(x) + sign * (CART_HALF_WIDTH * m.scale + 2);
        out += arrow(x0, m.y(0), x0 + sign * len, m.y(0), COLORS.force, 3, 9);
      }
      const width = Math.max(3, 0.04 * m.scale);
      for (let i = 1; i <= poles; i++) {
        const th = s[o + 2 * i]!;
        const tx = x + l * Math.sin(th), tyw = l * Math.cos(th);
        const color = COLORS.poles[(i - 1) % COLORS.poles.length]!;
        out += line(m.x(x), m.y(0), m.x(tx), m.y(tyw), { color, width });
        out += circle(m.x(tx), m.y(tyw), Math.max(3.5, 0.05 * m.scale), color);
      }
      out += circle(m.x(x), m.y(0), Math.max(2, 0.025 * m.scale), COLORS.ink);
      // Legend line.
      const ly = r.y + r.h - 5;
      out += line(r.x + 6, ly - 3, r.x + 18, ly - 3, { color: TARGET_COLOR, width: 1.5, dash: '4 3' });
      out += text(r.x + 22, ly, 'upright target', { size: 9, color: COLORS.muted });
      out += text(r.x + r.w - 6, ly, `cart x = ${fmt(x)}`, { size: 9, color: COLORS.muted, anchor: 'end' });
      return out;
    },
  };
}
