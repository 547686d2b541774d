import { test } from 'node:test';
import assert from 'node:assert/strict';
import { gradcheck, Rng, Tensor } from '../src/engine/index.js';
import { cartpole, CartpoleSimulator, CartpoleLoss, sampleCartpole, CARTPOLE_CONSTANTS } from '../src/physics/cartpole/index.js';
import { lossTerm, resolveSettings, simulatorStep } from '../src/physics/index.js';

const rng = new Rng(5);
const rand = (n: number, lo = -1, hi = 1): Float64Array => Float64Array.from({ length: n }, () => rng.uniform(lo, hi));

for (const poles of [1, 2, 4]) {
  test(`cart-pole step (${poles} poles) passes gradcheck in state and force`, () => {
    const sim = new CartpoleSimulator(poles, { ...CARTPOLE_CONSTANTS, dt: 0.05 });
    const B = 3;
    const x = new Tensor(rand(B * sim.stateSize, -3, 3), [B, sim.stateSize]);
    const c = new Tensor(rand(B, -5, 5), [B, 1]);
    const r = gradcheck((x, c) => simulatorStep(sim, x, c), [x, c]);
    assert.ok(r.maxRelError <= 1e-6, `relative error ${r.maxRelError}`);
  });
}

test('cart-pole FINAL loss passes gradcheck and is 0 upright, 2 hanging', () => {
  const loss = new CartpoleLoss(2);
  const x = new Tensor(rand(4 * 6, -3, 3), [4, 6]);
  const r = gradcheck((x) => lossTerm(loss, 6, x, 10, 10), [x]);
  assert.ok(r.maxRelError <= 1e-6);
  const up = new Float64Array(12);
  assert.equal(loss.term(up, 10, 10, 2, null), 0);
  const down = Float64Array.from({ length: 12 }, (_, i) => (i % 2 === 0 && i % 6 !== 0 ? Math.PI : 0));
  assert.ok(Math.abs(loss.term(down, 10, 10, 2, null) - 2) < 1e-15);
  assert.equal(loss.term(down, 9, 10, 2, null), 0, 'FINAL loss has no term before the last step');
});

test('cart-pole step matches the spec equations written out for one pole', () => {
  const sim = new CartpoleSimulator(1, { ...CARTPOLE_CONSTANTS, dt: 0.01 });
  const x = Float64Array.of(0.2, -0.3, 2.9, 0.7);
  const f = 1.5;
  const out = new Float64Array(4);
  sim.step(x, Float64Array.of(f), out, 1);
  const { g, m, M, l } = CARTPOLE_CONSTANTS;
  const s = Math.sin(2.9), k = Math.cos(2.9), q = s * 0.49;
  const A = (f + m * l * q) / M, Bi = l * (4 / 3 - (m * k * k) / M);
  const tdd = (g * s - k * A) / Bi;
  const xdd = (f + m * l * (q - tdd * k)) / M;
  const thd = 0.7 + 0.01 * tdd, xd = -0.3 + 0.01 * xdd;
  assert.deepEqual(Array.from(out), [0.2 + 0.01 * xd, xd, 2.9 + 0.01 * thd, thd]);
});

test('hanging at rest with no force is an equilibrium; upright at rest too', () => {
  const sim = new CartpoleSimulator(3, { ...CARTPOLE_CONSTANTS, dt: 0.01 });
  for (const angle of [Math.PI, 0]) {
    const x = Float64Array.from({ length: 8 }, (_, i) => (i >= 2 && i % 2 === 0 ? angle : 0));
    const out = new Float64Array(8);
    sim.step(x, Float64Array.of(0), out, 1);
    for (let i = 0; i < 8; i++) assert.ok(Math.abs(out[i]! - x[i]!) < 1e-15);
  }
});

test('initial states follow the spec distribution and the seed', () => {
  const x = sampleCartpole(2, 2000, new Rng(1));
  const y = sampleCartpole(2, 2000, new Rng(1));
  assert.deepEqual(x, y);
  for (let b = 0; b < 2000; b++) {
    for (const j of [0, 1, 3, 5]) assert.ok(Math.abs(x[b * 6 + j]!) <= 1);
    for (const j of [2, 4]) assert.ok(Math.abs(x[b * 6 + j]! - Math.PI) <= Math.PI / 6 + 1e-12);
  }
  assert.notDeepEqual(x, sampleCartpole(2, 2000, new Rng(2)));
});

test('settings: defaults, validation with clear messages', () => {
  const s = resolveSettings(cartpole, { poles: '3' });
  assert.equal(s.poles, 3);
  assert.equal(s.steps, 100);
  assert.throws(() => resolveSettings(cartpole, { poles: '0' }), /--poles: got "0", expected an integer from 1 to 16/);
  assert.throws(() => resolveSettings(cartpole, { polls: 2 }), /unknown cartpole setting "polls"; accepted: poles/);
  assert.throws(() => resolveSettings(cartpole, { zeroLastKernel: 'maybe' }), /true or false/);
  const inst = cartpole.create(s);
  assert.equal(inst.simulator.stateSize, 8);
  assert.equal(inst.referenceDataset, 'cartpole-poles3.json');
});
