/**
 * Repulsion scene (docs/problems.md): per sample, drivers and evaders as dots with fading
 * trails of their recent positions, the target (origin) marked, on a fixed square window that
 * holds every position of the rollout. Pure.
 */
import type { SceneSpec } from '../presentation.js';
import { circle, COLORS, finiteRange, fitWorld, fmt, inset, line, rect, text, type Rect, type Rollout } from '../scene/svg.js';

/** Opacity of a trail segment `age` steps old, of a trail `trail` steps long. */
const trailOpacity = (age: number, trail: number): number => 0.08 + 0.62 * (1 - age / trail);

/** Ring spacing for a window of half-width R: 1, 2, 5, 10, … so that there are at most 5 rings. */
function ringSpacing(R: number): number {
  for (let p = 1; ; p *= 10) for (const m of [1, 2, 5]) if (R / (m * p) <= 5) return m * p;
}

export function repulsionScene(ro: Rollout): SceneSpec {
  const drivers = Number(ro.settings.drivers);
  const evaders = Number(ro.settings.evaders);
  const agents = drivers + evaders;
  const S = ro.stateSize;
  const dt = Number(ro.settings.duration) / ro.steps;
  const trail = Math.max(8, Math.ceil(ro.steps / 3));

  // Per sample: the half-width of the square window, framing the evaders' whole paths and the
  // drivers' starting positions. Drivers that leave it are clipped and marked at its border.
  const extent = (b: number, n: number, a: number): number => {
    const o = b * S + 4 * a;
    return Math.max(Math.abs(ro.states[n]![o]!), Math.abs(ro.states[n]![o + 1]!));
  };
  const radius = Array.from({ length: ro.samples }, (_, b) => {
    const ev = finiteRange((ro.steps + 1) * evaders, (i) => extent(b, Math.floor(i / evaders), drivers + (i % evaders)));
    const dr = finiteRange(drivers, (a) => extent(b, 0, a));
    return 1.08 * Math.max(2.3, ev ? ev[1] : 0, dr ? dr[1] : 0);
  });

  return {
    cols: 2,
    aspect: 1,
    dt,
    panel(b: number, n: number, r: Rect): string {
      const o = b * S;
      const pos = (step: number, a: number): [number, number] => [ro.states[step]![o + 4 * a]!, ro.states[step]![o + 4 * a + 1]!];
      const R = radius[b]!;
      const inner = inset(r, 6, 20, 6, 6);
      const m = fitWorld(inner, -R, R, -R, R);
      let spread = 0;
      for (let e = drivers; e < agents; e++) {
        const [x, y] = pos(n, e);
        spread += x * x + y * y;
      }
      spread /= evaders;
      let out = text(r.x + 6, r.y + 14, `test #${b + 1}`, { color: COLORS.muted });
      out += text(r.x + r.w - 6, r.y + 14, `mean |x_e|² = ${fmt(spread)}`, { color: COLORS.evader, anchor: 'end' });

      // Guides: axes and rings around the target (at 1, 2, 3, … or coarser, at most 5).
      const clip = `repulsion-clip-${b}`;
      out += `<clipPath id="${clip}">${rect({ x: m.x(-R), y: m.y(R), w: 2 * R * m.scale, h: 2 * R * m.scale }, COLORS.background)}</clipPath>`;
      out += `<g clip-path="url(#${clip})">`;
      out += line(m.x(-R), m.y(0), m.x(R), m.y(0), { color: COLORS.rule, width: 1 });
      out += line(m.x(0), m.y(-R), m.x(0), m.y(R), { color: COLORS.rule, width: 1 });
      const ring = ringSpacing(R);
      for (let k = ring; k < R; k += ring) out += circle(m.x(0), m.y(0), k * m.scale, 'none', { color: COLORS.rule, width: 1, dash: '3 3' });
      out += circle(m.x(0), m.y(0), 7, 'none', { color: COLORS.target, width: 2 });
      out += circle(m.x(0), m.y(0), 2.5, COLORS.target);

      // Trails, oldest segments first so the newest are drawn on top.
      for (let age = Math.min(trail, n) - 1; age >= 0; age--) {
        const j = n - age;
        for (let a = 0; a < agents; a++) {
          const [x0, y0] = pos(j - 1, a), [x1, y1] = pos(j, a);
          if (!Number.isFinite(x0 + y0 + x1 + y1)) continue;
          const color = a < drivers ? COLORS.driver : COLORS.evader;
          out += line(m.x(x0), m.y(y0), m.x(x1), m.y(y1), { color, width: 2, opacity: trailOpacity(age, trail) });
        }
      }
      out += '</g>';
      for (let a = 0; a < agents; a++) {
        const [x, y] = pos(n, a);
        if (!Number.isFinite(x) || !Number.isFinite(y)) continue;
        const far = Math.max(Math.abs(x), Math.abs(y));
        if (far > R) {
          // Outside the window: a hollow marker on its border, in the agent's direction.
          const color = a < drivers ? COLORS.driver : COLORS.evader;
          out += circle(m.x((x * R) / far), m.y((y * R) / far), 4.5, COLORS.background, { color, width: 2 });
        } else {
          out += a < drivers
            ? circle(m.x(x), m.y(y), 6, COLORS.driver, { color: COLORS.ink, width: 1 })
            : circle(m.x(x), m.y(y), 4.5, COLORS.evader);
        }
      }
      if (b === 0) {
        // Legend in the first panel.
        const y = r.y + r.h - 10;
        out += rect({ x: r.x + 4, y: y - 11, w: 176, h: 15 }, COLORS.background);
        out += circle(r.x + 12, y - 4, 4.5, COLORS.driver, { color: COLORS.ink, width: 1 }) + text(r.x + 20, y, 'drivers', { size: 10, color: COLORS.muted });
        out += circle(r.x + 72, y - 4, 3.5, COLORS.evader) + text(r.x + 79, y, 'evaders', { size: 10, color: COLORS.muted });
        out += circle(r.x + 134, y - 4, 4, 'none', { color: COLORS.target, width: 2 }) + text(r.x + 141, y, 'target', { size: 10, color: COLORS.muted });
      }
      return out;
    },
  };
}
