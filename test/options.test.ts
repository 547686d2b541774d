/** The published code's options as settings and flags: loss kinds, MLP shape, optimizer hyperparameters, the float32 grid. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Rng } from '../src/engine/index.js';
import type { Mlp } from '../src/nn/mlp.js';
import { checkProblem } from '../src/physics/check.js';
import { cartpole } from '../src/physics/cartpole/index.js';
import { repulsion } from '../src/physics/repulsion/index.js';
import { float32Grid, quantum } from '../src/physics/quantum/index.js';
import { resolveSettings, type ProblemDefinition } from '../src/physics/index.js';
import { Unroll } from '../src/bptt/unroll.js';
import { UpdateRule } from '../src/bptt/update.js';
import { createOptimizer } from '../src/optim/index.js';
import { resolveTrainConfig } from '../src/train/config.js';
import { parseAxes, planSweep } from '../src/runs/sweep.js';
import { maxAbs, maxAbsDiff } from './helpers/reference.js';

const TINY = { steps: 6, width: 5 };

for (const def of [cartpole, repulsion]) {
  for (const loss of ['final', 'continuous']) {
    test(`${def.name} loss ${loss}: fused and tensor-code forms pass gradcheck and agree`, () => {
      const parts = checkProblem(def, { ...TINY, loss });
      for (const p of parts) assert.ok(p.ok, `${p.part}: ${p.detail}`);
      assert.ok(parts.some((p) => p.part === 'fused = automatic (loss)'));
    });
  }
}

/** The unroll's physics loss, and the per-state mean its definition names, for both kinds. */
function lossesOf(def: ProblemDefinition, perState: (x: Float64Array, B: number) => number): void {
  const B = 3;
  const values: Record<string, number> = {};
  let states: Float64Array[] = [];
  for (const loss of ['final', 'continuous']) {
    const p = def.create(resolveSettings(def, { ...TINY, loss, zeroLastKernel: false }));
    const rng = new Rng(3);
    const unroll = new Unroll({ ...p, batch: B, rc: 0 });
    values[loss] = unroll.forward(p.controller.initParams(rng), p.sample(B, rng)).physicsLoss;
    states = unroll.states;
  }
  const Nt = TINY.steps;
  const mean = states.slice(1).reduce((a, x) => a + perState(x, B), 0) / Nt;
  assert.ok(Math.abs(values.final! - perState(states[Nt]!, B)) < 1e-12, `final ${values.final} vs ${perState(states[Nt]!, B)}`);
  assert.ok(Math.abs(values.continuous! - mean) < 1e-12, `continuous ${values.continuous} vs ${mean}`);
  assert.ok(Math.abs(values.final! - values.continuous!) > 1e-6, 'the kinds differ');
}

test('cart-pole: FINAL is 1 − mean cos θ of x_Nt, CONTINUOUS its mean over steps 1 … Nt', () => {
  lossesOf(cartpole, (x, B) => {
    let s = 0;
    for (let b = 0; b < B; b++) for (let i = 1; i <= 2; i++) s += Math.cos(x[b * 6 + 2 * i]!);
    return 1 - s / (2 * B);
  });
});

test('repulsion: CONTINUOUS averages the evaders\' squared distance over steps, FINAL takes x_Nt', () => {
  lossesOf(repulsion, (x, B) => {
    let s = 0;
    for (let b = 0; b < B; b++) for (let e = 2; e < 6; e++) s += x[b * 24 + 4 * e]! ** 2 + x[b * 24 + 4 * e + 1]! ** 2;
    return s / (B * 4 * 2);
  });
});

test('a continuous cart-pole trains with fused and automatic gradients alike (mode R)', () => {
  const settings = resolveSettings(cartpole, { ...TINY, loss: 'continuous', zeroLastKernel: false });
  const fields = (['fused', 'automatic'] as const).map((gradients) => {
    const p = cartpole.create(settings, { gradients });
    const rng = new Rng(5);
    return Float64Array.from(new UpdateRule({ ...p, batch: 2 }).compute(p.controller.initParams(rng), p.sample(2, rng), 'full').update);
  });
  assert.ok(maxAbs(fields[0]!) > 1e-6);
  assert.ok(maxAbsDiff(fields[0]!, fields[1]!) <= 1e-10 * maxAbs(fields[0]!));
});

