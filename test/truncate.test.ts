import { test } from 'node:test';
import assert from 'node:assert/strict';
import { grad, Rng, Tensor } from '../src/engine/index.js';
import type { Mlp } from '../src/nn/mlp.js';
import { cartpole } from '../src/physics/cartpole/index.js';
import { repulsion } from '../src/physics/repulsion/index.js';
import { resolveSettings, type ProblemDefinition, type ProblemInstance, type Settings } from '../src/physics/index.js';
import { UpdateRule } from '../src/bptt/update.js';
import { combineSignAgreement } from '../src/bptt/combine.js';
import { fieldLabel, parseFieldChoice, parseSchedule, type BaseMode } from '../src/bptt/modes.js';
import { resolveTrainConfig } from '../src/train/config.js';
import { parseAxes, planSweep } from '../src/runs/sweep.js';
import { composedMlp, maxAbs, maxAbsDiff, referenceLoss } from './helpers/reference.js';

const STEPS = 7;

/** A tiny problem whose controller starts non-zero, so every truncated field is non-trivial. */
function tiny(def: ProblemDefinition, settings: Settings, rc: number): { problem: ProblemInstance; theta: Float64Array; x0: Float64Array; B: number } {
  const base = def.create(resolveSettings(def, { ...settings, steps: STEPS, width: 6, zeroLastKernel: false }));
  const problem = { ...base, rc };
  const rng = new Rng(7);
  const theta = problem.controller.initParams(rng);
  for (let i = 0; i < theta.length; i++) theta[i]! += rng.uniform(-0.2, 0.2);
  const B = 3;
  return { problem, theta, x0: problem.sample(B, rng), B };
}

/** Autodiff of the unroll with stopGradient on the state every k steps (and per-step mode stops). */
function referenceGrad(problem: ProblemInstance, theta: Float64Array, x0: Float64Array, modes: BaseMode | BaseMode[], k: number | null): Float64Array {
  const mlp = problem.controller as Mlp;
  const f = (t: Tensor): Tensor => referenceLoss(problem, (x, th) => composedMlp(mlp, x, th), t, new Tensor(x0, [x0.length]), modes, {}, k);
  return grad(f)(new Tensor(theta, [theta.length]))[0]!;
}

const close = (ours: Float64Array, ref: Float64Array, what: string): void => {
  assert.ok(maxAbs(ref) > 1e-5, `${what}: the field is not trivially zero`);
  assert.ok(maxAbsDiff(ours, ref) <= 1e-10 * maxAbs(ref), `${what}: max diff ${maxAbsDiff(ours, ref)}`);
};

// Cart-pole (one control: the scalar-output road) with a CONTINUOUS loss so every block has feedback;
// repulsion (four controls: the general road).
const CASES = [
  { def: cartpole, settings: { poles: 2, duration: STEPS * 0.05, loss: 'continuous' } },
  { def: repulsion, settings: { drivers: 1, evaders: 2, duration: STEPS * 0.1 } },
] as const;

for (const { def, settings } of CASES) {
  for (const mode of ['full', 'physics', 'network', 'stop'] as const) {
    test(`${def.name}: mode ${mode} truncated to k = 1, 2, 3 equals autodiff with stop-gradients on the state every k steps`, () => {
      const { problem, theta, x0, B } = tiny(def, settings, 0.2);
      const rule = new UpdateRule({ ...problem, batch: B });
      for (const k of [1, 2, 3]) close(rule.compute(theta, x0, mode, k).update, referenceGrad(problem, theta, x0, mode, k), `${mode}/${k}`);
    });
  }
}

test('truncation cuts feedback: R/k differs from R for k < Nt and from R/k′, k′ ≠ k; R/1 is S', () => {
  const { problem, theta, x0, B } = tiny(cartpole, CASES[0].settings, 0);
  const rule = new UpdateRule({ ...problem, batch: B });
  const field = (k: number | null, mode: 'full' | 'stop' = 'full'): Float64Array => Float64Array.from(rule.compute(theta, x0, mode, k).update);
  const full = field(null);
  assert.deepEqual(field(STEPS), full, 'k = Nt equals R exactly');
  assert.ok(maxAbsDiff(field(3), full) > 1e-6 * maxAbs(full));
  assert.ok(maxAbsDiff(field(2), field(3)) > 1e-6 * maxAbs(full));
  assert.deepEqual(field(1), field(null, 'stop'), 'k = 1 leaves one-step feedback: mode S');
});

test('a truncated schedule equals autodiff with the schedule\'s stops and the cuts', () => {
  const { problem, theta, x0, B } = tiny(cartpole, CASES[0].settings, 0.1);
  const schedule = parseSchedule('R*2,M*2,N,S,R', problem.steps);
  close(new UpdateRule({ ...problem, batch: B }).compute(theta, x0, schedule, 3).update, referenceGrad(problem, theta, x0, schedule, 3), 'schedule/3');
});

test('mode C truncated combines the truncated M and R fields of autodiff', () => {
  const { problem, theta, x0, B } = tiny(repulsion, CASES[1].settings, 0.1);
  const r = new UpdateRule({ ...problem, batch: B }).compute(theta, x0, 'combined', 3);
  const gM = referenceGrad(problem, theta, x0, 'physics', 3);
  const gR = referenceGrad(problem, theta, x0, 'full', 3);
  close(Float64Array.from(r.gM!), gM, 'C/3 base');
  close(Float64Array.from(r.gR!), gR, 'C/3 comparison');
  const u = Float64Array.from(r.update);
  assert.deepEqual(u, combineSignAgreement(Float64Array.from(r.gM!), Float64Array.from(r.gR!), new Float64Array(u.length)));
});

test('--truncate: validated against Nt, recorded only when given; sweeps spell it R/k', () => {
  const small = { settings: { steps: 20 }, epochs: 1 };
  assert.equal(resolveTrainConfig(cartpole, { ...small, truncate: '5' }).truncate, 5);
  assert.equal('truncate' in resolveTrainConfig(cartpole, small), false, 'no truncation: the config has no such key');
  for (const bad of ['0', '21', '2.5', 'x', '-1']) assert.throws(() => resolveTrainConfig(cartpole, { ...small, truncate: bad }), new RegExp(`^Error: --truncate: got "?${bad.replace('.', '\\.')}"?`));
  assert.throws(() => resolveTrainConfig(cartpole, { ...small, truncate: '21' }), /from 1 to Nt = 20/);
  assert.deepEqual(parseFieldChoice('R/10'), { mode: 'full', truncate: 10 });
  assert.deepEqual(parseFieldChoice('c'), { mode: 'combined', truncate: null });
  for (const bad of ['R/0', 'R/', 'R/1/2', 'Q/3']) assert.throws(() => parseFieldChoice(bad));
  const axes = parseAxes(cartpole, { complexity: '1', modes: 'R,R/10,C/10,R/10', clip: 'NORM' });
  assert.deepEqual(axes.modes.map(fieldLabel), ['R', 'R/10', 'C/10']);
  const plan = planSweep(cartpole, { epochs: 1 }, axes);
  assert.deepEqual(plan.configs.map((c) => fieldLabel(c)), ['R', 'R/10', 'C/10']);
  assert.throws(() => parseAxes(cartpole, { modes: 'R/x' }), /^Error: --modes: "R\/x": the truncation window got "x"/);
  assert.throws(() => planSweep(cartpole, { settings: { steps: 20 } }, parseAxes(cartpole, { modes: 'R/50' })), /^Error: --modes: truncation window: got 50, expected .* from 1 to Nt = 20/);
});
