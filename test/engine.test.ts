import { test } from 'node:test';
import assert from 'node:assert/strict';
import { add, gradcheck, grad, matmul, mul, reshape, Rng, sin, stopGradient, sub, sum, Tensor, vjp } from '../src/engine/index.js';

// The gradchecks of every elementary op are in engine-ops.test.ts.

function rand(shape: number[], rng: Rng, lo = -1, hi = 1): Tensor {
  const n = shape.reduce((a, b) => a * b, 1);
  return new Tensor(Float64Array.from({ length: n }, () => rng.uniform(lo, hi)), shape);
}

const rng = new Rng(7);

test('gradcheck detects a wrong VJP', () => {
  // sin with cos replaced by a wrong derivative must fail the check: the check can fail.
  const wrong = (x: Tensor): Tensor => add(stopGradient(sub(sin(x), x)), x); // value sin(x), derivative 1
  const r = gradcheck(wrong, [rand([4], rng)]);
  assert.ok(r.maxRelError > 1e-3);
});

test('grad of a composed function matches the hand derivative', () => {
  const f = (x: Tensor): Tensor => sum(mul(sin(x), x));
  const x = new Tensor(Float64Array.of(0.3, -1.2), [2]);
  const [g] = grad(f)(x);
  for (let i = 0; i < 2; i++) {
    const v = x.data[i]!;
    assert.ok(Math.abs(g![i]! - (Math.cos(v) * v + Math.sin(v))) < 1e-14);
  }
});

test('stopGradient blocks the flow but keeps the value', () => {
  const f = (x: Tensor): Tensor => sum(mul(stopGradient(x), x));
  const x = new Tensor(Float64Array.of(2, 3), [2]);
  const { value, pullback } = vjp(f, [x]);
  assert.equal(value.item(), 13);
  assert.deepEqual(Array.from(pullback(Float64Array.of(1))[0]!), [2, 3]);
});

test('deep graphs do not overflow the stack', () => {
  const f = (x: Tensor): Tensor => {
    let y = x;
    for (let i = 0; i < 20000; i++) y = add(y, mul(y, 1e-5));
    return sum(y);
  };
  const [g] = grad(f)(new Tensor(Float64Array.of(1), [1]));
  assert.ok(Math.abs(g![0]! - Math.pow(1 + 1e-5, 20000)) < 1e-9);
});

test('bad shapes give clear errors', () => {
  assert.throws(() => matmul(rand([2, 3], rng), rand([2, 3], rng)), /matmul needs/);
  assert.throws(() => add(rand([2, 3], rng), rand([4], rng)), /do not broadcast/);
  assert.throws(() => reshape(rand([2, 3], rng), [4]), /cannot reshape/);
});

test('Rng is deterministic per seed and differs across seeds', () => {
  const a = new Rng(3), b = new Rng(3), c = new Rng(4);
  const sa = Array.from({ length: 5 }, () => a.next());
  assert.deepEqual(sa, Array.from({ length: 5 }, () => b.next()));
  assert.notDeepEqual(sa, Array.from({ length: 5 }, () => c.next()));
  const r = new Rng(11);
  let s = 0, s2 = 0;
  const N = 20000;
  for (let i = 0; i < N; i++) {
    const v = r.normal();
    s += v;
    s2 += v * v;
  }
  assert.ok(Math.abs(s / N) < 0.03 && Math.abs(s2 / N - 1) < 0.05);
});
