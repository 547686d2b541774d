/**
 * Guidance by repulsion as engine tensor code: the same forces as forces.ts (evade, friction,
 * flocking with its quirk sign, spread, the control about the evaders' summed position), computed
 * for all pairs at once by broadcasting. The built-in problem trains on the fused step; this form
 * is its automatic-gradient twin, cross-checked by `sbptt check` and the tests.
 *
 * Per sample the state is [A][2: position, velocity][2: x, y], drivers first; the control is
 * [drivers][2: u_r, u_t].
 */
import { add, div, mul, sub } from '../../engine/ops/binary.js';
import { sum, mean } from '../../engine/ops/reduce.js';
import { where } from '../../engine/ops/select.js';
import { concat, expandDims, reshape, slice, stack } from '../../engine/ops/shape.js';
import { neg, sqrt, square } from '../../engine/ops/unary.js';
import { tensor, type Tensor } from '../../engine/tensor.js';
import type { TensorLossTerm, TensorStep } from '../define.js';
import type { RepulsionConstants } from './forces.js';

/** φ(d)·Δ summed over the partners (axis 2), d = ε + |Δ|, φ(d) = (α/d − β)/d; Δ [B][n][m][2]. */
function radialSum(delta: Tensor, alpha: number, beta: number, eps: number, offDiagonal: Tensor | null): Tensor {
  const s = sum(square(delta), 3, true);
  // Pairs of an agent with itself have Δ = 0: keep sqrt away from 0 there, and zero their force.
  const r = offDiagonal ? sqrt(where(offDiagonal, s, 1)) : sqrt(s);
  const d = add(eps, r);
  let phi = div(sub(div(alpha, d), beta), d);
  if (offDiagonal) phi = mul(phi, offDiagonal);
  return sum(mul(phi, delta), 2);
}

/** [1][n][n][1]: 1 off the diagonal, 0 on it. */
function offDiagonal(n: number): Tensor {
  return tensor(Array.from({ length: n * n }, (_, k) => (Math.floor(k / n) === k % n ? 0 : 1)), [1, n, n, 1]);
}

export function repulsionTensorStep(drivers: number, evaders: number, k: RepulsionConstants): TensorStep {
  const A = drivers + evaders;
  const friction = tensor(Array.from({ length: A }, (_, a) => (a < drivers ? -k.cFricDr : -k.cFricEv)), [1, A, 1]);
  const offE = offDiagonal(evaders), offD = offDiagonal(drivers);
  return (x: Tensor, c: Tensor): Tensor => {
    const B = x.shape[0]!;
    const agents = reshape(x, [B, A, 2, 2]);
    const pos = reshape(slice(agents, 2, 0), [B, A, 2]), vel = reshape(slice(agents, 2, 1), [B, A, 2]);
    const D = slice(pos, 1, 0, drivers), E = slice(pos, 1, drivers, A);
    const pairs = (p: Tensor, q: Tensor): Tensor => sub(expandDims(p, 2), expandDims(q, 1));
    // Evaders flee drivers and flock among themselves; drivers spread apart and follow the control.
    const evade = radialSum(pairs(E, D), k.cEvade, 0, k.eps, null);
    const flock = radialSum(pairs(E, E), -k.cFlock * k.dFlock, -k.cFlock, k.eps, offE);
    const spread = radialSum(pairs(D, D), k.cSpread, 0, k.eps, offD);
    const delta = sub(D, sum(E, 1, true));
    const u = reshape(c, [B, drivers, 2]);
    const rot = concat([neg(slice(delta, 2, 1)), slice(delta, 2, 0)], 2);
    const control = add(mul(slice(u, 2, 0), delta), mul(slice(u, 2, 1), rot));
    const acc = add(concat([add(spread, control), add(evade, flock)], 1), mul(friction, vel));
    const next = stack([add(pos, mul(k.dt, vel)), add(vel, mul(k.dt, acc))], 2);
    return reshape(next, [B, 4 * A]);
  };
}

/** The term of step n: mean over batch, evaders and coordinates of |x_e|² (FINAL), divided by Nt for CONTINUOUS. */
export function repulsionLossTerm(drivers: number, evaders: number, kind: 'final' | 'continuous' = 'continuous'): TensorLossTerm {
  const A = drivers + evaders;
  return (x: Tensor, { Nt }): Tensor => {
    const B = x.shape[0]!;
    const E = slice(reshape(slice(reshape(x, [B, A, 2, 2]), 2, 0), [B, A, 2]), 1, drivers, A);
    return mul(kind === 'final' ? 1 : 1 / Nt, mean(square(E)));
  };
}