for (const def of [cartpole, repulsion]) {
  test(`${def.name}: the MLP takes per-layer widths (--hidden) and no biases (--bias false)`, () => {
    const ctl = (s: Record<string, unknown>): Mlp => def.create(resolveSettings(def, s)).controller as Mlp;
    const shaped = ctl({ hidden: '7, 3', bias: false });
    assert.deepEqual(shaped.sizes.slice(1, -1), [7, 3]);
    assert.ok(shaped.layout.every((p) => p.name.endsWith('/kernel')), 'no bias arrays');
    const n = shaped.sizes;
    assert.equal(shaped.paramCount, n[0]! * 7 + 7 * 3 + 3 * n[3]!);
    assert.equal(ctl({ hidden: '7,3' }).paramCount, shaped.paramCount + 7 + 3 + n[3]!, 'with biases: one per unit');
    assert.deepEqual(ctl({ width: 4, depth: 3 }).sizes.slice(1, -1), [4, 4, 4], 'without --hidden: --depth layers of --width');
    for (const bad of ['0', '7,x', '7,,3', '5000'])
      assert.throws(() => resolveSettings(def, { hidden: bad }), new RegExp(`^Error: --hidden: got "${bad}", expected comma-separated integers, each from 1 to 4096$`));
    assert.throws(() => resolveSettings(def, { bias: 'maybe' }), /^Error: --bias: got "maybe", expected true or false$/);
  });
}

test('optimizer hyperparameters: each changes the rule it belongs to; SGD --momentum 0.9 is SGDMOM090', () => {
  const run = (name: Parameters<typeof createOptimizer>[0], params = {}): number[] => {
    const opt = createOptimizer(name, 1, 0.1, undefined, params);
    const p = Float64Array.of(2);
    const out: number[] = [];
    for (let t = 0; t < 4; t++) {
      opt.step(p, Float64Array.of(2 * p[0]! - 1));
      out.push(p[0]!);
    }
    return out;
  };
  // Adam with β1 0.5, β2 0.9, ε 1e-3 by hand (Keras form).
  let x = 2, m = 0, v = 0;
  const want: number[] = [];
  for (let t = 1; t <= 4; t++) {
    const g = 2 * x - 1;
    m = 0.5 * m + 0.5 * g;
    v = 0.9 * v + 0.1 * g * g;
    x -= ((0.1 * Math.sqrt(1 - 0.9 ** t)) / (1 - 0.5 ** t)) * (m / (Math.sqrt(v) + 1e-3));
    want.push(x);
  }
  const got = run('ADAM', { beta1: 0.5, beta2: '0.9', epsilon: 1e-3 });
  got.forEach((g, i) => assert.ok(Math.abs(g - want[i]!) < 1e-14, `step ${i + 1}: ${g} vs ${want[i]}`));
  assert.notDeepEqual(run('ADAM'), got);
  assert.deepEqual(run('SGD', { momentum: 0.9 }), run('SGDMOM090'));
  assert.notDeepEqual(run('RMSPROP', { rho: 0.5 }), run('RMSPROP'));
  assert.notDeepEqual(run('ADADELTA', { rho: 0.5, epsilon: 1e-3 }), run('ADADELTA'));
  assert.notDeepEqual(run('ADAGRAD', { initialAccumulator: 1 }), run('ADAGRAD'));
  // A resumed optimizer with hyperparameters continues as the uninterrupted one.
  const a = createOptimizer('SGD', 1, 0.1, undefined, { momentum: 0.5 });
  const p = Float64Array.of(1);
  a.step(p, Float64Array.of(1));
  const b = createOptimizer('SGD', 1, 0.1, a.state(), { momentum: 0.5 });
  const q = Float64Array.from(p);
  a.step(p, Float64Array.of(1));
  b.step(q, Float64Array.of(1));
  assert.deepEqual(q, p);
});

