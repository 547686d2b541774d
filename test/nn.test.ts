import { test } from 'node:test';
import assert from 'node:assert/strict';
import { gradcheck, Rng, Tensor } from '../src/engine/index.js';
import { Mlp } from '../src/nn/mlp.js';
import { applyController } from '../src/nn/kernel.js';
import { composedMlp, maxAbsDiff } from './helpers/reference.js';

function rand(n: number, rng: Rng): Float64Array {
  return Float64Array.from({ length: n }, () => rng.uniform(-1, 1));
}

// Sizes chosen to hit both the register-blocked paths and their remainders (rows % 4, cols % 2).
const shapes = [
  { inputSize: 6, hidden: [5, 7], outputSize: 1, rows: 7 },
  { inputSize: 3, hidden: [4], outputSize: 2, rows: 8 },
  { inputSize: 5, hidden: [3, 3, 2], outputSize: 3, rows: 3 },
];

test('an MLP without biases has no bias parameters, passes gradcheck and equals one with zero biases', () => {
  const rng = new Rng(3);
  for (const kernels of ['auto', 'js'] as const) {
    const bare = new Mlp({ inputSize: 5, hidden: [6, 3], outputSize: 2, zeroLastKernel: false, bias: false, kernels });
    assert.deepEqual(bare.layout.map((p) => p.name), ['dense_0/kernel', 'dense_1/kernel', 'dense_2/kernel']);
    assert.equal(bare.paramCount, 5 * 6 + 6 * 3 + 3 * 2);
    const theta = new Tensor(bare.initParams(rng), [bare.paramCount]);
    const x = new Tensor(rand(7 * 5, rng), [7, 5]);
    const r = gradcheck((x, t) => applyController(bare, x, t), [x, theta]);
    assert.ok(r.maxRelError <= 1e-6, `${kernels}: relative error ${r.maxRelError}`);
    // The same kernels with zero biases give the same outputs.
    const full = new Mlp({ inputSize: 5, hidden: [6, 3], outputSize: 2, zeroLastKernel: false, kernels });
    const withZeros = new Float64Array(full.paramCount);
    for (const p of bare.layout) withZeros.set(theta.data.subarray(p.offset, p.offset + p.size), full.layout.find((q) => q.name === p.name)!.offset);
    const a = applyController(bare, x, theta).data, b = applyController(full, x, new Tensor(withZeros, [full.paramCount])).data;
    assert.ok(maxAbsDiff(a, b) === 0, `${kernels}: outputs differ by ${maxAbsDiff(a, b)}`);
  }
});

for (const { rows, ...opts } of shapes) {
  test(`fused MLP ${opts.inputSize}→${opts.hidden.join('→')}→${opts.outputSize} passes gradcheck`, () => {
    const rng = new Rng(1);
    const mlp = new Mlp({ ...opts, zeroLastKernel: false });
    const theta = new Tensor(mlp.initParams(rng), [mlp.paramCount]);
    for (let i = 0; i < theta.size; i++) theta.data[i]! += rng.uniform(-0.1, 0.1); // non-zero biases
    const x = new Tensor(rand(rows * opts.inputSize, rng), [rows, opts.inputSize]);
    const r = gradcheck((x, t) => applyController(mlp, x, t), [x, theta]);
    assert.ok(r.maxRelError <= 1e-6, `relative error ${r.maxRelError}`);
  });

  test(`fused MLP ${opts.inputSize}→${opts.hidden.join('→')}→${opts.outputSize} equals the composed-op MLP`, () => {
    const rng = new Rng(2);
    const mlp = new Mlp({ ...opts, zeroLastKernel: false });
    const theta = new Tensor(mlp.initParams(rng), [mlp.paramCount]);
    const x = new Tensor(rand(rows * opts.inputSize, rng), [rows, opts.inputSize]);
    const fused = applyController(mlp, x, theta);
    const composed = composedMlp(mlp, x, theta);
    assert.ok(maxAbsDiff(fused.data, composed.data) < 1e-14);
  });
}

test('MLP init: Glorot-uniform kernels within their limit, zero biases, zeroed last kernel', () => {
  const mlp = new Mlp({ inputSize: 6, hidden: [100, 100], outputSize: 1, zeroLastKernel: true });
  const theta = mlp.initParams(new Rng(3));
  const [k0, b0, k1, , k2, b2] = mlp.layout;
  const lim0 = Math.sqrt(6 / (6 + 100));
  const w0 = theta.subarray(k0!.offset, k0!.offset + k0!.size);
  assert.ok(w0.every((v) => Math.abs(v) <= lim0) && w0.some((v) => Math.abs(v) > 0.8 * lim0));
  assert.ok(theta.subarray(k1!.offset, k1!.offset + k1!.size).every((v) => Math.abs(v) <= Math.sqrt(6 / 200)));
  assert.ok(theta.subarray(b0!.offset, b0!.offset + b0!.size).every((v) => v === 0));
  assert.ok(theta.subarray(k2!.offset, k2!.offset + k2!.size).every((v) => v === 0));
  assert.ok(theta.subarray(b2!.offset, b2!.offset + b2!.size).every((v) => v === 0));
  assert.deepEqual(mlp.layout.map((p) => p.name), ['dense_0/kernel', 'dense_0/bias', 'dense_1/kernel', 'dense_1/bias', 'dense_2/kernel', 'dense_2/bias']);
  const random = new Mlp({ inputSize: 6, hidden: [100, 100], outputSize: 1, zeroLastKernel: false }).initParams(new Rng(3));
  assert.ok(random.subarray(k2!.offset, k2!.offset + k2!.size).some((v) => v !== 0));
});

test('WebAssembly SIMD and plain-JS dense kernels give identical numbers over odd shapes', async () => {
  const { kernelModule } = await import('../src/kernels/module.js');
  if (!kernelModule()) return; // no WebAssembly SIMD here: only the JS kernels run
  const rng = new Rng(12);
  for (const [inputSize, h1, h2, out, rows] of [[6, 100, 100, 1, 8], [5, 7, 3, 2, 13], [3, 9, 11, 3, 6], [7, 1, 5, 1, 1], [4, 33, 17, 5, 21]] as const) {
    const mk = (kernels: 'auto' | 'js'): Mlp => new Mlp({ inputSize, hidden: [h1, h2], outputSize: out, zeroLastKernel: false, kernels });
    const simd = mk('auto'), js = mk('js');
    const theta = new Tensor(simd.initParams(rng), [simd.paramCount]);
    for (let i = 0; i < theta.size; i++) theta.data[i]! += rng.uniform(-0.1, 0.1);
    const x = new Tensor(rand(rows * inputSize, rng), [rows, inputSize]);
    const ys = applyController(simd, x, theta), yj = applyController(js, x, theta);
    assert.deepEqual(ys.data, yj.data);
    const g = Float64Array.from({ length: ys.size }, () => rng.uniform(-1, 1));
    const bars = (m: Mlp): Float64Array[] => {
      const acts = m.createActivations(rows), adj = m.createAdjoints(rows);
      m.forward(theta.data, x.data, 0, new Float64Array(ys.size), 0, 0, rows, acts);
      const xBar = new Float64Array(x.size), tBar = new Float64Array(theta.size);
      m.backward(theta.data, g, 0, 0, rows, acts, adj, xBar, 0);
      m.accumulateParamGrad(acts, [adj], 0, rows, [tBar]);
      return [xBar, tBar];
    };
    assert.deepEqual(bars(simd), bars(js));
  }
});
