/**
 * Precision f32: the compiled kernels against the plain-JS float64 reference (within float32
 * rounding), and f32 training (deterministic per seed, close to f64 on a short run).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Rng } from '../src/engine/index.js';
import { createHeapKernels, HEAP_START } from '../src/kernels/heap.js';
import { kernelModule } from '../src/kernels/module.js';
import type { Controller } from '../src/nn/controller.js';
import { Cnn } from '../src/nn/cnn.js';
import { Mlp } from '../src/nn/mlp.js';
import { cartpole } from '../src/physics/index.js';
import { Trainer } from '../src/train/trainer.js';
import { resolveTrainConfig } from '../src/train/config.js';
import { maxAbs, maxAbsDiff } from './helpers/reference.js';

const rand = (n: number, rng: Rng, s = 1): Float64Array => Float64Array.from({ length: n }, () => rng.uniform(-s, s));
const simd = kernelModule() !== null;

/** Forward y, input cotangent xBar and parameter gradient of `rows` rows, from output cotangent g. */
function pass(c: Controller, theta: Float64Array, x: Float64Array, g: Float64Array, rows: number): Float64Array[] {
  const acts = c.createActivations(rows), adj = c.createAdjoints(rows);
  const y = new Float64Array(rows * c.outputSize);
  c.forward(theta, x, 0, y, 0, 0, rows, acts);
  const xBar = new Float64Array(x.length), tBar = new Float64Array(c.paramCount);
  c.backward(theta, g, 0, 0, rows, acts, adj, xBar, 0);
  c.accumulateParamGrad(acts, [adj], 0, rows, [tBar]);
  c.release?.(acts);
  c.release?.(adj);
  return [y, xBar, tBar];
}

/**
 * Each result within float32 rounding of the float64 one: operands are rounded to float32
 * (relative 2^-24 ≈ 6e-8) and every product and sum rounds again, so a sum of k terms is off by
 * ≲ k·2^-24 of the sum of the terms' magnitudes; through three layers and their backward pass that
 * stays below ~1e-4 of the largest magnitude for these sizes (k ≤ 200). A float64 bug (wrong
 * index, missing term) is off by the size of a term, orders of magnitude more.
 */
function assertF32Close(got: Float64Array[], ref: Float64Array[], what: string): void {
  const names = ['y', 'xBar', 'θBar'];
  got.forEach((g, k) => {
    const err = maxAbsDiff(g, ref[k]!), scale = maxAbs(ref[k]!);
    assert.ok(scale > 0, `${what} ${names[k]}: all zero`);
    assert.ok(err <= 1e-4 * scale, `${what} ${names[k]}: max error ${err.toExponential(2)} against max ${scale.toExponential(2)}`);
    assert.ok(err > 0 || g.length < 4, `${what} ${names[k]}: bit-identical to f64, so not float32`);
  });
}

test('f32 dense kernels (MLP) equal the plain-JS float64 reference within float32 rounding, odd shapes included', { skip: !simd && 'no WebAssembly SIMD' }, () => {
  const rng = new Rng(41);
  for (const [inputSize, h1, h2, out, rows] of [[6, 100, 100, 1, 8], [5, 7, 3, 2, 13], [3, 9, 11, 3, 6], [4, 33, 17, 5, 21], [7, 1, 5, 1, 1]] as const) {
    const mk = (kernels: 'auto' | 'js', precision: 'f32' | 'f64'): Mlp =>
      new Mlp({ inputSize, hidden: [h1, h2], outputSize: out, zeroLastKernel: false, kernels, precision });
    const f32 = mk('auto', 'f32'), js = mk('js', 'f64');
    assert.equal(f32.precision, 'f32');
    const theta = f32.initParams(rng);
    for (let i = 0; i < theta.length; i++) theta[i]! += rng.uniform(-0.1, 0.1);
    const x = rand(rows * inputSize, rng, 2), g = rand(rows * out, rng);
    assertF32Close(pass(f32, theta, x, g, rows), pass(js, theta, x, g, rows), `MLP ${inputSize}-${h1}-${h2}-${out} × ${rows}`);
  }
});

