/**
 * Gradient-flow diagnostics: on a linear simulator with a linear controller the adjoint norms and
 * the steps' shares of the update equal their closed forms (powers of (A+BK)ᵀ for R, Aᵀ for M);
 * on the cart-pole they equal the same quantities taken by autodiff with stopGradient placed per mode.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { add, defineProblem, diagnoseGradientFlow, grad, matmul, mean, Rng, square, tensor, Tensor, cartpole, resolveSettings, type BaseMode } from '../src/index.js';
import { horizonsOf } from '../src/bptt/diagnose.js';
import type { Mlp } from '../src/nn/mlp.js';
import { composedMlp, referenceLoss } from './helpers/reference.js';

type Mat = number[][];
const S = 2, C = 2;
/** x_{n+1} = A x_n + B c_n per sample (column vectors); one step expands, the other damps. */
const A: Mat = [[1.1, 0.2], [-0.3, 0.9]];
const Bm: Mat = [[0.5, 0], [0.2, 0.4]];
const transpose = (m: Mat): Mat => m[0]!.map((_, j) => m.map((r) => r[j]!));
const mul = (a: Mat, b: Mat): Mat => a.map((r) => b[0]!.map((_, j) => r.reduce((s, v, k) => s + v * b[k]![j]!, 0)));
const plus = (a: Mat, b: Mat): Mat => a.map((r, i) => r.map((v, j) => v + b[i]![j]!));
const vec = (m: Mat, v: number[]): number[] => m.map((r) => r.reduce((s, x, k) => s + x * v[k]!, 0));
const power = (m: Mat, k: number): Mat => Array.from({ length: k }).reduce<Mat>((p) => mul(p, m), m.map((r, i) => r.map((_, j) => (i === j ? 1 : 0))));
const norm = (vs: number[][]): number => Math.sqrt(vs.flat().reduce((s, v) => s + v * v, 0));

const linear = (kind: 'final' | 'continuous') =>
  defineProblem({
    name: `linear-${kind}`,
    settings: [{ key: 'steps', flag: 'steps', kind: 'int', default: 6, min: 1, help: 'unrolled steps' }],
    controller: { kind: 'mlp', hidden: [], bias: false, zeroLastKernel: false },
    build: (s) => ({
      stateSize: S,
      controlSize: C,
      steps: s.steps as number,
      sample: (n, rng) => Float64Array.from({ length: n * S }, () => rng.uniform(-1, 1)),
      // Rows are samples: x_{n+1} = x_n Aᵀ + c_n Bᵀ.
      step: (x, c) => add(matmul(x, tensor(transpose(A).flat(), [S, S])), matmul(c, tensor(transpose(Bm).flat(), [C, S]))),
      loss: { kind, term: (x) => mean(square(x)) },
    }),
  });

/** λ_n and step n's share in closed form: the controller c = K x with K = Wᵀ (W is the [in][out] kernel). */
function closedForm(kind: 'final' | 'continuous', mode: BaseMode, W: Mat, x0: number[][], Nt: number): { adjoint: number[]; step: number[]; grad: number } {
  const K = transpose(W);
  const closed = plus(A, mul(Bm, K));
  const back = { full: closed, physics: A, network: mul(Bm, K), stop: [[0, 0], [0, 0]] }[mode];
  const B = x0.length;
  const xs = x0.map((x) => Array.from({ length: Nt + 1 }, (_, k) => vec(power(closed, k), x)));
  const direct = (b: number, k: number): number[] => (kind === 'continuous' || k === Nt ? xs[b]![k]!.map((v) => (2 * v) / (B * S)) : [0, 0]);
  // λ_n = Σ_{k ≥ n} (backᵀ)^{k−n} ∂ℓ_k/∂x_k
  const lam = (b: number, n: number): number[] => {
    let out = [0, 0];
    for (let k = n; k <= Nt; k++) out = out.map((v, i) => v + vec(power(transpose(back), k - n), direct(b, k))[i]!);
    return out;
  };
  const share = (n: number): Mat => {
    const g = W.map((r) => r.map(() => 0));
    for (let b = 0; b < B; b++) {
      const cBar = vec(transpose(Bm), lam(b, n + 1));
      for (let i = 0; i < S; i++) for (let j = 0; j < C; j++) g[i]![j]! += xs[b]![n]![i]! * cBar[j]!;
    }
    return g;
  };
  const shares = Array.from({ length: Nt }, (_, n) => share(n));
  return {
    adjoint: Array.from({ length: Nt }, (_, k) => norm(x0.map((_, b) => lam(b, k + 1)))),
    step: shares.map((g) => norm(g)),
    grad: norm(shares.reduce((s, g) => plus(s, g))),
  };
}

const close = (a: number, b: number, what: string): void => assert.ok(Math.abs(a - b) <= 1e-12 * Math.max(1, Math.abs(b)), `${what}: ${a} vs ${b}`);

