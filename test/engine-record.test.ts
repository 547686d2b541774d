import { test } from 'node:test';
import assert from 'node:assert/strict';
import { getHeapSpaceStatistics } from 'node:v8';
import {
  abs, add, atan2, cos, div, gather, greater, maximum, mean, minimum, mul, pow, record, registerKernel, reshape, Rng,
  runKernel, sin, slice, sqrt, square, squeeze, stack, stopGradient, sub, sum, Tensor, tensor, vjp, where, zeros,
} from '../src/engine/index.js';

function rand(shape: number[], rng: Rng, lo = -1, hi = 1): Tensor {
  const n = shape.reduce((a, b) => a * b, 1);
  return new Tensor(Float64Array.from({ length: n }, () => rng.uniform(lo, hi)), shape);
}

/** Same bits, element by element (NaN and −0 included). */
function assertSameBits(actual: Float64Array, expected: Float64Array, what: string): void {
  assert.equal(actual.length, expected.length, `${what}: length`);
  const a = Buffer.from(actual.buffer, actual.byteOffset, actual.byteLength);
  const e = Buffer.from(expected.buffer, expected.byteOffset, expected.byteLength);
  assert.ok(a.equals(e), `${what}: ${Array.from(actual)} ≠ ${Array.from(expected)}`);
}

/**
 * A cart-pole-like step with a wall: state x [B][4] = (position, velocity, angle, angular
 * velocity), control c [B][1]. Uses slice, gather, sin/cos, where, stack, broadcasting,
 * reductions, reused tensors and a constant computed inside.
 */
function wallCartStep(x: Tensor, c: Tensor): Tensor {
  const B = x.shape[0]!;
  const coeffs = mul(tensor([9.8, 0.1, 1.1, 0.5]), 1); // constants only: captured
  const g = gather(coeffs, 0, [0]);
  const pos = squeeze(slice(x, 1, 0), 1);
  const [vel, th, thd] = [1, 2, 3].map((i) => reshape(gather(x, 1, [i]), [B]));
  const f = squeeze(c, 1);
  const s = sin(th!), k = cos(th!);
  const q = mul(mul(s, thd!), thd!);
  const A = div(add(f, mul(0.05, q)), 1.1);
  const tdd = div(sub(mul(g, s), mul(k, A)), mul(0.5, sub(4 / 3, div(mul(mul(0.1, k), k), 1.1))));
  const thdN = add(thd!, mul(0.02, tdd));
  const velN0 = add(vel!, mul(0.02, div(add(f, mul(0.05, sub(q, mul(tdd, k)))), 1.1)));
  const posN0 = add(pos, mul(0.02, velN0));
  // A wall at |pos| = 1 reflects the velocity: a value branch written with where.
  const hit = greater(abs(posN0), 1);
  const velN = where(hit, mul(velN0, -0.5), velN0);
  const posN = minimum(maximum(posN0, -1), 1);
  const thN = atan2(sin(add(th!, mul(0.02, thdN))), cos(add(th!, mul(0.02, thdN))));
  const next = stack([posN, velN, thN, thdN], 1); // [B][4]
  const energy = sum(pow(abs(next), 1.5), 1, true); // [B][1], broadcast below
  return add(next, mul(1e-3, div(energy, add(mean(energy), 1))));
}

/** Replay forward and backward against eager vjp of the same function, bit for bit. */
function checkReplay(fn: (...xs: Tensor[]) => Tensor, rec: ReturnType<typeof record>, inputs: Tensor[], rng: Rng): void {
  const eager = vjp(fn, inputs);
  const y = rec.forward(inputs.map((x) => x.data));
  assertSameBits(y, eager.value.data, 'forward');
  const outBar = Float64Array.from({ length: y.length }, () => rng.uniform(-1, 1));
  const expected = eager.pullback(outBar);
  const bars = inputs.map((x) => new Float64Array(x.size));
  rec.backward(outBar, bars);
  bars.forEach((b, i) => assertSameBits(b, expected[i]!, `cotangent of input ${i}`));
}

test('replay equals the eager engine bit for bit, forward and backward, over several inputs', () => {
  const rng = new Rng(3);
  const x0 = rand([8, 4], rng, -1.2, 1.2);
  const rec = record(wallCartStep, [x0, rand([8, 1], rng)]);
  assert.deepEqual(rec.inputShapes, [[8, 4], [8, 1]]);
  assert.deepEqual(rec.outputShape, [8, 4]);
  let hits = 0;
  for (let trial = 0; trial < 4; trial++) {
    const x = rand([8, 4], rng, -1.2, 1.2);
    hits += x.data.filter((_, i) => i % 4 === 0 && Math.abs(x.data[i]!) > 0.99).length;
    checkReplay(wallCartStep, rec, [x, rand([8, 1], rng)], rng);
  }
  assert.ok(hits > 0, 'some samples hit the wall, so both sides of where are exercised');
});

