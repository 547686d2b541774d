import { test } from 'node:test';
import assert from 'node:assert/strict';
import { gradcheck, registerKernel, Rng, runKernel, Tensor, type Kernel } from '../src/engine/index.js';
import type { Adjoints } from '../src/nn/controller.js';
import { Cnn } from '../src/nn/cnn.js';
import { StridedConv3, transpose } from '../src/nn/conv.js';
import { createHeapKernels, HEAP_START } from '../src/kernels/heap.js';
import { kernelModuleBytes } from '../src/kernels/module.js';
import { HeapRegions } from '../src/kernels/regions.js';
import { tanh as fastTanh } from '../src/kernels/js/tanh.js';
import { Dense1 } from '../src/nn/dense1.js';
import { applyController } from '../src/nn/kernel.js';
import { maxAbs, maxAbsDiff } from './helpers/reference.js';

const rand = (n: number, rng: Rng, s = 1): Float64Array => Float64Array.from({ length: n }, () => rng.uniform(-s, s));

/** θ drawn by the initialiser plus noise, so biases are non-zero too. */
function paramsOf(cnn: Cnn, rng: Rng): Float64Array {
  const theta = cnn.initParams(rng);
  for (let i = 0; i < theta.length; i++) theta[i]! += rng.uniform(-0.2, 0.2);
  return theta;
}

/** The CNN of docs/problems.md written out as plain nested loops over one row ψ [Nx][2]. */
function nestedLoopCnn(nx: number, w: number, theta: Float64Array, psi: Float64Array, po: number): number {
  const H1 = Math.floor((nx - 3) / 2) + 1;
  const H2 = Math.floor((H1 - 3) / 2) + 1;
  // Keras layouts in order: conv2d/kernel [3][2][1][w], conv2d/bias, conv1d/kernel [3][w][w], conv1d/bias, dense/kernel [H2·w][1], dense/bias.
  const oK1 = 0, oB1 = 6 * w, oK2 = oB1 + w, oB2 = oK2 + 3 * w * w, oKd = oB2 + w, oBd = oKd + H2 * w;
  const h1: number[][] = [];
  for (let i = 0; i < H1; i++) {
    h1.push([]);
    for (let f = 0; f < w; f++) {
      let s = theta[oB1 + f]!;
      for (let dh = 0; dh < 3; dh++) for (let c = 0; c < 2; c++) s += psi[po + (2 * i + dh) * 2 + c]! * theta[oK1 + ((dh * 2 + c) * 1 + 0) * w + f]!;
      h1[i]!.push(Math.tanh(s));
    }
  }
  let u = theta[oBd]!;
  for (let t = 0; t < H2; t++) {
    for (let f = 0; f < w; f++) {
      let s = theta[oB2 + f]!;
      for (let k = 0; k < 3; k++) for (let c = 0; c < w; c++) s += h1[2 * t + k]![c]! * theta[oK2 + (k * w + c) * w + f]!;
      u += Math.tanh(s) * theta[oKd + t * w + f]!;
    }
  }
  return u;
}

const shapes = [
  { nx: 8, w: 4, rows: 3 },
  { nx: 10, w: 5, rows: 5 },
  { nx: 12, w: 3, rows: 1 },
  { nx: 16, w: 5, rows: 7 },
  { nx: 17, w: 2, rows: 4 },
];

