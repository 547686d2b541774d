import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { grad, gradcheck, Rng, Tensor } from '../src/engine/index.js';
import { Mlp } from '../src/nn/mlp.js';
import {
  repulsion,
  REPULSION_CONSTANTS,
  REPULSION_TERMS,
  RepulsionLoss,
  RepulsionSimulator,
  sampleRepulsion,
  type RepulsionConstants,
  type RepulsionTerm,
} from '../src/physics/repulsion/index.js';
import { lossTerm, resolveSettings, simulatorStep, type ProblemInstance } from '../src/physics/index.js';
import { UpdateRule } from '../src/bptt/update.js';
import { combineSignAgreement } from '../src/bptt/combine.js';
import type { BaseMode } from '../src/bptt/modes.js';
import { composedMlp, maxAbs, maxAbsDiff, referenceLoss } from './helpers/reference.js';

const K: RepulsionConstants = { ...REPULSION_CONSTANTS, dt: 4 / 60 };
const rng = new Rng(17);
const rand = (n: number, lo = -1, hi = 1): Float64Array => Float64Array.from({ length: n }, () => rng.uniform(lo, hi));

/** Random positions in [−2, 2]², velocities in [−1, 1]², per agent, for B samples. */
function randomState(drivers: number, evaders: number, B: number): Float64Array {
  const x = new Float64Array(B * 4 * (drivers + evaders));
  for (let i = 0; i < x.length; i++) x[i] = i % 4 < 2 ? rng.uniform(-2, 2) : rng.uniform(-1, 1);
  return x;
}

function checkStep(sim: RepulsionSimulator, B: number, what: string): void {
  const x = new Tensor(randomState(sim.drivers, sim.evaders, B), [B, sim.stateSize]);
  const c = new Tensor(rand(B * sim.controlSize, -2, 2), [B, sim.controlSize]);
  const r = gradcheck((x, c) => simulatorStep(sim, x, c), [x, c]);
  assert.ok(r.maxRelError <= 1e-6, `${what}: relative error ${r.maxRelError}`);
  const [xg, cg] = r.perInput;
  assert.ok(maxAbs(xg!.analytic) > 0, `${what}: state gradient is not trivially zero`);
  if (sim.terms.includes('control')) assert.ok(maxAbs(cg!.analytic) > 0, `${what}: control gradient is not trivially zero`);
}

for (const term of REPULSION_TERMS) {
  test(`force term "${term}" alone passes gradcheck in state and control (2 drivers, 3 evaders, B 2)`, () => {
    checkStep(new RepulsionSimulator(2, 3, K, { terms: [term] }), 2, term);
  });
}

for (const [drivers, evaders] of [[1, 1], [2, 3], [3, 5]] as const) {
  test(`whole step (${drivers} drivers, ${evaders} evaders) passes gradcheck`, () => {
    checkStep(new RepulsionSimulator(drivers, evaders, K), 2, `${drivers}x${evaders}`);
  });
}

test('xBar null: cBar is the same, and the VJP overwrites rather than accumulates', () => {
  const sim = new RepulsionSimulator(2, 3, K);
  const B = 2;
  const x = randomState(2, 3, B), c = rand(B * 4), next = new Float64Array(x.length);
  sim.step(x, c, next, B);
  const lam = rand(x.length);
  const xBar = new Float64Array(x.length).fill(7), cBar = new Float64Array(c.length).fill(7);
  sim.stepVjp(x, c, next, lam, xBar, cBar, B);
  const xBar2 = new Float64Array(x.length).fill(-3), cBar2 = new Float64Array(c.length).fill(-3);
  sim.stepVjp(x, c, next, lam, xBar2, cBar2, B);
  assert.deepEqual(xBar2, xBar);
  assert.deepEqual(cBar2, cBar);
  const cBar3 = new Float64Array(c.length).fill(5);
  sim.stepVjp(x, c, next, lam, null, cBar3, B);
  assert.deepEqual(cBar3, cBar);
});