test('boolean hyperparameters follow the Keras formulas: AMSGrad, Nesterov, RMSPROP with momentum and centred', () => {
  const traj = (name: Parameters<typeof createOptimizer>[0], params: Record<string, unknown>): number[] => {
    const opt = createOptimizer(name, 1, 0.1, undefined, params);
    const p = Float64Array.of(2);
    return Array.from({ length: 5 }, (_, t) => {
      opt.step(p, Float64Array.of(t === 2 ? -3 : 2 * p[0]! - 1)); // a sign flip at step 3 makes v̂ matter
      return p[0]!;
    });
  };
  const by = (f: (x: number, g: number, t: number) => number): number[] => {
    let x = 2;
    return Array.from({ length: 5 }, (_, t) => (x = f(x, t === 2 ? -3 : 2 * x - 1, t + 1)));
  };
  const near = (a: number[], b: number[], what: string): void => a.forEach((v, i) => assert.ok(Math.abs(v - b[i]!) < 1e-14, `${what} step ${i + 1}: ${v} vs ${b[i]}`));
  let m = 0, v = 0, vh = 0;
  near(traj('ADAM', { amsgrad: 'true' }), by((x, g, t) => {
    m += (g - m) * 0.1;
    v += (g * g - v) * 0.001;
    vh = Math.max(vh, v);
    return x - (m * ((0.1 * Math.sqrt(1 - 0.999 ** t)) / (1 - 0.9 ** t))) / (Math.sqrt(vh) + 1e-7);
  }), 'amsgrad');
  let a = 0;
  near(traj('SGD', { momentum: 0.5, nesterov: true }), by((x, g) => ((a = 0.5 * a - 0.1 * g), x + 0.5 * a - 0.1 * g)), 'nesterov');
  let ms = 0, mom = 0, mg = 0;
  near(traj('RMSPROP', { momentum: 0.5 }), by((x, g) => {
    ms += (g * g - ms) * 0.1;
    mom = mom * 0.5 + (g * 0.1) / Math.sqrt(ms + 1e-7);
    return x - mom;
  }), 'rmsprop momentum');
  ms = 0; mom = 0; mg = 0;
  near(traj('RMSPROP', { momentum: 0.5, centered: true }), by((x, g) => {
    ms += (g * g - ms) * 0.1;
    mg += (g - mg) * 0.1;
    mom = mom * 0.5 + (g * 0.1) / Math.sqrt(ms - mg * mg + 1e-7);
    return x - mom;
  }), 'centred rmsprop with momentum');
  ms = 0; mg = 0;
  near(traj('RMSPROP', { centered: true }), by((x, g) => {
    ms = 0.9 * ms + 0.1 * g * g;
    mg = 0.9 * mg + 0.1 * g;
    return x - (0.1 * g) / (Math.sqrt(ms - mg * mg) + 1e-7);
  }), 'centred rmsprop');
  assert.throws(() => createOptimizer('ADAM', 1, 0.1, undefined, { amsgrad: 'yes please' }), /^Error: --amsgrad: got "yes please", expected true or false$/);
  assert.throws(() => createOptimizer('ADAM', 1, 0.1, undefined, { centered: true }), /^Error: --centered: ADAM has no centered; it is a hyperparameter of RMSPROP$/);
});