for (const { nx, w, rows } of shapes) {
  test(`CNN Nx ${nx}, width ${w}: fused forward equals the nested-loop reference`, () => {
    const rng = new Rng(11);
    const cnn = new Cnn({ gridPoints: nx, width: w });
    const theta = paramsOf(cnn, rng);
    const x = rand(rows * 2 * nx, rng);
    // Forward into rows 2… of a larger workspace, from an offset input, to exercise r0/xOff/yOff.
    const acts = cnn.createActivations(rows + 3);
    const y = new Float64Array(rows + 1);
    const xs = new Float64Array(x.length + 5);
    xs.set(x, 5);
    cnn.forward(theta, xs, 5, y, 1, 2, rows, acts);
    for (let r = 0; r < rows; r++) {
      const ref = nestedLoopCnn(nx, w, theta, x, r * 2 * nx);
      assert.ok(Math.abs(y[1 + r]! - ref) <= 1e-13 * Math.max(1, Math.abs(ref)), `row ${r}: ${y[1 + r]} vs ${ref}`);
    }
  });

  test(`CNN Nx ${nx}, width ${w}: whole network passes gradcheck (input and θ)`, () => {
    const rng = new Rng(12);
    const cnn = new Cnn({ gridPoints: nx, width: w });
    const theta = new Tensor(paramsOf(cnn, rng), [cnn.paramCount]);
    const x = new Tensor(rand(rows * 2 * nx, rng), [rows, 2 * nx]);
    const r = gradcheck((x, t) => applyController(cnn, x, t), [x, theta]);
    assert.ok(r.maxRelError <= 1e-6, `relative error ${r.maxRelError}`);
  });
}

interface ConvAttrs {
  n: number;
  L: number;
  C: number;
  F: number;
  simd: boolean;
}

/**
 * One convolution layer alone (conv.ts) on a fresh heap, with the spares its SIMD kernels need:
 * y = tanh(conv(x; W, b)); from the output cotangent g (when given) xBar and θBar = [dW | db].
 */
function runConv(a: ConvAttrs, x: Float64Array, th: Float64Array, g: Float64Array | null): { y: Float64Array; xBar: Float64Array; thBar: Float64Array } {
  const conv = new StridedConv3(a.L, a.C, a.F);
  const k = createHeapKernels(a.simd ? 'auto' : 'js');
  const K = conv.window, V = a.n * conv.T + 1;
  let top = HEAP_START;
  const take = (len: number): number => ((top += len + 4), top - len - 4);
  const p = { x: take(x.length), th: take(th.length), c: take(V * K), y: take(V * a.F), wT: take(K * a.F), zeros: take(Math.max(K, a.L * a.C)), g: take(V * a.F), dc: take(V * K), xBar: take(x.length), dW: take((K + 3) * a.F), db: take(a.F) };
  k.ensure(top);
  k.heap.set(x, p.x);
  k.heap.set(th, p.th);
  conv.im2col(k, p.x, a.n, p.c);
  conv.forward(k, p.c, a.n, p.th, p.th + K * a.F, p.y);
  const y = Float64Array.from(k.heap.subarray(p.y, p.y + (V - 1) * a.F));
  const thBar = new Float64Array(th.length);
  if (!g) return { y, xBar: new Float64Array(0), thBar };
  // Through tanh: the layer's backward takes pre-activation cotangents.
  k.heap.set(g.map((v, i) => v * (1 - y[i]! * y[i]!)), p.g);
  transpose(th, 0, K, a.F, k.heap, p.wT);
  conv.backward(k, p.g, a.n, p.wT, p.zeros, p.dc, p.xBar, p.zeros, 0);
  conv.paramGrad(k, p.c, a.n, p.g, p.dW, p.db);
  thBar.set(k.heap.subarray(p.dW, p.dW + K * a.F));
  thBar.set(k.heap.subarray(p.db, p.db + a.F), K * a.F);
  return { y, xBar: Float64Array.from(k.heap.subarray(p.xBar, p.xBar + x.length)), thBar };
}

/** One convolution layer alone as a kernel of (x [n][L·C], θ = [W | b]). */
const convLayer: Kernel<ConvAttrs> = registerKernel<ConvAttrs>({
  name: 'TestCnnConvLayer',
  forward: ([x, th], a) => ({ data: runConv(a, x!.data, th!.data, null).y, shape: [a.n * Math.floor((a.L - 1) / 2), a.F] }),
  vjp: (g, [x, th], _y, a) => {
    const { xBar, thBar } = runConv(a, x!.data, th!.data, g);
    return [xBar, thBar];
  },
});

