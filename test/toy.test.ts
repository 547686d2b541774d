import { test } from 'node:test';
import assert from 'node:assert/strict';
import { TOY_DEFAULTS, runToy, toyField, toyLoss } from '../src/train/toy.js';

const defaults = runToy();

test('defaults follow the paper ordering: gradient < combined < rotated / 10', () => {
  const g = defaults.gradient.finalMeanLoss;
  const r = defaults.rotated.finalMeanLoss;
  const c = defaults.combined.finalMeanLoss;
  assert.ok(g < c && c < r, `gradient ${g}, combined ${c}, rotated ${r}`);
  assert.ok(c < r / 10, `combined ${c} not below rotated/10 = ${r / 10}`);
});

test('defaults reproduce toy.md within ±20 %', () => {
  const expected = { gradient: 3.8e-7, rotated: 2.3, combined: 5.4e-2 } as const;
  for (const kind of ['gradient', 'rotated', 'combined'] as const) {
    const got = defaults[kind].finalMeanLoss;
    const want = expected[kind];
    assert.ok(Math.abs(got - want) <= 0.2 * want, `${kind}: ${got} vs ${want}`);
  }
});

test('runs have the documented shapes and start at the start point', () => {
  for (const kind of ['gradient', 'rotated', 'combined'] as const) {
    const run = defaults[kind];
    assert.equal(run.losses.length, TOY_DEFAULTS.iterations);
    assert.equal(run.trajectory.length, TOY_DEFAULTS.iterations + 1);
    assert.deepEqual(run.trajectory[0], [2, 4]);
    // losses[i] is the loss at the point reached after iteration i.
    assert.equal(run.losses[7], toyLoss(run.trajectory[8]!));
    const tail = run.losses.slice(-TOY_DEFAULTS.lastMean);
    assert.equal(run.finalMeanLoss, tail.reduce((a, b) => a + b, 0) / tail.length);
  }
  const other = runToy({ start: [-1, 0.5], iterations: 10, lastMean: 3 });
  assert.deepEqual(other.combined.trajectory[0], [-1, 0.5]);
  assert.equal(other.combined.losses.length, 10);
});

test('the rotation is clockwise: R(−90°) maps g = (0, 2) to (2, 0)', () => {
  const out = toyField('rotated', [0, 1], 90, new Float64Array(2));
  assert.ok(Math.abs(out[0]! - 2) < 1e-12 && Math.abs(out[1]!) < 1e-12, `got ${Array.from(out)}`);
  // At θ = (2, 1), g = (4, 2): r₁ = −4 sin60° + 2 cos60° = 1 − 2√3 < 0
  // disagrees with g₁ > 0, so the combination zeroes it and keeps r₀ = 2 + √3.
  const r = toyField('rotated', [2, 1], 60, new Float64Array(2));
  assert.ok(Math.abs(r[0]! - (2 + Math.sqrt(3))) < 1e-12 && Math.abs(r[1]! - (1 - 2 * Math.sqrt(3))) < 1e-12);
  const c = toyField('combined', [2, 1], 60, new Float64Array(2));
  assert.deepEqual(Array.from(c), [r[0]!, 0]);
  assert.throws(() => toyField('spiral' as 'rotated', [0, 0], 60, new Float64Array(2)), /accepted values/);
});

test('with angle 0 the rotated and combined runs equal the gradient run', () => {
  const res = runToy({ angleDeg: 0 });
  assert.deepEqual(res.rotated.losses, res.gradient.losses);
  assert.deepEqual(res.combined.trajectory, res.gradient.trajectory);
});

test('invalid options throw errors naming the field and the accepted range', () => {
  assert.throws(() => runToy({ lr: 0 }), /lr must be a finite number > 0/);
  assert.throws(() => runToy({ angleDeg: Number.NaN }), /angleDeg/);
  assert.throws(() => runToy({ iterations: 2.5 }), /iterations must be an integer from 1 to 100000, got 2.5/);
  assert.throws(() => runToy({ lastMean: 500 }), /lastMean must be an integer in \[1, iterations=200\]/);
  assert.throws(() => runToy({ start: [1, Number.POSITIVE_INFINITY] }), /start must be two finite numbers/);
  assert.throws(() => runToy({ start: [1] as unknown as [number, number] }), /start/);
});
