import { test } from 'node:test';
import assert from 'node:assert/strict';
import { gradcheck, registerKernel, Rng, runKernel, Tensor, type Kernel } from '../src/engine/index.js';
import { Cnn } from '../src/nn/cnn.js';
import { windowBackwardInput, windowForward, windowParamGrad } from '../src/nn/conv.js';
import { tanh as fastTanh } from '../src/nn/tanh.js';
import { denseBackwardInput, denseForward, denseParamGrad } from '../src/nn/dense.js';
import { applyController } from '../src/nn/kernel.js';
import { maxAbs, maxAbsDiff } from './helpers/reference.js';

const rand = (n: number, rng: Rng, s = 1): Float64Array => Float64Array.from({ length: n }, () => rng.uniform(-s, s));

/** θ drawn by the initialiser plus noise, so biases are non-zero too. */
function paramsOf(cnn: Cnn, rng: Rng): Float64Array {
  const theta = cnn.initParams(rng);
  for (let i = 0; i < theta.length; i++) theta[i]! += rng.uniform(-0.2, 0.2);
  return theta;
}

/** The CNN of spec/quantum.md written out as plain nested loops over one row ψ [Nx][2]. */
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

interface WindowAttrs {
  n: number;
  T: number;
  rowStride: number;
  posStride: number;
  nIn: number;
  nOut: number;
  tanh: boolean;
}

/** One window layer alone (conv.ts) as a kernel of (x [n][rowStride], θ = [W | b]). */
const windowLayer: Kernel<WindowAttrs> = registerKernel<WindowAttrs>({
  name: 'TestCnnWindowLayer',
  forward: ([x, th], a) => {
    const y = new Float64Array(a.n * a.T * a.nOut);
    windowForward(x!.data, 0, a.rowStride, a.n, a.T, a.posStride, a.nIn, th!.data, 0, th!.data, a.nIn * a.nOut, a.nOut, y, 0, a.tanh);
    return { data: y, shape: [a.n * a.T, a.nOut] };
  },
  vjp: (g, [x, th], y, a) => {
    const pre = g.map((v, i) => (a.tanh ? v * (1 - y.data[i]! * y.data[i]!) : v));
    const xBar = new Float64Array(x!.size);
    windowBackwardInput(pre, 0, a.n, a.T, a.nOut, th!.data, 0, a.nIn, xBar, 0, a.rowStride, a.posStride);
    const thBar = new Float64Array(th!.size);
    windowParamGrad(x!.data, 0, a.rowStride, a.n, a.T, a.posStride, a.nIn, pre, 0, a.nOut, thBar, 0, thBar, a.nIn * a.nOut);
    return [xBar, thBar];
  },
});

/** The CNN's last layer alone (dense.ts with one output, linear). */
const denseLayer: Kernel<{ n: number; nIn: number }> = registerKernel<{ n: number; nIn: number }>({
  name: 'TestCnnDenseLayer',
  forward: ([x, th], { n, nIn }) => {
    const y = new Float64Array(n);
    denseForward(x!.data, 0, n, nIn, th!.data, 0, th!.data, nIn, 1, y, 0, false);
    return { data: y, shape: [n, 1] };
  },
  vjp: (g, [x, th], _y, { n, nIn }) => {
    const xBar = new Float64Array(x!.size);
    denseBackwardInput(g, 0, n, 1, th!.data, 0, nIn, xBar, 0, false);
    const thBar = new Float64Array(th!.size);
    denseParamGrad(x!.data, 0, n, nIn, g, 0, 1, thBar, 0, thBar, nIn);
    return [xBar, thBar];
  },
});

function checkWindowLayer(a: WindowAttrs, seed: number): number {
  const rng = new Rng(seed);
  const x = new Tensor(rand(a.n * a.rowStride, rng), [a.n, a.rowStride]);
  const th = new Tensor(rand(a.nIn * a.nOut + a.nOut, rng, 0.5), [a.nIn * a.nOut + a.nOut]);
  return gradcheck((x, t) => runKernel(windowLayer, [x, t], a), [x, th]).maxRelError;
}

test('Conv2D layer alone (3×2 kernel, stride 2) passes gradcheck, across weight-gradient tiles', () => {
  for (const [nx, w, n] of [[8, 4, 3], [16, 5, 11], [13, 3, 2]] as const) {
    const T = Math.floor((nx - 3) / 2) + 1;
    const err = checkWindowLayer({ n, T, rowStride: 2 * nx, posStride: 4, nIn: 6, nOut: w, tanh: true }, nx);
    assert.ok(err <= 1e-6, `Nx ${nx}: relative error ${err}`);
  }
});

test('Conv1D layer alone (kernel 3, stride 2, overlapping windows) passes gradcheck', () => {
  for (const [H1, w, n] of [[3, 4, 2], [7, 5, 5], [8, 3, 30]] as const) {
    const T = Math.floor((H1 - 3) / 2) + 1;
    const err = checkWindowLayer({ n, T, rowStride: H1 * w, posStride: 2 * w, nIn: 3 * w, nOut: w, tanh: true }, H1);
    assert.ok(err <= 1e-6, `H1 ${H1}: relative error ${err}`);
  }
});

test('Dense(1) layer alone passes gradcheck', () => {
  const rng = new Rng(4);
  const n = 5, nIn = 14;
  const x = new Tensor(rand(n * nIn, rng), [n, nIn]);
  const th = new Tensor(rand(nIn + 1, rng), [nIn + 1]);
  const err = gradcheck((x, t) => runKernel(denseLayer, [x, t], { n, nIn }), [x, th]).maxRelError;
  assert.ok(err <= 1e-6, `relative error ${err}`);
});

test('CNN backward adds into xBar; param grads accumulate, two adjoint sets in one call equal two calls', () => {
  const rng = new Rng(5);
  const cnn = new Cnn({ gridPoints: 12, width: 5 });
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