/** The CNN's last layer alone (dense1.ts, linear) on a fresh heap: y = x·W + b; from g, xBar and θBar = [dW | db]. */
function runDense1(n: number, nIn: number, simd: boolean, x: Float64Array, th: Float64Array, g: Float64Array | null) {
  const dense = new Dense1(nIn, 2);
  const k = createHeapKernels(simd ? 'auto' : 'js');
  let top = HEAP_START;
  const take = (len: number): number => ((top += len + 2), top - len - 2);
  const p = { x: take(x.length), w: take(nIn), w2: take(2 * nIn), b2: take(2), y2: take(2 * n), c2: take(2 * n), zeros: take(nIn), xBar: take(x.length), acc: take(2 * nIn) };
  k.ensure(top);
  k.heap.set(x, p.x);
  k.heap.set(th.subarray(0, nIn), p.w);
  th.subarray(0, nIn).forEach((v, i) => (k.heap[p.w2 + 2 * i] = v));
  k.heap[p.b2] = th[nIn]!;
  const y = new Float64Array(n);
  dense.forward(k, p.x, n, p.w2, p.b2, p.y2, y, 0);
  if (!g) return { y, xBar: new Float64Array(0), thBar: new Float64Array(0) };
  k.heap.set(g, p.c2);
  dense.backward(k, p.c2, n, p.w, p.zeros, 0, p.xBar);
  dense.paramGrad(k, p.c2, n, p.x, p.acc);
  const thBar = new Float64Array(nIn + 1);
  thBar.set(k.heap.subarray(p.acc, p.acc + nIn));
  thBar[nIn] = g.reduce((a, v) => a + v, 0);
  return { y, xBar: Float64Array.from(k.heap.subarray(p.xBar, p.xBar + x.length)), thBar };
}

const denseLayer: Kernel<{ n: number; nIn: number; simd: boolean }> = registerKernel<{ n: number; nIn: number; simd: boolean }>({
  name: 'TestCnnDenseLayer',
  forward: ([x, th], a) => ({ data: runDense1(a.n, a.nIn, a.simd, x!.data, th!.data, null).y, shape: [a.n, 1] }),
  vjp: (g, [x, th], _y, a) => {
    const { xBar, thBar } = runDense1(a.n, a.nIn, a.simd, x!.data, th!.data, g);
    return [xBar, thBar];
  },
});

function checkConvLayer(a: Omit<ConvAttrs, 'simd'>, seed: number): number {
  let worst = 0;
  // The SIMD kernels take even column counts (F, 3C) only; the CNN keeps odd widths on plain JS.
  for (const simd of a.F % 2 === 0 && a.C % 2 === 0 ? [false, true] : [false]) {
    const rng = new Rng(seed);
    const x = new Tensor(rand(a.n * a.L * a.C, rng), [a.n, a.L * a.C]);
    const th = new Tensor(rand(3 * a.C * a.F + a.F, rng, 0.5), [3 * a.C * a.F + a.F]);
    worst = Math.max(worst, gradcheck((x, t) => runKernel(convLayer, [x, t], { ...a, simd }), [x, th]).maxRelError);
  }
  return worst;
}

test('Conv2D layer alone (3×2 kernel, stride 2, odd and even Nx) passes gradcheck', () => {
  for (const [nx, w, n] of [[8, 4, 3], [16, 5, 11], [13, 3, 2], [12, 6, 5]] as const) {
    const err = checkConvLayer({ n, L: nx, C: 2, F: w }, nx);
    assert.ok(err <= 1e-6, `Nx ${nx}: relative error ${err}`);
  }
});

test('Conv1D layer alone (kernel 3, stride 2, overlapping windows) passes gradcheck', () => {
  for (const [H1, w, n] of [[3, 4, 2], [7, 5, 5], [8, 3, 30], [9, 6, 7]] as const) {
    const err = checkConvLayer({ n, L: H1, C: w, F: w }, H1);
    assert.ok(err <= 1e-6, `H1 ${H1}: relative error ${err}`);
  }
});

test('Dense(1) layer alone passes gradcheck', () => {
  for (const [n, nIn, simd] of [[5, 14, false], [5, 14, true], [4, 7, false]] as const) {
    const rng = new Rng(4);
    const x = new Tensor(rand(n * nIn, rng), [n, nIn]);
    const th = new Tensor(rand(nIn + 1, rng), [nIn + 1]);
    const err = gradcheck((x, t) => runKernel(denseLayer, [x, t], { n, nIn, simd }), [x, th]).maxRelError;
    assert.ok(err <= 1e-6, `relative error ${err}`);
  }
});