/** The spec's accelerations written out plainly, agent by agent, for one sample. */
function specAccelerations(x: ArrayLike<number>, c: ArrayLike<number>, nd: number, ne: number, k: RepulsionConstants): number[] {
  const A = nd + ne;
  const p = (a: number): [number, number] => [x[4 * a]!, x[4 * a + 1]!];
  const v = (a: number): [number, number] => [x[4 * a + 2]!, x[4 * a + 3]!];
  const dist = (a: [number, number], b: [number, number]): number => k.eps + Math.hypot(a[0] - b[0], a[1] - b[1]);
  let S: [number, number] = [0, 0];
  for (let e = nd; e < A; e++) S = [S[0] + p(e)[0], S[1] + p(e)[1]];
  const acc: number[] = [];
  for (let a = 0; a < A; a++) {
    const [px, py] = p(a), [vx, vy] = v(a);
    let ax = 0, ay = 0;
    if (a < nd) {
      const D = [px - S[0], py - S[1]], ur = c[2 * a]!, ut = c[2 * a + 1]!;
      ax += ur * D[0]! - ut * D[1]!;
      ay += ur * D[1]! + ut * D[0]!;
      ax -= k.cFricDr * vx;
      ay -= k.cFricDr * vy;
      for (let j = 0; j < nd; j++) {
        if (j === a) continue;
        const d = dist(p(a), p(j));
        ax += (k.cSpread * (px - p(j)[0])) / (d * d);
        ay += (k.cSpread * (py - p(j)[1])) / (d * d);
      }
    } else {
      for (let j = 0; j < nd; j++) {
        const d = dist(p(a), p(j));
        ax += (k.cEvade * (px - p(j)[0])) / (d * d);
        ay += (k.cEvade * (py - p(j)[1])) / (d * d);
      }
      ax -= k.cFricEv * vx;
      ay -= k.cFricEv * vy;
      for (let i = nd; i < A; i++) {
        if (i === a) continue;
        const d = dist(p(i), p(a));
        const q = (k.dFlock / d - 1) / d;
        ax += k.cFlock * q * (p(i)[0] - px);
        ay += k.cFlock * q * (p(i)[1] - py);
      }
    }
    acc.push(ax, ay);
  }
  return acc;
}

test('the step is explicit Euler with the spec accelerations from the old state', () => {
  for (const [nd, ne] of [[2, 3], [3, 5], [1, 1]] as const) {
    const sim = new RepulsionSimulator(nd, ne, K);
    const B = 3;
    const x = randomState(nd, ne, B), c = rand(B * 2 * nd, -2, 2), out = new Float64Array(x.length);
    sim.step(x, c, out, B);
    for (let b = 0; b < B; b++) {
      const xs = x.subarray(b * sim.stateSize), a = specAccelerations(xs, c.subarray(b * 2 * nd), nd, ne, K);
      for (let i = 0; i < nd + ne; i++) {
        for (const j of [0, 1]) {
          const o = b * sim.stateSize + 4 * i;
          assert.ok(Math.abs(out[o + j]! - (x[o + j]! + K.dt * x[o + 2 + j]!)) < 1e-14);
          assert.ok(Math.abs(out[o + 2 + j]! - (x[o + 2 + j]! + K.dt * a[2 * i + j]!)) < 1e-12, `${nd}x${ne} agent ${i}`);
        }
      }
    }
  }
});

test('control force uses the SUM of evader positions (quirk), not their mean', () => {
  const sim = new RepulsionSimulator(1, 2, K, { terms: ['control'] });
  // Driver at (1, 0); evaders at (0.5, 0) and (0.5, 0): S = (1, 0), so Δ = 0 and no force at all.
  const x = Float64Array.of(1, 0, 0, 0, 0.5, 0, 0, 0, 0.5, 0, 0, 0);
  const out = new Float64Array(12);
  sim.step(x, Float64Array.of(3, -2), out, 1);
  assert.deepEqual(Array.from(out.subarray(0, 4)), [1, 0, 0, 0]);
  // Driver at (2, 1), evaders (0.5, 0) and (0.25, 0.5): Δ = (1.25, 0.5); u_r = 2, u_t = −1:
  // F = 2·(1.25, 0.5) − 1·(−0.5, 1.25) = (3, −0.25).
  x.set([2, 1], 0);
  x.set([0.25, 0.5], 8);
  sim.step(x, Float64Array.of(2, -1), out, 1);
  assert.ok(Math.abs(out[2]! - K.dt * 3) < 1e-15 && Math.abs(out[3]! - K.dt * -0.25) < 1e-15);
});

