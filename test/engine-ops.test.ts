import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  abs, add, atan, atan2, broadcastTo, clip, concat, cos, div, equal, exp, expandDims, gather, gradcheck, greater,
  greaterEqual, kernelNames, less, lessEqual, log, matmul, max, maximum, mean, min, minimum, mul, neg, pow, relu, reshape,
  Rng, sigmoid, sign, sin, slice, sqrt, square, squeeze, stack, sub, sum, tan, tanh, Tensor, tensor, transpose, vjp, where,
} from '../src/engine/index.js';

function rand(shape: number[], rng: Rng, lo = -1, hi = 1): Tensor {
  const n = shape.reduce((a, b) => a * b, 1);
  return new Tensor(Float64Array.from({ length: n }, () => rng.uniform(lo, hi)), shape);
}

const rng = new Rng(7);
const TOL = 1e-6;

/** Gradchecks in float64; the name before "(" is the kernel the case covers. */
const cases: [string, (...xs: Tensor[]) => Tensor, Tensor[]][] = [
  ['Neg', (x) => neg(x), [rand([3, 2], rng)]],
  ['Sin', (x) => sin(x), [rand([5], rng)]],
  ['Cos', (x) => cos(x), [rand([5], rng)]],
  ['Tan', (x) => tan(x), [rand([5], rng)]],
  ['Atan', (x) => atan(x), [rand([5], rng, -3, 3)]],
  ['Tanh', (x) => tanh(x), [rand([2, 3], rng)]],
  ['Exp', (x) => exp(x), [rand([4], rng)]],
  ['Log', (x) => log(x), [rand([4], rng, 0.5, 2)]],
  ['Sqrt', (x) => sqrt(x), [rand([4], rng, 0.5, 2)]],
  ['Square', (x) => square(x), [rand([4], rng)]],
  ['Abs', (x) => abs(x), [rand([4], rng, 0.2, 1)]],
  ['Relu', (x) => relu(x), [tensor([-0.7, -0.2, 0.3, 0.9, 1.4])]],
  ['Sigmoid', (x) => sigmoid(x), [rand([2, 3], rng, -3, 3)]],
  ['Sign', (x) => mul(sign(x), x), [tensor([-0.7, 0.3, 0.9])]],
  ['Clip', (x) => clip(x, -0.5, 0.6), [tensor([-0.9, -0.3, 0.1, 0.55, 0.8])]],
  ['Add', (a, b) => add(a, b), [rand([2, 3], rng), rand([3], rng)]],
  ['Sub', (a, b) => sub(a, b), [rand([2, 1], rng), rand([2, 3], rng)]],
  ['Mul', (a, b) => mul(a, b), [rand([4, 3], rng), rand([4, 1], rng)]],
  ['Mul(same input twice)', (a) => mul(a, a), [rand([3], rng)]],
  ['Div', (a, b) => div(a, b), [rand([3], rng), rand([2, 3], rng, 0.5, 2)]],
  ['Pow', (a, b) => pow(a, b), [rand([2, 3], rng, 0.5, 2), rand([3], rng, -2, 2)]],
  ['Pow(number exponent)', (a) => pow(a, 3), [rand([4], rng, -2, 2)]],
  ['Pow(scalar exponent tensor)', (a, b) => pow(a, b), [rand([2, 2], rng, 0.5, 2), rand([], rng, 0.5, 2)]],
  ['Atan2', (y, x) => atan2(y, x), [rand([2, 3], rng), rand([2, 1], rng)]],
  ['Maximum', (a, b) => maximum(a, b), [rand([3, 4], rng), rand([4], rng)]],
  ['Minimum', (a, b) => minimum(a, b), [rand([3, 1], rng), rand([3, 4], rng)]],
  ['Greater', (a, b) => mul(greater(a, b), a), [rand([2, 3], rng), rand([3], rng)]],
  ['Less', (a, b) => mul(less(a, b), a), [rand([2, 3], rng), rand([3], rng)]],
  ['GreaterEqual', (a, b) => mul(greaterEqual(a, b), b), [rand([2, 3], rng), rand([3], rng)]],
  ['LessEqual', (a, b) => mul(lessEqual(a, b), b), [rand([2, 3], rng), rand([3], rng)]],
  ['Equal', (a, b) => add(mul(equal(a, b), a), b), [tensor([0.25, -1, 0.5]), tensor([0.3, -1.2, 0.6])]],
  ['Where', (a, b) => where(greater(a, 0), mul(a, 2), b), [rand([3, 4], rng), rand([4], rng)]],
  ['Where(broadcast condition)', (a, b) => where(tensor([1, 0, 1]), a, b), [rand([2, 3], rng), rand([2, 1], rng)]],
  ['MatMul', (a, b) => matmul(a, b), [rand([3, 4], rng), rand([4, 2], rng)]],
  ['Sum', (x) => sum(x), [rand([3, 2], rng)]],
  ['Sum(axis)', (x) => sum(x, 1), [rand([2, 3, 2], rng)]],
  ['Sum(axes, keepDims)', (x) => sum(x, [0, 2], true), [rand([2, 3, 2], rng)]],
  ['Sum(negative axis)', (x) => sum(x, -1), [rand([2, 3], rng)]],
  ['Mean', (x) => mean(x, 0), [rand([3, 2], rng)]],
  ['Mean(axes, keepDims)', (x) => div(x, mean(x, [1, 2], true)), [rand([2, 3, 2], rng, 0.5, 2)]],
  ['ReduceMax', (x) => max(x), [rand([3, 4], rng)]],
  ['ReduceMax(axis, keepDims)', (x) => sub(x, max(x, 1, true)), [rand([3, 4], rng)]],
  ['ReduceMin', (x) => min(x, [0, 2]), [rand([2, 3, 2], rng)]],
  ['Reshape', (x) => reshape(x, [6]), [rand([2, 3], rng)]],
  ['Reshape(expandDims, squeeze)', (x) => squeeze(expandDims(x, -1)), [rand([2, 3], rng)]],
  ['Slice', (x) => slice(x, 1, 1, 3), [rand([2, 4, 2], rng)]],
  ['Gather', (x) => gather(x, 1, [2, 0, 2, -1]), [rand([2, 3, 2], rng)]],
  ['Concat', (a, b) => concat([a, b], 1), [rand([2, 1], rng), rand([2, 3], rng)]],
  ['Stack', (a, b, c) => stack([a, b, c], 1), [rand([2, 3], rng), rand([2, 3], rng), rand([2, 3], rng)]],
  ['Stack(last axis)', (a, b) => stack([a, b], -1), [rand([2, 3], rng), rand([2, 3], rng)]],
  ['Transpose', (x) => transpose(x), [rand([2, 3], rng)]],
  ['Transpose(perm)', (x) => transpose(x, [1, 2, 0]), [rand([2, 3, 4], rng)]],
  ['BroadcastTo', (x) => broadcastTo(x, [2, 3, 4]), [rand([3, 1], rng)]],
];