for (const width of [5, 6]) test(`CNN width ${width}: backward adds into xBar; param grads accumulate, two adjoint sets in one call equal two calls`, () => {
  const rng = new Rng(5);
  const cnn = new Cnn({ gridPoints: 12, width });
  const theta = paramsOf(cnn, rng);
  const n = 6, S = cnn.inputSize;
  const x = rand(n * S, rng);
  const acts = cnn.createActivations(n);
  cnn.forward(theta, x, 0, new Float64Array(n), 0, 0, n, acts);
  const g1 = rand(n, rng), g2 = rand(n, rng);
  const a1 = cnn.createAdjoints(n), a2 = cnn.createAdjoints(n);
  const base = rand(n * S, rng);
  const xb1 = Float64Array.from(base), xb0 = new Float64Array(n * S);
  cnn.backward(theta, g1, 0, 0, n, acts, a1, xb1, 0);
  cnn.backward(theta, g1, 0, 0, n, acts, a1, xb0, 0);
  assert.ok(maxAbs(xb0) > 0);
  assert.ok(maxAbsDiff(xb1, base.map((v, i) => v + xb0[i]!)) < 1e-15);
  cnn.backward(theta, g2, 0, 0, n, acts, a2, null, 0);
  const start = rand(cnn.paramCount, rng);
  const both = [Float64Array.from(start), new Float64Array(cnn.paramCount)];
  cnn.accumulateParamGrad(acts, [a1, a2], 0, n, both);
  const one = new Float64Array(cnn.paramCount), two = new Float64Array(cnn.paramCount);
  cnn.accumulateParamGrad(acts, [a1], 0, n, [one]);
  cnn.accumulateParamGrad(acts, [a2], 0, n, [two]);
  assert.ok(maxAbsDiff(both[0]!, start.map((v, i) => v + one[i]!)) < 1e-14);
  assert.deepEqual(both[1], two);
  // Rows reduced in two calls (r0 = 0 and 2) equal one call over all rows.
  const split = new Float64Array(cnn.paramCount);
  cnn.accumulateParamGrad(acts, [a1], 0, 2, [split]);
  cnn.accumulateParamGrad(acts, [a1], 2, n - 2, [split]);
  assert.ok(maxAbsDiff(split, one) < 1e-14);
  assert.throws(() => cnn.backward(theta, g1, 0, 4, 3, acts, a1, null, 0), /CNN: rows 4 … 6 of a set of 6/);
});

test('CNN layout, init and the paper-sized shapes', () => {
  const cnn = new Cnn({ gridPoints: 32, width: 60 });
  assert.equal(cnn.h1Size, 15);
  assert.equal(cnn.h2Size, 7);
  assert.deepEqual(
    cnn.layout.map((p) => `${p.name} [${p.shape.join(',')}]`),
    ['conv2d/kernel [3,2,1,60]', 'conv2d/bias [60]', 'conv1d/kernel [3,60,60]', 'conv1d/bias [60]', 'dense/kernel [420,1]', 'dense/bias [1]'],
  );
  assert.equal(cnn.paramCount, 360 + 60 + 10800 + 60 + 420 + 1);
  assert.equal(cnn.macsPerRow, 15 * 6 * 60 + 7 * 180 * 60 + 420);
  const theta = cnn.initParams(new Rng(3));
  const limits = [0.128, 0, 0.1291, 0, 0.1194, 0];
  cnn.layout.forEach((p, k) => {
    const v = theta.subarray(p.offset, p.offset + p.size);
    if (limits[k] === 0) assert.ok(v.every((e) => e === 0), `${p.name} is zero`);
    else assert.ok(v.every((e) => Math.abs(e) <= limits[k]! + 5e-5) && v.some((e) => Math.abs(e) > 0.9 * limits[k]!), p.name);
  });
  const y = new Float64Array(1);
  cnn.forward(theta, rand(64, new Rng(2)), 0, y, 0, 0, 1, cnn.createActivations(1));
  assert.ok(y[0] !== 0, 'the CNN starts with a non-zero output');
});

