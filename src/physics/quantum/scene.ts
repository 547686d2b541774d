/**
 * Quantum scene (docs/problems.md): per sample, the density |ψ(x)|² on the grid (walls included)
 * at the current step over the target eigenstate's |φ|² as a faint dashed reference, and beside
 * it the control u(t) up to the current step with a moving marker. Both axes are shared by all
 * samples and fixed over the rollout. Pure.
 */
import { eigenstate } from './eigen.js';
import type { SceneSpec } from '../presentation.js';
import { circle, COLORS, controlStep, finiteRange, fitPlot, fmt, inset, line, polygon, polyline, text, type Rect, type Rollout } from '../scene/svg.js';

export function quantumScene(ro: Rollout): SceneSpec {
  const nx = Number(ro.settings.nx);
  const target = Number(ro.settings.target);
  const dt = Number(ro.settings.dt);
  const S = ro.stateSize;
  const C = ro.controlSize;
  const Nt = ro.steps;
  const dx = 2 / (nx + 1);
  const phi = eigenstate(nx, target);
  const density = (n: number, b: number, k: number): number => {
    const re = ro.states[n]![b * S + 2 * k]!, im = ro.states[n]![b * S + 2 * k + 1]!;
    return re * re + im * im;
  };
  const u = (n: number, b: number): number => ro.controls[n]![b * C]!;
  const dMax = finiteRange((Nt + 1) * ro.samples * nx, (i) => density(Math.floor(i / (ro.samples * nx)), Math.floor(i / nx) % ro.samples, i % nx));
  let phiMax = 0;
  for (let k = 0; k < nx; k++) phiMax = Math.max(phiMax, phi[k]! * phi[k]!);
  const yMax = 1.1 * Math.max(phiMax, dMax ? dMax[1] : 0);
  const uRange = finiteRange(Nt * ro.samples, (i) => Math.abs(u(Math.floor(i / ro.samples), i % ro.samples)));
  const uMax = 1.1 * (uRange && uRange[1] > 0 ? uRange[1] : 1);

  return {
    cols: 1,
    aspect: 0.3,
    dt,
    panel(b: number, n: number, r: Rect): string {
      const inner = inset(r, 8, 20, 8, 6);
      const left: Rect = { x: inner.x, y: inner.y, w: inner.w * 0.56, h: inner.h };
      const right: Rect = { x: inner.x + inner.w * 0.56 + 16, y: inner.y, w: inner.w * 0.44 - 16, h: inner.h };
      const cs = controlStep(n, Nt);
      let overlapRe = 0, overlapIm = 0, finite = true;
      for (let k = 0; k < nx; k++) {
        overlapRe += phi[k]! * ro.states[n]![b * S + 2 * k]!;
        overlapIm += phi[k]! * ro.states[n]![b * S + 2 * k + 1]!;
        finite &&= Number.isFinite(density(n, b, k));
      }
      const fidelity = overlapRe * overlapRe + overlapIm * overlapIm;
      let out = text(r.x + 6, r.y + 14, `test #${b + 1}`, { color: COLORS.muted });
      out += text(left.x + left.w, r.y + 14, `|⟨φ${target}|ψ⟩|² = ${fmt(fidelity)}`, { color: COLORS.psi, anchor: 'end' });
      out += text(right.x + right.w, r.y + 14, `u = ${fmt(u(cs, b))}`, { color: COLORS.control, anchor: 'end' });
      out += text(right.x, r.y + 14, 'u(t)', { color: COLORS.muted });

      // Density plot: box walls at x = 0 and 2, ψ = 0 there.
      const p = fitPlot(left, 0, 2, 0, yMax);
      out += line(p.x(0), p.y(0), p.x(2), p.y(0), { color: COLORS.rule, width: 1.5 });
      out += line(p.x(0), p.y(0), p.x(0), p.y(yMax), { color: COLORS.rule, width: 1.5 });
      out += line(p.x(2), p.y(0), p.x(2), p.y(yMax), { color: COLORS.rule, width: 1.5 });
      const ref: [number, number][] = [[p.x(0), p.y(0)]];
      for (let k = 0; k < nx; k++) ref.push([p.x((k + 1) * dx), p.y(phi[k]! * phi[k]!)]);
      ref.push([p.x(2), p.y(0)]);
      out += polyline(ref, { color: COLORS.reference, width: 1.5, dash: '4 3' });
      out += text(left.x + 4, left.y + 10, `- - |φ${target}|²`, { size: 9, color: COLORS.reference });
      if (finite) {
        const pts: [number, number][] = [[p.x(0), p.y(0)]];
        for (let k = 0; k < nx; k++) pts.push([p.x((k + 1) * dx), p.y(density(n, b, k))]);
        pts.push([p.x(2), p.y(0)]);
        out += polygon(pts, COLORS.psi, 0.22);
        out += polyline(pts, { color: COLORS.psi, width: 2 });
      } else {
        out += text(left.x + left.w / 2, left.y + left.h / 2, 'non-finite state', { anchor: 'middle', color: COLORS.muted });
      }

      // Control plot: u over the whole time axis, drawn up to the current step.
      const q = fitPlot(right, 0, Math.max(1, Nt - 1), -uMax, uMax);
      out += line(q.x(0), q.y(0), q.x(Math.max(1, Nt - 1)), q.y(0), { color: COLORS.rule, width: 1.5 });
      out += line(q.x(0), q.y(-uMax), q.x(0), q.y(uMax), { color: COLORS.rule, width: 1.5 });
      out += text(right.x + 4, right.y + 10, `|u| ≤ ${fmt(uMax / 1.1)}`, { size: 9, color: COLORS.muted });
      const trace: [number, number][] = [];
      for (let j = 0; j <= cs; j++) if (Number.isFinite(u(j, b))) trace.push([q.x(j), q.y(u(j, b))]);
      out += polyline(trace, { color: COLORS.control, width: 1.8 });
      if (Number.isFinite(u(cs, b))) out += circle(q.x(cs), q.y(u(cs, b)), 4, COLORS.control, { color: COLORS.ink, width: 1 });
      return out;
    },
  };
}