test('optimizer flags: validated with the flag named; recorded only when they differ from the defaults', () => {
  const base = { settings: { steps: 5 } };
  const cases: [Record<string, unknown>, string, RegExp][] = [
    [{ beta1: '1' }, 'ADAM', /^Error: --beta1: got "1", expected a number ≥ 0 and < 1$/],
    [{ epsilon: '0' }, 'ADAM', /^Error: --epsilon: got "0", expected a number > 0$/],
    [{ rho: 'abc' }, 'RMSPROP', /^Error: --rho: got "abc", expected a number ≥ 0 and < 1$/],
    [{ beta2: '0.99' }, 'SGD', /^Error: --beta2: SGD has no beta2; it is a hyperparameter of ADAM$/],
    [{ momentum: '0.5' }, 'SGDMOM090', /^Error: --momentum: SGDMOM090 has no momentum; .*fixes it at 0\.9; use SGD --momentum 0\.9/],
    [{ initialAccumulator: '-1' }, 'ADAGRAD', /^Error: --initial-accumulator: got "-1", expected a number ≥ 0$/],
  ];
  for (const [optimizerParams, optimizer, msg] of cases) assert.throws(() => resolveTrainConfig(cartpole, { ...base, optimizer, optimizerParams }), msg);
  assert.equal('optimizerParams' in resolveTrainConfig(cartpole, { ...base, optimizerParams: { beta1: '0.9', epsilon: '1e-7' } }), false);
  assert.deepEqual(resolveTrainConfig(cartpole, { ...base, optimizerParams: { beta1: '0.8', beta2: '0.999' } }).optimizerParams, { beta1: 0.8 });
});

test('quantum --grid float32: the published float32 range (k·dx within float32 rounding), recorded only when chosen', () => {
  const exact = quantum.create(resolveSettings(quantum, {}));
  const f32 = quantum.create(resolveSettings(quantum, { grid: 'float32' }));
  const xe = (exact.simulator as unknown as { x: Float64Array }).x;
  const xf = (f32.simulator as unknown as { x: Float64Array }).x;
  assert.deepEqual(xf, float32Grid(32));
  assert.ok(xf.every((v) => Math.fround(v) === v), 'float32 values');
  assert.ok(maxAbsDiff(xf, xe) > 0 && maxAbsDiff(xf, xe) < 1e-6);
  // x_k accumulates: x_2 = fl32(fl32(dx) + fl32(dx)), which is not fl32(2·dx) in general; the last point stays below 2.
  assert.equal(xf[0], Math.fround(2 / 33));
  assert.ok(xf[31]! < 2);
  const rng = new Rng(1);
  const x0 = exact.sample(2, rng);
  const c = Float64Array.of(3, -2);
  const [a, b] = [new Float64Array(128), new Float64Array(128)];
  exact.simulator.step(x0, c, a, 2);
  f32.simulator.step(x0, c, b, 2);
  assert.ok(maxAbsDiff(a, b) > 0, 'the step sees the other grid');
  assert.throws(() => quantum.create(resolveSettings(quantum, { nx: 60, grid: 'float32' })), /^Error: --grid float32: with Nx = 60 the published float32 range has \d+ interior points, not 60/);
  assert.equal(resolveTrainConfig(quantum, {}).settings.grid, undefined);
  assert.equal(resolveTrainConfig(quantum, { settings: { grid: 'float32' } }).settings.grid, 'float32');
});

test('sweep names of configs made before these options existed stay the same', () => {
  // Digests of the published grids computed before loss kinds, --hidden, --grid, --truncate and the optimizer flags existed.
  const names: [ProblemDefinition, string, string][] = [
    [cartpole, 'cartpole-63c90e21', 'cartpole-ada15b8b'],
    [repulsion, 'repulsion-10410ee1', 'repulsion-1ffa758e'],
    [quantum, 'quantum-f0b99ae9', 'quantum-ed2dc49d'],
  ];
  for (const [def, full, small] of names) {
    assert.equal(planSweep(def, {}, parseAxes(def, {})).name, full);
    assert.equal(planSweep(def, { epochs: 2 }, parseAxes(def, { modes: 'R,C', clip: 'NORM' })).name, small);
  }
  assert.notEqual(planSweep(cartpole, { settings: { loss: 'continuous' } }, parseAxes(cartpole, {})).name, 'cartpole-63c90e21');
});