test('backward adds into the given buffers and skips unwanted inputs', () => {
  const rng = new Rng(4);
  const x = rand([8, 4], rng), c = rand([8, 1], rng);
  const rec = record(wallCartStep, [x, c]);
  rec.forward([x.data, c.data]);
  const outBar = Float64Array.from({ length: 32 }, () => rng.uniform(-1, 1));
  const [ex, ec] = vjp(wallCartStep, [x, c]).pullback(outBar);
  const cBar = new Float64Array(8).fill(1);
  rec.backward(outBar, [null, cBar]);
  assertSameBits(cBar, Float64Array.from(ec!, (v) => 1 + v), 'accumulated control cotangent');
  const xBar = new Float64Array(32);
  rec.backward(outBar, [xBar, null]);
  assertSameBits(xBar, ex!, 'state cotangent after switching the wanted inputs');
});

test('constants, stopGradient, repeated use and untraced aliases are replayed correctly', () => {
  const rng = new Rng(5);
  const fn = (x: Tensor, y: Tensor): Tensor => {
    const k = sqrt(tensor([4, 9, 16])); // constants only
    const cut = stopGradient(mul(x, y)); // value replayed, gradient cut
    const alias = new Tensor(x.data, x.shape); // an untraced alias of an input
    return add(mul(mul(x, x), k), add(mul(cut, y), square(alias)));
  };
  const rec = record(fn, [rand([2, 3], rng), rand([3], rng)]);
  for (let t = 0; t < 3; t++) checkReplay(fn, rec, [rand([2, 3], rng), rand([3], rng)], rng);
});

test('a cotangent accumulated from an element-wise use and a broadcast use matches eager bit for bit', () => {
  // The sweep reaches sin before mul, so x gets sin's term first and then the broadcast mul's
  // sum over 5 rows: the recorder must add that sum as one term (through a scratch buffer), as
  // the eager engine does; adding the 5 terms one by one rounds differently.
  const rng = new Rng(10);
  const fn = (x: Tensor, w: Tensor): Tensor => add(sin(x), mul(x, w));
  const rec = record(fn, [rand([4], rng), rand([5, 4], rng)]);
  for (let t = 0; t < 5; t++) checkReplay(fn, rec, [rand([4], rng, -10, 10), rand([5, 4], rng, -10, 10)], rng);
});

test('an output independent of an input, an input as output, and a constant output', () => {
  const rng = new Rng(6);
  const unused = (x: Tensor, _y: Tensor): Tensor => sin(x);
  const rec = record(unused, [rand([3], rng), rand([2], rng)]);
  checkReplay(unused, rec, [rand([3], rng), rand([2], rng)], rng);
  const yBar = Float64Array.of(0.5, 0.25);
  rec.backward(Float64Array.of(1, 1, 1), [null, yBar]);
  assert.deepEqual(Array.from(yBar), [0.5, 0.25]);

  const identity = (x: Tensor): Tensor => x;
  const recI = record(identity, [rand([3], rng)]);
  const x = rand([3], rng);
  const y = recI.forward([x.data]);
  assert.notEqual(y, x.data, 'the output buffer is owned by the recording');
  checkReplay(identity, recI, [x], rng);

  const constant = (_x: Tensor): Tensor => mul(tensor([1, 2]), 3);
  const recC = record(constant, [rand([3], rng)]);
  checkReplay(constant, recC, [rand([3], rng)], rng);
  assert.deepEqual(Array.from(recC.forward([new Float64Array(3)])), [3, 6]);
});

test('forks keep their own intermediates: all forwards first, then the backwards in reverse', () => {
  const rng = new Rng(9);
  const rec = record(wallCartStep, [rand([8, 4], rng), rand([8, 1], rng)]);
  const inputs = [0, 1, 2].map(() => [rand([8, 4], rng, -1.2, 1.2), rand([8, 1], rng)]);
  const replays = inputs.map(() => rec.fork());
  const outs = replays.map((r, i) => Float64Array.from(r.forward(inputs[i]!.map((x) => x.data))));
  for (let i = 2; i >= 0; i--) {
    const eager = vjp(wallCartStep, inputs[i]!);
    assertSameBits(outs[i]!, eager.value.data, `fork ${i} forward`);
    const outBar = Float64Array.from({ length: 32 }, () => rng.uniform(-1, 1));
    const bars = [new Float64Array(32), new Float64Array(8)];
    replays[i]!.backward(outBar, bars);
    eager.pullback(outBar).forEach((e, j) => assertSameBits(bars[j]!, e, `fork ${i} cotangent ${j}`));
  }
});