test('f32 CNN kernels (convolutions, dense, tanh, col2im) equal the plain-JS float64 reference within float32 rounding', { skip: !simd && 'no WebAssembly SIMD' }, () => {
  const rng = new Rng(42);
  for (const [nx, w, rows] of [[32, 60, 8], [12, 4, 5], [16, 6, 37], [9, 3, 3]] as const) {
    const f32 = new Cnn({ gridPoints: nx, width: w, precision: 'f32' }), js = new Cnn({ gridPoints: nx, width: w, kernels: 'js' });
    assert.equal(f32.precision, 'f32');
    const theta = f32.initParams(rng);
    for (let i = 0; i < theta.length; i++) theta[i]! += rng.uniform(-0.2, 0.2);
    const x = rand(rows * f32.inputSize, rng, 3), g = rand(rows, rng);
    assertF32Close(pass(f32, theta, x, g, rows), pass(js, theta, x, g, rows), `CNN Nx ${nx}, width ${w} × ${rows}`);
  }
});

test('f32 SIMD tanh is within 3e-7 relative of tanh from 1e-12 to 10, odd, ±1 beyond its range, NaN for NaN', { skip: !simd && 'no WebAssembly SIMD' }, () => {
  const k = createHeapKernels('auto', 'f32');
  const n = 20001; // odd: the kernel's single-vector tail and the scalar tail run too
  k.ensure(HEAP_START + n + 8);
  const x = Float32Array.from({ length: n }, (_, i) => (i % 2 ? -1 : 1) * 10 ** (-12 + (13 * i) / n));
  x[5] = 40;
  x[6] = -1e30;
  x[7] = NaN;
  k.heap.set(x, HEAP_START);
  k.tanh(HEAP_START, n);
  const y = k.heap.slice(HEAP_START, HEAP_START + n);
  let worst = 0;
  for (let i = 8; i < n; i++) {
    const t = Math.tanh(x[i]!);
    worst = Math.max(worst, Math.abs(y[i]! - t) / Math.abs(t));
  }
  assert.ok(worst <= 3e-7, `max relative error ${worst.toExponential(2)}`);
  assert.ok(worst > 0, 'the f32 kernel ran (f64 tanh would be exact here)');
  assert.deepEqual([y[5], y[6]], [1, -1]);
  assert.ok(Number.isNaN(y[7]));
  // Odd: tanh(−x) = −tanh(x) bit for bit.
  const pair = Float32Array.from([0.3, -0.3, 2.5, -2.5, 1e-5, -1e-5, 7, -7]);
  k.heap.set(pair, HEAP_START);
  k.tanh(HEAP_START, pair.length);
  for (let i = 0; i < pair.length; i += 2) assert.equal(k.heap[HEAP_START + i + 1], -k.heap[HEAP_START + i]!);
});

/** Test losses of a short cart-pole run (1 pole, mode C) in a precision. */
function shortRun(precision: 'f32' | 'f64'): number[] {
  const config = resolveTrainConfig(cartpole, { mode: 'C', epochs: 8, lr: 0.01, trainSize: 32, testSize: 32, precision, settings: { poles: 1, width: 32 } });
  const trainer = new Trainer(cartpole, config);
  assert.equal(trainer.run(), 'done');
  return trainer.records.map((r) => r.testLoss);
}

test('f32 training is deterministic per seed and follows the f64 curve on a short run', { skip: !simd && 'no WebAssembly SIMD' }, () => {
  const a = shortRun('f32'), b = shortRun('f32'), ref = shortRun('f64');
  assert.deepEqual(a, b);
  assert.notDeepEqual(a, ref);
  // Float32 products round the controller's output to ~6e-8 relative; the loss is mostly the
  // physics' (float64) response to the controls, so the curves agree far more closely than that:
  // measured ≤ 4e-9 relative over these 8 epochs. 1e-6 leaves a wide margin yet fails for any
  // wrong product (the loss moves by ~3 % per epoch here) or a run that silently stays in f64
  // (checked above: the curves are not identical).
  for (let e = 0; e < ref.length; e++) assert.ok(Math.abs(a[e]! - ref[e]!) <= 1e-6 * ref[e]!, `epoch ${e + 1}: f32 ${a[e]} vs f64 ${ref[e]}`);
  assert.ok(ref.at(-1)! < 0.9 * ref[0]!, `the loss should fall: ${ref.join(', ')}`);
});

test('--precision is validated with a one-line error naming the flag', () => {
  assert.throws(() => resolveTrainConfig(cartpole, { precision: 'f16' }), /^Error: --precision: got "f16", expected f64 or f32$/);
  assert.equal(resolveTrainConfig(cartpole, {}).precision, 'f64');
});