test('coincident agents: softening keeps the step finite and the VJP uses the zero subgradient', () => {
  const sim = new RepulsionSimulator(2, 2, K);
  // Both drivers at (1, 1), both evaders at (0.5, 0): every pair at distance 0.
  const x = Float64Array.of(1, 1, 0.2, 0, 1, 1, 0, 0, 0.5, 0, 0, 0.1, 0.5, 0, 0, 0);
  const c = Float64Array.of(0.5, -1, 2, 0.3), out = new Float64Array(16);
  sim.step(x, c, out, 1);
  const xBar = new Float64Array(16), cBar = new Float64Array(4);
  sim.stepVjp(x, c, out, rand(16), xBar, cBar, 1);
  assert.ok([...out, ...xBar, ...cBar].every(Number.isFinite));
});

function rotate(x: Float64Array, angle: number): Float64Array {
  const cs = Math.cos(angle), sn = Math.sin(angle);
  const y = new Float64Array(x.length);
  for (let i = 0; i < x.length; i += 2) {
    y[i] = cs * x[i]! - sn * x[i + 1]!;
    y[i + 1] = sn * x[i]! + cs * x[i + 1]!;
  }
  return y;
}

test('rotating every position and velocity rotates the next state (every acceleration), controls unchanged', () => {
  const sim = new RepulsionSimulator(2, 3, K);
  const B = 3;
  const x = randomState(2, 3, B), c = rand(B * 4, -2, 2);
  const a = new Float64Array(x.length), b = new Float64Array(x.length);
  for (const angle of [0.3, Math.PI / 2, 2.5, -1.1]) {
    sim.step(x, c, a, B);
    sim.step(rotate(x, angle), c, b, B);
    const want = rotate(a, angle);
    assert.ok(maxAbsDiff(b, want) <= 1e-12 * maxAbs(want), `angle ${angle}: ${maxAbsDiff(b, want)}`);
  }
});

test('drivers far away, zero control: evaders feel only friction and flocking (hand calculation)', () => {
  const sim = new RepulsionSimulator(2, 2, K);
  // Drivers 1e12 away (evade accelerations ~1e-11), evaders at (0.3, −0.2), (0.6, 0.2) with
  // velocities (0.5, 0.1), (−0.2, 0.3). Between them Δ = (0.3, 0.4), |Δ| = 0.5, d = 0.6:
  //   p(d) = (0.5/0.6 − 1)/0.6 = −5/18,  c_flock·p = −1/18,
  //   flocking on evader 1: −1/18·(0.3, 0.4) = (−1/60, −1/45); on evader 2: (1/60, 1/45).
  //   friction: −4·(0.5, 0.1) = (−2, −0.4) and −4·(−0.2, 0.3) = (0.8, −1.2).
  const x = Float64Array.of(1e12, 0, 0, 0, -1e12, 1e12, 0, 0, 0.3, -0.2, 0.5, 0.1, 0.6, 0.2, -0.2, 0.3);
  const out = new Float64Array(16);
  sim.step(x, new Float64Array(4), out, 1);
  const dt = 1 / 15;
  const want = [
    0.3 + dt * 0.5, -0.2 + dt * 0.1, 0.5 + dt * (-2 - 1 / 60), 0.1 + dt * (-0.4 - 1 / 45),
    0.6 - dt * 0.2, 0.2 + dt * 0.3, -0.2 + dt * (0.8 + 1 / 60), 0.3 + dt * (-1.2 + 1 / 45),
  ];
  assert.ok(maxAbsDiff(out.subarray(8), want) < 1e-12, `max diff ${maxAbsDiff(out.subarray(8), want)}`);
});

