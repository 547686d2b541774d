/**
 * Independent formulations for the tests: an MLP composed of elementary engine ops and an
 * unroll written as ordinary autodiff code with stopGradient placed as docs/method.md's table
 * says. Nothing here shares code with the fused hot path except the registered kernels of the
 * physics step and loss term (gradchecked on their own).
 */
import { add, concat, mean, matmul, mul, reshape, slice, square, stopGradient, tanh, Tensor, tensor } from '../../src/engine/index.js';
import { FLOWS, type BaseMode } from '../../src/bptt/modes.js';
import type { Mlp } from '../../src/nn/mlp.js';
import { lossTerm, simulatorStep, type ProblemInstance } from '../../src/physics/index.js';

/** The MLP y = N(x; θ) from matmul/add/tanh on slices of θ (Keras layout). */
export function composedMlp(mlp: Mlp, x: Tensor, theta: Tensor): Tensor {
  let h = x;
  const L = mlp.layers;
  for (let l = 0; l < L; l++) {
    const k = mlp.layout[2 * l]!;
    const b = mlp.layout[2 * l + 1]!;
    const W = reshape(slice(theta, 0, k.offset, k.offset + k.size), k.shape);
    const bias = slice(theta, 0, b.offset, b.offset + b.size);
    const pre = add(matmul(h, W), bias);
    h = l === L - 1 ? pre : tanh(pre);
  }
  return h;
}

export type NetworkFn = (x: Tensor, theta: Tensor) => Tensor;

/**
 * Extra inputs whose gradients are the sweep's intermediate quantities: with `thetas[n]` as step
 * n's copy of θ its gradient is step n's share (∂N/∂θ)ᵀĉ_n; with `states[n − 1]` (zeros) added to
 * x_n its gradient is λ_n.
 */
export interface Taps {
  thetas?: readonly Tensor[];
  states?: readonly Tensor[];
}

/** The batch loss of the unroll as an autodiff graph, stop-gradients placed per step's mode. */
export function referenceLoss(
  problem: ProblemInstance,
  network: NetworkFn,
  theta: Tensor,
  x0: Tensor,
  modes: BaseMode | readonly BaseMode[],
  taps: Taps = {},
  /** Truncation: a stop-gradient on the state every this many steps (null: none). */
  cutEvery: number | null = null,
): Tensor {
  const { simulator, loss, steps, rc } = problem;
  const B = x0.size / simulator.stateSize;
  let x = reshape(x0, [B, simulator.stateSize]);
  let L: Tensor = tensor(0);
  const controls: Tensor[] = [];
  for (let n = 0; n < steps; n++) {
    // Truncation: the state itself is cut every k steps (its loss term above still counts).
    if (cutEvery !== null && n > 0 && n % cutEvery === 0) x = stopGradient(x);
    const { a, b } = FLOWS[typeof modes === 'string' ? modes : modes[n]!];
    const c = network(b ? x : stopGradient(x), taps.thetas?.[n] ?? theta); // mode physics: c_n = N(stop(x_n))
    x = simulatorStep(simulator, a ? x : stopGradient(x), c); // mode network: P(stop(x_n), c_n)
    const tap = taps.states?.[n];
    if (tap) x = add(x, reshape(tap, x.shape));
    L = add(L, lossTerm(loss, simulator.stateSize, x, n + 1, steps));
    controls.push(reshape(c, [c.size]));
  }
  if (rc !== 0) L = add(L, mul(mean(square(concat(controls, 0))), rc));
  return L;
}

export function maxAbsDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i]! - b[i]!));
  return m;
}

export function maxAbs(a: ArrayLike<number>): number {
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i]!));
  return m;
}