test('an unroll over forks chains outputs into inputs without copies and matches eager bit for bit', () => {
  const rng = new Rng(12);
  const steps = 3;
  const unroll = (x0: Tensor, ...cs: Tensor[]): Tensor => cs.reduce((x, c) => wallCartStep(x, c), x0);
  const x0 = rand([8, 4], rng, -1.2, 1.2);
  const cs = Array.from({ length: steps }, () => rand([8, 1], rng));
  const rec = record(wallCartStep, [x0, cs[0]!]);
  const forks = cs.map(() => rec.fork());
  const xs = [x0.data];
  forks.forEach((f, n) => xs.push(f.forward([xs[n]!, cs[n]!.data])));
  const eager = vjp(unroll, [x0, ...cs]);
  assertSameBits(xs[steps]!, eager.value.data, 'final state');
  const outBar = Float64Array.from({ length: 32 }, () => rng.uniform(-1, 1));
  const expected = eager.pullback(outBar);
  let xBar = outBar;
  for (let n = steps - 1; n >= 0; n--) {
    const prev = new Float64Array(32);
    const cBar = new Float64Array(8);
    forks[n]!.backward(xBar, [prev, cBar]);
    assertSameBits(cBar, expected[n + 1]!, `control ${n} cotangent`);
    xBar = prev;
  }
  assertSameBits(xBar, expected[0]!, 'initial state cotangent');
});

test('a fused kernel without a plan cannot be recorded, with an error naming it', () => {
  const fusedDouble = registerKernel({
    name: 'TestFusedDouble',
    forward: ([x]) => ({ data: x!.data.map((v) => 2 * v), shape: x!.shape }),
    vjp: (g) => [g.map((v) => 2 * v)],
  });
  const fn = (x: Tensor): Tensor => sin(runKernel(fusedDouble, [x], undefined));
  assert.throws(() => record(fn, [tensor([1, 2])]), /^Error: op TestFusedDouble cannot be recorded; it is a fused kernel/);
  // On constants only it is fine: the result is captured.
  const onConstants = (x: Tensor): Tensor => mul(x, runKernel(fusedDouble, [tensor([1, 2])], undefined));
  assert.deepEqual(Array.from(record(onConstants, [tensor([1, 1])]).forward([Float64Array.of(3, 4)])), [6, 16]);
});

test('forward and backward check their buffers', () => {
  const rec = record((x) => sin(x), [zeros([2, 2])]);
  assert.throws(() => rec.forward([new Float64Array(3)]), /forward: input 0 has 3 numbers, recorded shape \[2, 2\] needs 4/);
  assert.throws(() => rec.forward([]), /forward: 0 inputs given, the recording takes 1/);
  rec.forward([new Float64Array(4)]);
  assert.throws(() => rec.backward(new Float64Array(2), [null]), /outBar has 2 numbers/);
});

/** Bytes allocated in V8's young generation by `f` (min over trials; a trial spanning a scavenge is ignored). */
function youngBytes(f: () => void): number {
  const used = (): number => getHeapSpaceStatistics().find((s) => s.space_name === 'new_space')!.space_used_size;
  let best = Infinity;
  for (let t = 0; t < 7; t++) {
    const before = used();
    f();
    const grown = used() - before;
    if (grown >= 0) best = Math.min(best, grown);
  }
  return best;
}

test('replay allocates nothing per call and reuses its output buffer', () => {
  const rng = new Rng(8);
  const x = rand([8, 4], rng), c = rand([8, 1], rng);
  const rec = record(wallCartStep, [x, c]);
  const ins = [x.data, c.data];
  const outBar = new Float64Array(32).fill(0.1);
  const bars = [new Float64Array(32), new Float64Array(8)];
  const first = rec.forward(ins);
  const replay = (): void => {
    for (let i = 0; i < 200; i++) {
      rec.forward(ins);
      rec.backward(outBar, bars);
    }
  };
  for (let i = 0; i < 20; i++) replay(); // warm up: optimised code, no lazy allocations left
  assert.equal(rec.forward(ins), first, 'the same output buffer every call');
  const baseline = youngBytes(() => {}); // what reading the heap statistics allocates itself
  const replayed = youngBytes(replay) - baseline;
  const eager = youngBytes(() => {
    for (let i = 0; i < 20; i++) vjp(wallCartStep, [x, c]).pullback(outBar);
  }) - baseline;
  assert.ok(eager > 100_000, `the measurement sees the eager engine allocate (${eager} bytes)`);
  assert.ok(replayed < 1_000, `200 replays allocated ${replayed} bytes`);
});