test('flocking quirk: evaders closer than d_flock attract, farther ones repel, at d = d_flock nothing', () => {
  const sim = new RepulsionSimulator(1, 2, K);
  const velocityOfFirstEvader = (gap: number): number => {
    const x = Float64Array.of(1e12, 1e12, 0, 0, 0, 0, 0, 0, gap, 0, 0, 0);
    const out = new Float64Array(12);
    sim.step(x, new Float64Array(2), out, 1);
    return out[6]!;
  };
  assert.ok(velocityOfFirstEvader(0.2) > 1e-3, 'd = 0.3 < 0.5: evader 1 moves towards evader 2 (+x)');
  assert.ok(velocityOfFirstEvader(1) < -1e-3, 'd = 1.1 > 0.5: evader 1 moves away (−x)');
  assert.ok(Math.abs(velocityOfFirstEvader(0.4)) < 1e-12, 'd = ε + 0.4 = d_flock: no flocking force');
});

test('loss: gradcheck, value = mean over batch, steps, evaders and coordinates; drivers ignored', () => {
  const loss = new RepulsionLoss(2, 3);
  const B = 3, S = 20;
  const x = new Tensor(randomState(2, 3, B), [B, S]);
  const r = gradcheck((x) => lossTerm(loss, S, x, 4, 9), [x]);
  assert.ok(r.maxRelError <= 1e-6, `relative error ${r.maxRelError}`);
  // Summed over Nt = 9 steps of the same state the terms give the mean of x_e² over b, e, coords.
  let sq = 0;
  for (let b = 0; b < B; b++) for (let e = 2; e < 5; e++) for (const j of [0, 1]) sq += x.data[b * S + 4 * e + j]! ** 2;
  let total = 0;
  for (let n = 1; n <= 9; n++) total += loss.term(x.data, n, 9, B, null);
  assert.ok(Math.abs(total - sq / (B * 3 * 2)) < 1e-14);
  const moved = Float64Array.from(x.data);
  for (let b = 0; b < B; b++) moved.fill(42, b * S, b * S + 8); // drivers and their velocities
  assert.equal(loss.term(moved, 1, 9, B, null), loss.term(x.data, 1, 9, B, null));
});