for (const [name, f, inputs] of cases) {
  test(`gradcheck ${name}`, () => {
    const r = gradcheck(f, inputs);
    assert.ok(r.maxRelError <= TOL, `${name}: relative error ${r.maxRelError}`);
  });
}

test('every elementary kernel is gradchecked above', () => {
  const covered = new Set(cases.map(([n]) => n.replace(/\(.*\)/, '')));
  const elementary = kernelNames().filter((k) => !['Controller', 'SimulatorStep', 'LossTerm'].includes(k));
  for (const k of elementary) assert.ok(covered.has(k), `kernel ${k} has no gradcheck`);
});

const values = (t: Tensor): number[] => Array.from(t.data);

test('new ops compute the documented values and shapes', () => {
  const a = tensor([1, 5, 3, 4, 2, 6], [2, 3]);
  assert.deepEqual(values(where(greater(a, 3), a, tensor([0, -1, -2]))), [0, 5, -2, 4, -1, 6]);
  assert.deepEqual(values(greaterEqual(a, 4)), [0, 1, 0, 1, 0, 1]);
  assert.deepEqual(values(lessEqual(a, 3)), [1, 0, 1, 0, 1, 0]);
  assert.deepEqual(values(less(a, tensor([2, 5, 7]))), [1, 0, 1, 0, 1, 1]);
  assert.deepEqual(values(equal(a, tensor([[1], [2]].flat(), [2, 1]))), [1, 0, 0, 0, 1, 0]);
  assert.deepEqual(values(gather(a, 1, [2, 0])), [3, 1, 6, 4]);
  assert.deepEqual(values(gather(a, 0, [1, 1, 0])), [4, 2, 6, 4, 2, 6, 1, 5, 3]);
  const s = stack([tensor([1, 2]), tensor([3, 4])], 1);
  assert.deepEqual([s.shape, values(s)], [[2, 2], [1, 3, 2, 4]]);
  const sk = sum(a, 1, true);
  assert.deepEqual([sk.shape, values(sk)], [[2, 1], [9, 12]]);
  assert.deepEqual(values(max(a, 0)), [4, 5, 6]);
  assert.deepEqual(values(min(a, 1)), [1, 2]);
  assert.deepEqual(values(pow(tensor([2, 3]), tensor([3, 0.5]))), [8, Math.sqrt(3)]);
  assert.deepEqual(values(atan2(tensor([1, -1]), tensor([0, -1]))), [Math.PI / 2, -3 * Math.PI / 4]);
  assert.deepEqual(values(clip(tensor([-3, 0.5, 3]), -1, 1)), [-1, 0.5, 1]);
  assert.deepEqual(values(sign(tensor([-2, 0, 3]))), [-1, 0, 1]);
  assert.deepEqual(transpose(tensor(new Array(24).fill(0), [2, 3, 4]), [2, 0, 1]).shape, [4, 2, 3]);
  assert.deepEqual(values(transpose(tensor([1, 2, 3, 4, 5, 6], [2, 3]))), [1, 4, 2, 5, 3, 6]);
  assert.deepEqual(squeeze(tensor([1, 2], [1, 2, 1])).shape, [2]);
});

