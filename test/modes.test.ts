import { test } from 'node:test';
import assert from 'node:assert/strict';
import { grad, Rng, Tensor } from '../src/engine/index.js';
import { Mlp } from '../src/nn/mlp.js';
import { cartpole } from '../src/physics/cartpole/index.js';
import { resolveSettings, type ProblemInstance } from '../src/physics/index.js';
import { UpdateRule } from '../src/bptt/update.js';
import { combineSignAgreement } from '../src/bptt/combine.js';
import { parseMode, parseSchedule, type BaseMode } from '../src/bptt/modes.js';
import { composedMlp, maxAbs, maxAbsDiff, referenceLoss } from './helpers/reference.js';

/** A tiny cart-pole whose controller starts non-zero, so every mode's field is non-trivial. */
function tinyCartpole(rc = 0, steps = 7): { problem: ProblemInstance; theta: Float64Array; x0: Float64Array; B: number } {
  const base = cartpole.create(resolveSettings(cartpole, { poles: 2, steps, duration: steps * 0.05, width: 6, zeroLastKernel: false }));
  const problem = { ...base, rc };
  const rng = new Rng(42);
  const theta = problem.controller.initParams(rng);
  for (let i = 0; i < theta.length; i++) theta[i]! += rng.uniform(-0.2, 0.2);
  const B = 3;
  return { problem, theta, x0: problem.sample(B, rng), B };
}

function referenceGrad(problem: ProblemInstance, theta: Float64Array, x0: Float64Array, modes: BaseMode | BaseMode[]): Float64Array {
  const mlp = problem.controller as Mlp;
  const f = (t: Tensor): Tensor => referenceLoss(problem, (x, th) => composedMlp(mlp, x, th), t, new Tensor(x0, [x0.length]), modes);
  return grad(f)(new Tensor(theta, [theta.length]))[0]!;
}

function ruleFor(problem: ProblemInstance, B: number): UpdateRule {
  return new UpdateRule({ ...problem, batch: B });
}

for (const rc of [0, 0.3]) {
  for (const mode of ['full', 'physics', 'network', 'stop'] as const) {
    test(`mode ${mode} (rc ${rc}) equals autodiff with stopGradient placed as the spec says`, () => {
      const { problem, theta, x0, B } = tinyCartpole(rc);
      const ours = ruleFor(problem, B).compute(theta, x0, mode).update;
      const ref = referenceGrad(problem, theta, x0, mode);
      assert.ok(maxAbs(ref) > 1e-4, 'the field is not trivially zero');
      assert.ok(maxAbsDiff(ours, ref) <= 1e-10 * maxAbs(ref), `${mode}: max diff ${maxAbsDiff(ours, ref)}`);
    });
  }
}

test('modes differ from each other (the test above could fail)', () => {
  const { problem, theta, x0, B } = tinyCartpole();
  const rule = ruleFor(problem, B);
  const fields = (['full', 'physics', 'network', 'stop'] as const).map((m) => Float64Array.from(rule.compute(theta, x0, m).update));
  for (let i = 0; i < 4; i++) for (let j = i + 1; j < 4; j++) assert.ok(maxAbsDiff(fields[i]!, fields[j]!) > 1e-6);
});

test('a per-step schedule equals autodiff with per-step stopGradient', () => {
  const { problem, theta, x0, B } = tinyCartpole(0.1);
  const schedule = parseSchedule('R*2,M*2,N,S,R', problem.steps);
  const ours = ruleFor(problem, B).compute(theta, x0, schedule).update;
  const ref = referenceGrad(problem, theta, x0, schedule);
  assert.ok(maxAbsDiff(ours, ref) <= 1e-10 * maxAbs(ref));
});

test('mode full equals central finite differences of the loss', () => {
  const { problem, theta, x0, B } = tinyCartpole(0.2);
  const rule = ruleFor(problem, B);
  const g = Float64Array.from(rule.compute(theta, x0, 'full').update);
  const rng = new Rng(9);
  const h = 1e-6;
  for (let k = 0; k < 4; k++) {
    const dir = Float64Array.from({ length: theta.length }, () => rng.uniform(-1, 1));
    const at = (s: number): number => rule.unroll.forward(theta.map((v, i) => v + s * dir[i]!), x0).loss;
    const numeric = (at(h) - at(-h)) / (2 * h);
    const analytic = g.reduce((a, v, i) => a + v * dir[i]!, 0);
    assert.ok(Math.abs(numeric - analytic) <= 1e-6 * Math.abs(analytic), `direction ${k}: ${numeric} vs ${analytic}`);
  }
});