test('initial states follow the spec distribution and the seed; the published data has the same shape', () => {
  const [nd, ne, n] = [3, 5, 3000];
  const x = sampleRepulsion(nd, ne, n, new Rng(1));
  assert.deepEqual(x, sampleRepulsion(nd, ne, n, new Rng(1)));
  assert.notDeepEqual(x, sampleRepulsion(nd, ne, n, new Rng(2)));
  const stats = (data: ArrayLike<number>, nd: number, ne: number, n: number) => {
    const S = 4 * (nd + ne);
    let rMin = Infinity, rMax = -Infinity, rSum = 0, cosSum = 0, sinSum = 0, maxGap = 0, gapSq = 0, gaps = 0, cSum = 0, vMax = 0;
    for (let b = 0; b < n; b++) {
      for (let d = 0; d < nd; d++) {
        const r = Math.hypot(data[b * S + 4 * d]!, data[b * S + 4 * d + 1]!);
        [rMin, rMax, rSum] = [Math.min(rMin, r), Math.max(rMax, r), rSum + r];
        cosSum += data[b * S + 4 * d]! / r;
        sinSum += data[b * S + 4 * d + 1]! / r;
      }
      let cx = 0, cy = 0;
      for (let e = nd; e < nd + ne; e++) {
        cx += data[b * S + 4 * e]! / ne;
        cy += data[b * S + 4 * e + 1]! / ne;
        for (let f = e + 1; f < nd + ne; f++)
          for (const j of [0, 1]) {
            const g = data[b * S + 4 * e + j]! - data[b * S + 4 * f + j]!;
            maxGap = Math.max(maxGap, Math.abs(g));
            gapSq += g * g;
            gaps++;
          }
      }
      cSum += Math.hypot(cx, cy);
      for (let a = 0; a < nd + ne; a++) vMax = Math.max(vMax, Math.abs(data[b * S + 4 * a + 2]!), Math.abs(data[b * S + 4 * a + 3]!));
    }
    return { rMin, rMax, rMean: rSum / (n * nd), cos: cosSum / (n * nd), sin: sinSum / (n * nd), maxGap, gapVar: gapSq / gaps, cMean: cSum / n, vMax };
  };
  const ours = stats(x, nd, ne, n);
  assert.ok(ours.rMin >= 3 && ours.rMax <= 4, 'drivers on the annulus 3 ≤ r ≤ 4');
  assert.ok(Math.abs(ours.rMean - 3.5) < 0.02, `driver radius uniform in [3, 4] (mean ${ours.rMean})`);
  assert.ok(Math.abs(ours.cos) < 0.03 && Math.abs(ours.sin) < 0.03, 'driver angles uniform');
  assert.ok(ours.maxGap <= 1, 'evaders share a centre, offsets within [−0.5, 0.5]²');
  assert.ok(Math.abs(ours.gapVar - 1 / 6) < 0.01, `offset differences have variance 2/12 (${ours.gapVar})`);
  assert.ok(Math.abs(ours.cMean - 1.5) < 0.05, `evader centre radius uniform in [1, 2] (mean ${ours.cMean})`);
  assert.equal(ours.vMax, 0, 'velocities zero');
  const ref = JSON.parse(readFileSync(new URL('../data/reference/repulsion-2x4.json', import.meta.url), 'utf8'));
  assert.deepEqual(ref.train.shape, [256, 6, 2, 2]);
  const pub = stats(ref.train.data, 2, 4, 256);
  assert.ok(pub.rMin >= 3 - 1e-6 && pub.rMax <= 4 + 1e-6 && pub.maxGap <= 1 + 1e-6 && pub.vMax === 0);
  assert.ok(Math.abs(pub.cMean - 1.5) < 0.1 && Math.abs(pub.gapVar - 1 / 6) < 0.03);
});

/** A tiny repulsion problem whose controller starts non-zero, so every mode's field is non-trivial. */
function tinyRepulsion(rc = 0, steps = 6): { problem: ProblemInstance; theta: Float64Array; x0: Float64Array; B: number } {
  const settings = resolveSettings(repulsion, { drivers: 2, evaders: 3, steps, duration: (steps * 4) / 60, width: 6, zeroLastKernel: false, rc });
  const problem = repulsion.create(settings);
  assert.equal(problem.rc, rc);
  const r = new Rng(42);
  const theta = problem.controller.initParams(r);
  for (let i = 0; i < theta.length; i++) theta[i]! += r.uniform(-0.2, 0.2);
  const B = 3;
  return { problem, theta, x0: problem.sample(B, r), B };
}

function referenceGrad(problem: ProblemInstance, theta: Float64Array, x0: Float64Array, mode: BaseMode): Float64Array {
  const mlp = problem.controller as Mlp;
  const f = (t: Tensor): Tensor => referenceLoss(problem, (x, th) => composedMlp(mlp, x, th), t, new Tensor(x0, [x0.length]), mode);
  return grad(f)(new Tensor(theta, [theta.length]))[0]!;
}

const ruleFor = (problem: ProblemInstance, B: number): UpdateRule => new UpdateRule({ ...problem, batch: B });