test('CNN shapes that do not fit give clear errors', () => {
  assert.throws(() => new Cnn({ gridPoints: 6, width: 4 }), /Nx = 6 grid points are too few: .* gives 2 positions, fewer than the 3 the Conv1D kernel needs \(Nx must be at least 7\)/);
  assert.throws(() => new Cnn({ gridPoints: 2, width: 4 }), /too few/);
  assert.throws(() => new Cnn({ gridPoints: 8, width: 0 }), /width must be a positive integer/);
  assert.doesNotThrow(() => new Cnn({ gridPoints: 7, width: 1 }));
});

test('the shared fast tanh is within a few ulp of Math.tanh, odd, and saturates', () => {
  const rng = new Rng(8);
  let worst = 0;
  for (let i = 0; i < 200000; i++) {
    const x = (i % 2 ? 1 : -1) * (i % 4 < 2 ? 10 ** rng.uniform(-12, 1.5) : rng.uniform(0, 3));
    worst = Math.max(worst, Math.abs(fastTanh(x) - Math.tanh(x)) / Math.abs(Math.tanh(x)));
    assert.equal(fastTanh(-x), -fastTanh(x));
  }
  assert.ok(worst <= 4 * Number.EPSILON, `max relative error ${worst}`);
  assert.deepEqual([fastTanh(0), fastTanh(25), fastTanh(-Infinity), fastTanh(Infinity)], [0, 1, -1, 1]);
  assert.ok(Number.isNaN(fastTanh(NaN)));
});

test('WebAssembly SIMD and plain-JS CNN kernels give identical numbers (forward, backward, scaling, gradients)', () => {
  if (!createHeapKernels('auto').simd) return; // no WebAssembly SIMD here: only the JS kernels run
  const rng = new Rng(21);
  for (const [nx, w, rows] of [[32, 60, 8], [12, 4, 5], [16, 6, 37], [9, 2, 3]] as const) {
    const simd = new Cnn({ gridPoints: nx, width: w }), js = new Cnn({ gridPoints: nx, width: w, kernels: 'js' });
    const theta = paramsOf(simd, rng);
    // Large enough inputs that some pre-activations leave tanh's rational range (|x| ≥ 0.625).
    const x = rand(rows * simd.inputSize, rng, 3);
    const g = rand(rows, rng), s1 = rand(rows, rng), s2 = rand(rows, rng);
    const base = rand(rows * simd.inputSize, rng);
    const run = (cnn: Cnn): Float64Array[] => {
      const acts = cnn.createActivations(rows), unit = cnn.createAdjoints(rows);
      const a1 = cnn.createAdjoints(rows), a2 = cnn.createAdjoints(rows);
      const y = new Float64Array(rows), xBar = Float64Array.from(base);
      cnn.bindParams(theta);
      cnn.forward(theta, x, 0, y, 0, 0, rows, acts);
      cnn.releaseParams();
      cnn.backward(theta, g, 0, 0, rows, acts, unit, xBar, 0);
      cnn.scaleAdjoints(unit, s1, 0, 0, rows, a1);
      cnn.scaleAdjoints(unit, s2, 0, 0, 2, a2);
      cnn.scaleAdjoints(unit, s2, 2, 2, rows - 2, a2);
      const g1 = new Float64Array(cnn.paramCount), g2 = new Float64Array(cnn.paramCount);
      cnn.accumulateParamGrad(acts, [a1, a2], 0, rows, [g1, g2]);
      return [y, xBar, g1, g2];
    };
    const [ys, ...rest] = run(simd);
    assert.ok(ys!.some((v) => v !== 0));
    assert.deepEqual([ys, ...rest], run(js), `Nx ${nx}, width ${w}`);
  }
});