test('tie rules: maximum/minimum give the first argument the gradient, max the first largest element', () => {
  const pull = (f: (a: Tensor, b: Tensor) => Tensor): number[][] => {
    const { pullback } = vjp(f, [tensor([1, 2]), tensor([1, 3])]);
    return pullback(Float64Array.of(1, 1)).map((g) => Array.from(g));
  };
  assert.deepEqual(pull(maximum), [[1, 0], [0, 1]]);
  assert.deepEqual(pull(minimum), [[1, 1], [0, 0]]);
  const { pullback } = vjp((x) => max(x), [tensor([2, 5, 5, 1])]);
  assert.deepEqual(Array.from(pullback(Float64Array.of(1))[0]!), [0, 1, 0, 0]);
  // Only the selected side of where gets the cotangent, so an inf on the other side does not leak NaN.
  const w = vjp((a, b) => where(tensor([1, 0]), a, b), [tensor([1, 2]), tensor([Infinity, 3])]);
  assert.deepEqual(w.pullback(Float64Array.of(1, 1)).map((g) => Array.from(g)), [[1, 0], [0, 1]]);
  // pow's exponent gradient at base 0 is 0 (the limit), not NaN.
  const p = vjp((a, b) => pow(a, b), [tensor([0]), tensor([2])]);
  assert.deepEqual(p.pullback(Float64Array.of(1)).map((g) => Array.from(g)), [[0], [0]]);
});

test('bad shapes and arguments give clear errors', () => {
  const x = tensor([1, 2, 3, 4, 5, 6], [2, 3]);
  assert.throws(() => matmul(x, x), /matmul needs \[m\]\[k\]·\[k\]\[n\], got \[2, 3\]·\[2, 3\]/);
  assert.throws(() => add(x, tensor([1, 2])), /shapes \[2, 3\] and \[2\] do not broadcast/);
  assert.throws(() => where(tensor([1, 0]), x, 0), /do not broadcast/);
  assert.throws(() => gather(x, 1, [3]), /gather index 3 is out of range for axis 1 of length 3/);
  assert.throws(() => gather(x, 2, [0]), /gather axis 2 is out of range/);
  assert.throws(() => sum(x, [1, -1]), /axis -1 is given twice/);
  assert.throws(() => stack([x, tensor([1, 2])]), /stack: shapes \[2, 3\] and \[2\] differ/);
  assert.throws(() => squeeze(x, 0), /squeeze: axis 0 of \[2, 3\] has length 2, not 1/);
  assert.throws(() => broadcastTo(x, [3, 3]), /cannot broadcast \[2, 3\] to \[3, 3\]/);
  assert.throws(() => transpose(x, [0, 0]), /not a permutation/);
  assert.throws(() => clip(x, 1, 0), /clip needs lo ≤ hi/);
  assert.throws(() => slice(x, 1, 2, 5), /slice \[2, 5\) is outside axis 1 of length 3/);
});
