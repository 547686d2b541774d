/**
 * The cart-pole step and loss written as plain engine tensor code — the same equations as the
 * fused step.ts, with gradients from the engine's autodiff. The built-in problem uses the fused
 * form; this one is the automatic path (`gradients: 'automatic'`), the cross-check of `sbptt
 * check`, and the benchmark's measure of what automatic gradients cost.
 */
import { add, div, mul, sub } from '../../engine/ops/binary.js';
import { sum } from '../../engine/ops/reduce.js';
import { concat, reshape, slice } from '../../engine/ops/shape.js';
import { cos, sin } from '../../engine/ops/unary.js';
import type { Tensor } from '../../engine/tensor.js';
import type { TensorLossTerm, TensorStep } from '../define.js';
import type { CartpoleConstants } from './step.js';

/** Per sample [x, ẋ, θ_1, θ̇_1, …]: x [B][2(1+P)], the force c [B][1]. */
export function cartpoleTensorStep(poles: number, k: CartpoleConstants): TensorStep {
  const { g, m, M, l, dt } = k;
  const ml = m * l;
  return (x: Tensor, f: Tensor): Tensor => {
    const B = x.shape[0]!;
    const bodies = reshape(x, [B, 1 + poles, 2]);
    const col = (body: number, j: number, n = 1): Tensor => reshape(slice(slice(bodies, 1, body, body + n), 2, j), [B, n]);
    const th = col(1, 0, poles), thd = col(1, 1, poles);
    const s = sin(th), kc = cos(th), q = mul(mul(s, thd), thd);
    const A = div(add(f, mul(ml, q)), M);
    const Bi = mul(l, sub(4 / 3, div(mul(mul(m, kc), kc), M)));
    const tdd = div(sub(mul(g, s), mul(kc, A)), Bi);
    const C = sum(sub(q, mul(tdd, kc)), 1); // [B]
    const thdN = add(thd, mul(dt, tdd));
    const thN = add(th, mul(dt, thdN));
    const xdd = div(add(f, mul(ml, reshape(C, [B, 1]))), M);
    const xdN = add(col(0, 1), mul(dt, xdd));
    const xN = add(col(0, 0), mul(dt, xdN));
    const polesN = reshape(concat([reshape(thN, [B, poles, 1]), reshape(thdN, [B, poles, 1])], 2), [B, 2 * poles]);
    return concat([xN, xdN, polesN], 1);
  };
}

/** FINAL loss 1 − mean over batch and poles of cos θ_i. */
export function cartpoleFinalLossTerm(poles: number): TensorLossTerm {
  return (x: Tensor): Tensor => {
    const B = x.shape[0]!;
    const th = reshape(slice(slice(reshape(x, [B, 1 + poles, 2]), 1, 1, 1 + poles), 2, 0), [B, poles]);
    return sub(1, mul(sum(cos(th)), 1 / (B * poles)));
  };
}