test('heap tanh (WebAssembly SIMD) equals tanh.ts bit for bit, also outside the rational range', () => {
  const special = [0, -0, 1e-320, -1e-320, 1e-160, 1e-8, 0.3, 0.6249999999999999, 0.625, 0.7, 1, 5, 19.1, 21.99, 22, 1e300, Infinity, NaN];
  const rng = new Rng(3);
  const values = [...special, ...special.map((v) => -v), ...Array.from({ length: 999 }, () => rng.uniform(-2, 2))];
  for (const kind of ['auto', 'js'] as const) {
    const k = createHeapKernels(kind);
    k.ensure(HEAP_START + values.length + 1);
    k.heap.set(values, HEAP_START + 1);
    k.tanh(HEAP_START + 1, values.length); // odd start and length
    const got = Array.from(k.heap.subarray(HEAP_START + 1, HEAP_START + 1 + values.length));
    assert.deepEqual(got, values.map(fastTanh), kind);
  }
});

test('the compiled kernels\' module validates and exports every kernel in f64 and f32', () => {
  const bytes = kernelModuleBytes();
  assert.ok(WebAssembly.validate(bytes), 'the module does not validate');
  const names = WebAssembly.Module.exports(new WebAssembly.Module(bytes)).map((e) => e.name).sort();
  for (const k of ['matmul', 'matmulTN', 'colSum', 'tanhSmall', 'im2col', 'col2im', 'scaleRows']) {
    assert.ok(names.includes(`${k}_f64`) && names.includes(`${k}_f32`), k);
  }
});

test('heap regions: first fit, reuse of freed ranges, neighbours merged', () => {
  const r = new HeapRegions(10);
  const a = r.alloc(4), b = r.alloc(3), c = r.alloc(6);
  assert.deepEqual([a, b, c, r.top], [10, 14, 18, 26]); // lengths rounded up to multiples of 4
  r.release(b, 3);
  assert.equal(r.alloc(2), 14); // fits the freed range
  r.release(14, 2);
  r.release(a, 4);
  assert.equal(r.alloc(8), 10); // a and b merged
  r.release(10, 8);
  r.release(c, 6);
  assert.equal(r.alloc(14), 10); // all three merged
  assert.equal(r.alloc(2), 26);
});

test('lazily scaled adjoints keep their numbers when the source is overwritten, and equal eagerly scaled ones', () => {
  for (const width of [4, 3]) {
    const rng = new Rng(31);
    const cnn = new Cnn({ gridPoints: 10, width });
    const theta = paramsOf(cnn, rng);
    const n = 5, x = rand(n * cnn.inputSize, rng);
    const acts = cnn.createActivations(n);
    cnn.forward(theta, x, 0, new Float64Array(n), 0, 0, n, acts);
    const unit = cnn.createAdjoints(n), lazy = cnn.createAdjoints(n), eager = cnn.createAdjoints(n), chained = cnn.createAdjoints(n);
    const grad = (a: Adjoints, r0 = 0, rows = n): Float64Array => {
      const g = new Float64Array(cnn.paramCount);
      cnn.accumulateParamGrad(acts, [a], r0, rows, [g]);
      return g;
    };
    const s = rand(n, rng), t = rand(n, rng);
    cnn.backward(theta, new Float64Array(n).fill(1), 0, 0, n, acts, unit, null, 0);
    cnn.scaleAdjoints(unit, s, 0, 0, n, lazy); // whole sets: lazy
    cnn.scaleAdjoints(unit, s, 0, 0, 3, eager); // in two parts: written out
    cnn.scaleAdjoints(unit, s, 3, 3, n - 3, eager);
    const before = grad(lazy);
    assert.deepEqual(before, grad(eager));
    cnn.scaleAdjoints(lazy, t, 0, 0, n, chained); // from a lazy set
    cnn.scaleAdjoints(eager, t, 0, 0, 2, eager); // in place, partly
    cnn.scaleAdjoints(eager, t, 2, 2, n - 2, eager);
    assert.deepEqual(grad(chained), grad(eager));
    cnn.backward(theta, rand(n, rng), 0, 0, n, acts, unit, null, 0); // overwrites the source
    assert.deepEqual(grad(lazy), before);
    const kept = [grad(lazy, 0, 1), grad(lazy, 3, 2)];
    cnn.backward(theta, rand(n, rng), 0, 1, 2, acts, lazy, null, 0); // rows 1, 2 of a lazy set
    assert.notDeepEqual(grad(lazy), before);
    assert.deepEqual([grad(lazy, 0, 1), grad(lazy, 3, 2)], kept);
  }
});