for (const rc of [0, 0.3]) {
  for (const mode of ['full', 'physics', 'network', 'stop'] as const) {
    test(`mode ${mode} (rc ${rc}) equals autodiff of the reference unroll with stopGradient`, () => {
      const { problem, theta, x0, B } = tinyRepulsion(rc);
      const ours = ruleFor(problem, B).compute(theta, x0, mode).update;
      const ref = referenceGrad(problem, theta, x0, mode);
      if (rc === 0 && (mode === 'network' || mode === 'stop')) {
        // Without the physics path a control reaches only the next state's driver velocity, which
        // the loss (evader positions) does not see: these fields are exactly zero.
        assert.equal(maxAbs(ref), 0);
        assert.equal(maxAbs(ours), 0);
        return;
      }
      assert.ok(maxAbs(ref) > 1e-4, 'the field is not trivially zero');
      assert.ok(maxAbsDiff(ours, ref) <= 1e-10 * maxAbs(ref), `${mode}: max diff ${maxAbsDiff(ours, ref)}`);
    });
  }
}

test('repulsion modes differ from each other, and combined = sign agreement of physics and full', () => {
  const { problem, theta, x0, B } = tinyRepulsion(0.1);
  const rule = ruleFor(problem, B);
  const fields = (['full', 'physics', 'network', 'stop'] as const).map((m) => Float64Array.from(rule.compute(theta, x0, m).update));
  for (let i = 0; i < 4; i++) for (let j = i + 1; j < 4; j++) assert.ok(maxAbsDiff(fields[i]!, fields[j]!) > 1e-8, `modes ${i}, ${j}`);
  const [full, physics] = fields;
  const r = rule.compute(theta, x0, 'combined');
  assert.deepEqual(Float64Array.from(r.update), combineSignAgreement(physics!, full!, new Float64Array(physics!.length)));
  const kept = r.update.reduce((n, v) => n + (v !== 0 ? 1 : 0), 0);
  assert.ok(kept > 0 && kept < r.update.length, `kept ${kept} of ${r.update.length}`);
  assert.ok(Math.abs(r.loss - r.physicsLoss) > 0, 'rc > 0 adds a regularisation term');
});

test('settings: defaults, preset, clear errors for zero drivers or evaders', () => {
  const s = resolveSettings(repulsion);
  assert.equal(s.drivers, 2);
  assert.equal(s.evaders, 4);
  assert.equal(s.rc, 0.1);
  assert.equal(s.steps, 60);
  const inst = repulsion.create(s);
  assert.equal(inst.simulator.stateSize, 24);
  assert.equal(inst.simulator.controlSize, 4);
  assert.equal(inst.controller.inputSize, 24);
  assert.equal(inst.controller.outputSize, 4);
  assert.equal(inst.loss.kind, 'continuous');
  assert.equal(inst.rc, 0.1);
  assert.equal(inst.referenceDataset, 'repulsion-2x4.json');
  assert.equal(repulsion.create(resolveSettings(repulsion, { evaders: 5 })).referenceDataset, null);
  assert.deepEqual(repulsion.complexity, { key: 'rc', values: [1, 0.1, 0.01, 0.001] });
  assert.equal(repulsion.reportsPhysicsLoss, true);
  assert.throws(() => resolveSettings(repulsion, { evaders: '0' }), /--evaders: got "0", expected an integer from 1 to 64/);
  assert.throws(() => resolveSettings(repulsion, { drivers: 0 }), /--drivers: got "0", expected an integer from 1 to 64/);
  assert.throws(() => new RepulsionSimulator(2, 0, K), /evaders \(--evaders\) must be an integer ≥ 1, got 0/);
  assert.throws(() => new RepulsionSimulator(0, 4, K), /drivers \(--drivers\) must be an integer ≥ 1, got 0/);
  assert.throws(() => new RepulsionSimulator(1, 1, K, { terms: ['gravity' as RepulsionTerm] }), /unknown repulsion force term "gravity"/);
  const custom = repulsion.create(resolveSettings(repulsion, { cEvade: '7', dFlock: 0.8, steps: 30 }));
  const sim = custom.simulator as RepulsionSimulator;
  assert.equal(sim.k.cEvade, 7);
  assert.equal(sim.k.dFlock, 0.8);
  assert.equal(sim.k.dt, 4 / 30);
  assert.throws(() => resolveSettings(repulsion, { cEvade: -1 }), /--c-evade: got "-1", expected a number ≥ 0/);
});