test('combine rule on crafted vectors: agreement kept, disagreement, zeros and NaN dropped', () => {
  const base = Float64Array.of(1, -2, 3, -4, 5, 0, NaN, 6);
  const cmp = Float64Array.of(0.5, -0.1, -3, 4, 0, 1, 1, NaN);
  assert.deepEqual(Array.from(combineSignAgreement(base, cmp, new Float64Array(8))), [1, -2, 0, 0, 0, 0, 0, 0]);
});

test('combined mode: one forward pass equals two separate passes, and the combine rule holds on a real batch', () => {
  const { problem, theta, x0, B } = tinyCartpole(0.05, 40);
  const r = ruleFor(problem, B).compute(theta, x0, 'combined');
  const u = Float64Array.from(r.update);
  const gM = Float64Array.from(r.gM!);
  const gR = Float64Array.from(r.gR!);
  const separate = ruleFor(problem, B);
  const m = Float64Array.from(separate.compute(theta, x0, 'physics').update);
  const full = Float64Array.from(separate.compute(theta, x0, 'full').update);
  assert.deepEqual(gM, m);
  assert.deepEqual(gR, full);
  assert.deepEqual(u, combineSignAgreement(m, full, new Float64Array(m.length)));
  let kept = 0;
  for (let i = 0; i < u.length; i++) {
    if (u[i] !== 0) {
      kept++;
      assert.equal(u[i], gM[i]);
      assert.equal(Math.sign(gM[i]!), Math.sign(gR[i]!));
    } else assert.ok(gM[i] === 0 || Math.sign(gM[i]!) !== Math.sign(gR[i]!));
  }
  assert.ok(kept > 0 && kept < u.length, `kept ${kept} of ${u.length}`);
  const dot = gM.reduce((a, v, i) => a + v * gR[i]!, 0);
  const cos = dot / Math.sqrt(gM.reduce((a, v) => a + v * v, 0) * gR.reduce((a, v) => a + v * v, 0));
  assert.ok(Math.abs(r.cosSim - cos) < 1e-12);
  assert.ok(Math.abs(r.gradSize - u.reduce((a, v) => a + v * v, 0)) < 1e-15);
});

test('at a global minimum (loss 0) the physics-mode update is 0; nearby it is not', () => {
  const { problem, theta, B } = tinyCartpole();
  // Zero the last layer: the controller outputs 0, and upright-at-rest poles stay upright: L = 0.
  const last = (problem.controller as Mlp).layout.slice(-2);
  for (const p of last) theta.fill(0, p.offset, p.offset + p.size);
  const upright = new Float64Array(B * problem.simulator.stateSize);
  const rule = ruleFor(problem, B);
  const r = rule.compute(theta, upright, 'physics');
  assert.equal(r.loss, 0);
  assert.ok(r.update.every((v) => v === 0));
  const nudged = upright.map((v, i) => (i % 6 === 2 ? 0.05 : v));
  const r2 = rule.compute(theta, nudged, 'physics');
  assert.ok(r2.loss > 0 && maxAbs(r2.update) > 0);
});

test('mode names: words, paper letters and code letters', () => {
  assert.equal(parseMode('R'), 'full');
  assert.equal(parseMode('f'), 'full');
  assert.equal(parseMode('M'), 'physics');
  assert.equal(parseMode('P'), 'physics');
  assert.equal(parseMode('N'), 'network');
  assert.equal(parseMode('S'), 'stop');
  assert.equal(parseMode('combined'), 'combined');
  assert.throws(() => parseMode('X'), /unknown gradient mode "X"; accepted: full\|R\|F/);
  assert.throws(() => parseSchedule('R*3', 7), /covers 3 steps but the unroll has 7/);
});
