/**
 * The cart-pole step and loss written as plain engine tensor code — the same equations as the
 * fused step.ts, with gradients from the engine's autodiff. The built-in problem uses the fused
 * form; this one is the automatic path (`gradients: 'automatic'`), the cross-check of `sbptt
 * check`, and the benchmark's measure of what automatic gradients cost.
 */
import { add, div, mul, sub } from '../../engine/ops/binary.js';
import { sum } from '../../engine/ops/reduce.js';
import { concat, gather, reshape, slice, stack } from '../../engine/ops/shape.js';
import { cos, sin } from '../../engine/ops/unary.js';
import type { Tensor } from '../../engine/tensor.js';
import type { TensorLossTerm, TensorStep } from '../define.js';
import type { CartpoleConstants } from './step.js';

/** Per sample [x, ẋ, θ_1, θ̇_1, …]: x [B][2(1+P)], the force c [B][1]. */
export function cartpoleTensorStep(poles: number, k: CartpoleConstants): TensorStep {
  const { g, m, M, l, dt } = k;
  const ml = m * l;
  const angles = Array.from({ length: poles }, (_, i) => 2 + 2 * i);
  const rates = angles.map((i) => i + 1);
  return (x: Tensor, f: Tensor): Tensor => {
    const B = x.shape[0]!;
    const th = gather(x, 1, angles), thd = gather(x, 1, rates); // [B][P]
    const s = sin(th), kc = cos(th), q = mul(mul(s, thd), thd);
    const A = div(add(f, mul(ml, q)), M);
    const Bi = mul(l, sub(4 / 3, div(mul(mul(m, kc), kc), M)));
    const tdd = div(sub(mul(g, s), mul(kc, A)), Bi);
    const C = sum(sub(q, mul(tdd, kc)), 1); // [B]
    const thdN = add(thd, mul(dt, tdd));
    const thN = add(th, mul(dt, thdN));
    const xdd = div(add(f, mul(ml, reshape(C, [B, 1]))), M);
    const xdN = add(slice(x, 1, 1), mul(dt, xdd));
    const xN = add(slice(x, 1, 0), mul(dt, xdN));
    return concat([xN, xdN, reshape(stack([thN, thdN], 2), [B, 2 * poles])], 1);
  };
}

/** The term of step n: 1 − mean over batch and poles of cos θ_i (FINAL), divided by Nt for CONTINUOUS. */
export function cartpoleLossTerm(poles: number, kind: 'final' | 'continuous' = 'final'): TensorLossTerm {
  const angles = Array.from({ length: poles }, (_, i) => 2 + 2 * i);
  return (x: Tensor, { Nt }): Tensor => {
    const B = x.shape[0]!;
    const term = sub(1, mul(sum(cos(gather(x, 1, angles))), 1 / (B * poles)));
    return kind === 'final' ? term : mul(term, 1 / Nt);
  };
}