for (const kind of ['final', 'continuous'] as const) {
  test(`linear system, ${kind} loss: adjoint norms and step shares equal the closed form in every base mode`, () => {
    const problem = linear(kind).create({});
    const W: Mat = [[-0.4, 0.3], [0.1, -0.6]];
    const theta = Float64Array.from(W.flat());
    const x0 = [[0.8, -0.3], [0.2, 0.5], [-1, 0.1]];
    const flow = diagnoseGradientFlow(problem, theta, Float64Array.from(x0.flat()), { horizonStride: 2 });
    assert.deepEqual(flow.modes.map((m) => m.letter), ['R', 'M', 'N', 'S']);
    for (const m of flow.modes) {
      const ref = closedForm(kind, m.mode, W, x0, 6);
      m.adjointNorms.forEach((v, k) => close(v, ref.adjoint[k]!, `${m.letter} ‖λ_${k + 1}‖`));
      m.stepGradNorms.forEach((v, n) => close(v, ref.step[n]!, `${m.letter} step ${n}`));
      close(m.gradNorm, ref.grad, `${m.letter} ‖g‖`);
      assert.deepEqual(m.layerNorms.map((l) => l.layer), ['dense_0']);
      close(m.layerNorms[0]!.norm, ref.grad, `${m.letter} layer norm`);
      assert.deepEqual(m.horizon.map((h) => h.steps), [1, 3, 5, 6]);
      for (const h of m.horizon) close(h.gradNorm, closedForm(kind, m.mode, W, x0, h.steps).grad, `${m.letter} horizon ${h.steps}`);
    }
    // The closed forms differ between modes, so the comparison above tells them apart.
    const [R, M] = flow.modes;
    assert.ok(Math.abs(R!.adjointNorms[0]! - M!.adjointNorms[0]!) > 1e-3 * M!.adjointNorms[0]!);
  });
}

test('horizons: every stride-th from 1, and always Nt', () => {
  assert.deepEqual(horizonsOf(5, 1), [1, 2, 3, 4, 5]);
  assert.deepEqual(horizonsOf(10, 4), [1, 5, 9, 10]);
  assert.deepEqual(horizonsOf(10, 0), []);
  assert.throws(() => horizonsOf(10, 1.5), /positive integer/);
});

test('combined has no adjoint of its own and is refused with a clear message', () => {
  const problem = linear('final').create({});
  assert.throws(() => diagnoseGradientFlow(problem, new Float64Array(4), new Float64Array(2), { modes: ['combined' as BaseMode] }), /no adjoint of its own/);
  assert.throws(() => diagnoseGradientFlow(problem, new Float64Array(4), new Float64Array(3)), /positive multiple of the state size 2/);
});

test('cart-pole (scalar-output road): per-step norms equal autodiff with stopGradient placed per mode', () => {
  const base = cartpole.create(resolveSettings(cartpole, { poles: 2, steps: 6, duration: 0.3, width: 6, zeroLastKernel: false }));
  const problem = { ...base, rc: 0.1 };
  const rng = new Rng(3);
  const theta = problem.controller.initParams(rng);
  for (let i = 0; i < theta.length; i++) theta[i]! += rng.uniform(-0.2, 0.2);
  const B = 2, Nt = problem.steps, Sx = problem.simulator.stateSize;
  const x0 = problem.sample(B, rng);
  const flow = diagnoseGradientFlow(problem, theta, x0, { horizonStride: 0 });
  const mlp = problem.controller as Mlp;
  for (const m of flow.modes) {
    const f = (...ts: Tensor[]): Tensor =>
      referenceLoss(problem, (x, th) => composedMlp(mlp, x, th), ts[0]!, new Tensor(x0, [x0.length]), m.mode, { thetas: ts.slice(1, Nt + 1), states: ts.slice(Nt + 1) });
    const inputs = [
      new Tensor(theta, [theta.length]),
      ...Array.from({ length: Nt }, () => new Tensor(Float64Array.from(theta), [theta.length])),
      ...Array.from({ length: Nt }, () => new Tensor(new Float64Array(B * Sx), [B, Sx])),
    ];
    const g = grad(f)(...inputs);
    const l2 = (v: Float64Array): number => Math.sqrt(v.reduce((s, x) => s + x * x, 0));
    for (let n = 0; n < Nt; n++) {
      const rel = (a: number, b: number): boolean => Math.abs(a - b) <= 1e-10 * Math.max(1e-300, Math.abs(b));
      assert.ok(rel(m.stepGradNorms[n]!, l2(g[1 + n]!)), `${m.letter} step ${n}: ${m.stepGradNorms[n]} vs ${l2(g[1 + n]!)}`);
      assert.ok(rel(m.adjointNorms[n]!, l2(g[1 + Nt + n]!)), `${m.letter} λ_${n + 1}: ${m.adjointNorms[n]} vs ${l2(g[1 + Nt + n]!)}`);
    }
    assert.ok(m.stepGradNorms.every((v) => v > 0), `${m.letter}: every step contributes`);
    const layerSum = Math.sqrt(m.layerNorms.reduce((s, l) => s + l.norm ** 2, 0));
    assert.ok(Math.abs(layerSum - m.gradNorm) <= 1e-12 * m.gradNorm);
    assert.deepEqual(m.layerNorms.map((l) => l.layer), ['dense_0', 'dense_1', 'dense_2']);
  }
});
