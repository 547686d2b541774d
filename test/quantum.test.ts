import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { grad, gradcheck, registerKernel, Rng, runKernel, Tensor, type Kernel } from '../src/engine/index.js';
import { applyController } from '../src/nn/kernel.js';
import { eigenstate, eigenstateState, quantum, QuantumLoss, QuantumSimulator, overlap, sampleQuantum, solveTridiagonal, solveTridiagonalVjp } from '../src/physics/quantum/index.js';
import { lossTerm, resolveSettings, simulatorStep, type ProblemInstance } from '../src/physics/index.js';
import { UpdateRule } from '../src/bptt/update.js';
import { combineSignAgreement } from '../src/bptt/combine.js';
import { parseSchedule, type BaseMode } from '../src/bptt/modes.js';
import { maxAbs, maxAbsDiff, referenceLoss } from './helpers/reference.js';

const rand = (rng: Rng, n: number, lo = -1, hi = 1): Float64Array => Float64Array.from({ length: n }, () => rng.uniform(lo, hi));

// ---- complex helpers over interleaved (re, im) arrays, written independently of the solver ----
type C = [number, number];
const cmul = (a: C, b: C): C => [a[0] * b[0] - a[1] * b[1], a[0] * b[1] + a[1] * b[0]];
const cdiv = (a: C, b: C, d = b[0] * b[0] + b[1] * b[1]): C => [(a[0] * b[0] + a[1] * b[1]) / d, (a[1] * b[0] - a[0] * b[1]) / d];
const csub = (a: C, b: C): C => [a[0] - b[0], a[1] - b[1]];

/** Dense complex matrix of the bands, M[j][k] as (re, im). */
function denseOf(n: number, lower: Float64Array, diag: Float64Array, upper: Float64Array): C[][] {
  const M: C[][] = Array.from({ length: n }, () => Array.from({ length: n }, (): C => [0, 0]));
  for (let k = 0; k < n; k++) {
    M[k]![k] = [diag[2 * k]!, diag[2 * k + 1]!];
    if (k > 0) M[k]![k - 1] = [lower[2 * k]!, lower[2 * k + 1]!];
    if (k < n - 1) M[k]![k + 1] = [upper[2 * k]!, upper[2 * k + 1]!];
  }
  return M;
}

/** Dense Gaussian elimination with partial pivoting. */
function denseSolve(M0: C[][], r: Float64Array): Float64Array {
  const n = M0.length;
  const M = M0.map((row, j) => [...row.map((c): C => [c[0], c[1]]), [r[2 * j]!, r[2 * j + 1]!] as C]);
  for (let p = 0; p < n; p++) {
    let best = p;
    for (let j = p + 1; j < n; j++) if (Math.hypot(...M[j]![p]!) > Math.hypot(...M[best]![p]!)) best = j;
    [M[p], M[best]] = [M[best]!, M[p]!];
    for (let j = p + 1; j < n; j++) {
      const f = cdiv(M[j]![p]!, M[p]![p]!);
      for (let k = p; k <= n; k++) M[j]![k] = csub(M[j]![k]!, cmul(f, M[p]![k]!));
    }
  }
  const y = new Float64Array(2 * n);
  for (let j = n - 1; j >= 0; j--) {
    let s = M[j]![n]!;
    for (let k = j + 1; k < n; k++) s = csub(s, cmul(M[j]![k]!, [y[2 * k]!, y[2 * k + 1]!]));
    [y[2 * j], y[2 * j + 1]] = cdiv(s, M[j]![j]!);
  }
  return y;
}

function randomBands(rng: Rng, n: number): { lower: Float64Array; diag: Float64Array; upper: Float64Array } {
  const diag = rand(rng, 2 * n);
  for (let k = 0; k < n; k++) diag[2 * k]! += 3;
  return { lower: rand(rng, 2 * n), diag, upper: rand(rng, 2 * n) };
}

test('complex tridiagonal solve (and its adjoint mode) agrees with dense Gaussian elimination', () => {
  const rng = new Rng(1);
  for (const n of [1, 2, 5, 12]) {
    const { lower, diag, upper } = randomBands(rng, n);
    const r = rand(rng, 2 * n);
    const y = new Float64Array(2 * n + 3), work = new Float64Array(2 * n);
    solveTridiagonal(n, lower, diag, upper, r, 0, y, 3, work);
    const A = denseOf(n, lower, diag, upper);
    assert.ok(maxAbsDiff(y.subarray(3), denseSolve(A, r)) < 1e-13, `n ${n}`);
    // Aᴴ as a dense matrix: the conjugate of the transpose.
    const AH = A.map((row, j) => row.map((_, k): C => [A[k]![j]![0], -A[k]![j]![1]]));
    const inPlace = Float64Array.from(r);
    solveTridiagonal(n, lower, diag, upper, inPlace, 0, inPlace, 0, work, true);
    assert.ok(maxAbsDiff(inPlace, denseSolve(AH, r)) < 1e-13, `adjoint, n ${n}`);
  }
});

const solveKernel: Kernel<{ n: number }> = registerKernel<{ n: number }>({
  name: 'TestComplexTridiagonalSolve',
  forward: ([l, d, u, r], { n }) => {
    const y = new Float64Array(2 * n);
    solveTridiagonal(n, l!.data, d!.data, u!.data, r!.data, 0, y, 0, new Float64Array(2 * n));
    return { data: y, shape: [n, 2] };
  },
  vjp: (g, [l, d, u], y, { n }) => {
    const rBar = new Float64Array(2 * n);
    const bands = { lower: new Float64Array(2 * n), diag: new Float64Array(2 * n), upper: new Float64Array(2 * n) };
    solveTridiagonalVjp(n, l!.data, d!.data, u!.data, y.data, 0, g, 0, rBar, 0, new Float64Array(2 * n), bands);
    return [bands.lower, bands.diag, bands.upper, rBar];
  },
});

test('tridiagonal solve VJP (right-hand side and all three bands) passes gradcheck', () => {
  const rng = new Rng(2);
  for (const n of [1, 3, 9]) {
    const { lower, diag, upper } = randomBands(rng, n);
    const ins = [lower, diag, upper, rand(rng, 2 * n)].map((a) => new Tensor(a, [n, 2]));
    const r = gradcheck((l, d, u, rhs) => runKernel(solveKernel, [l!, d!, u!, rhs!], { n }), ins);
    assert.ok(r.maxRelError <= 1e-6, `n ${n}: relative error ${r.maxRelError}`);
  }
});

test('Crank–Nicolson step solves (I + i·dt/2·H)ψ\' = (I − i·dt/2·H)ψ as docs/problems.md writes H', () => {
  const nx = 9, dt = 0.0625, u = 1.7, sim = new QuantumSimulator(nx, dt);
  const psi = rand(new Rng(3), 2 * nx), next = new Float64Array(2 * nx);
  sim.step(psi, Float64Array.of(u), next, 1);
  const dx = 2 / (nx + 1);
  const at = (v: Float64Array, k: number): C => (k < 1 || k > nx ? [0, 0] : [v[2 * k - 2]!, v[2 * k - 1]!]);
  // (Hψ)_k = −(ψ_{k+1} − 2ψ_k + ψ_{k−1})/dx² + u·x_k·ψ_k, H real: the same on both components.
  const H = (v: Float64Array, k: number): C =>
    [0, 1].map((c) => -(at(v, k + 1)[c]! - 2 * at(v, k)[c]! + at(v, k - 1)[c]!) / (dx * dx) + u * k * dx * at(v, k)[c]!) as C;
  for (let k = 1; k <= nx; k++) {
    const lhs = csub(at(next, k), cmul([0, -dt / 2], H(next, k)));
    const rhs = csub(at(psi, k), cmul([0, dt / 2], H(psi, k)));
    assert.ok(Math.abs(lhs[0] - rhs[0]) < 1e-13 && Math.abs(lhs[1] - rhs[1]) < 1e-13, `k ${k}`);
  }
});

test('Crank–Nicolson step passes gradcheck in ψ and u', () => {
  const rng = new Rng(4);
  for (const nx of [1, 8]) {
    const sim = new QuantumSimulator(nx, 0.0625), B = 2;
    const x = new Tensor(rand(rng, B * 2 * nx), [B, 2 * nx]);
    const c = new Tensor(rand(rng, B, -5, 5), [B, 1]);
    const r = gradcheck((x, c) => simulatorStep(sim, x, c), [x, c]);
    assert.ok(r.maxRelError <= 1e-6, `Nx ${nx}: relative error ${r.maxRelError}`);
  }
});

test('losses pass gradcheck; FINAL has no term before the last step', () => {
  const rng = new Rng(5), nx = 8, B = 3;
  for (const kind of ['continuous', 'final'] as const) {
    const loss = new QuantumLoss(nx, 3, kind);
    const x = new Tensor(rand(rng, B * 2 * nx), [B, 2 * nx]);
    assert.ok(gradcheck((x) => lossTerm(loss, 2 * nx, x, 4, 4), [x]).maxRelError <= 1e-6, kind);
    assert.equal(loss.term(x.data, 3, 4, B, null) === 0, kind === 'final');
  }
  const loss = new QuantumLoss(nx, 3, 'continuous');
  const states = new Float64Array([...eigenstateState(nx, 3, 0.7), ...eigenstateState(nx, 1)]);
  assert.ok(Math.abs(loss.term(states, 1, 5, 2, null) - 0.5) < 1e-15, 'mean over the batch of 1 − |⟨φ3, ψ⟩|²: (0 + 1)/2');
});

test('eigenstates are orthonormal', () => {
  for (const nx of [8, 32]) {
    const phis = Array.from({ length: nx }, (_, n) => eigenstate(nx, n + 1));
    for (let a = 0; a < nx; a++)
      for (let b = 0; b < nx; b++) {
        const dot = phis[a]!.reduce((s, v, k) => s + v * phis[b]![k]!, 0);
        assert.ok(Math.abs(dot - (a === b ? 1 : 0)) < 1e-13, `⟨φ${a + 1}, φ${b + 1}⟩ = ${dot}`);
      }
  }
  assert.ok(eigenstate(32, 1).every((v) => v > 0), 'the ground state has no node');
});

test('the step is unitary: ‖ψ‖ is conserved over 128 steps with a varying control', () => {
  const nx = 32, B = 3;
  const sim = new QuantumSimulator(nx, 0.0625);
  let x: Float64Array = sampleQuantum(nx, '3-1', B, new Rng(6)), next: Float64Array = new Float64Array(x.length);
  const c = new Float64Array(B);
  for (let n = 0; n < 128; n++) {
    for (let b = 0; b < B; b++) c[b] = 20 * Math.sin(0.3 * n + b) - 5 * b;
    sim.step(x, c, next, B);
    [x, next] = [next, x];
  }
  for (let o = 0; o < x.length; o += 2 * nx) {
    const norm = x.subarray(o, o + 2 * nx).reduce((s, v) => s + v * v, 0);
    assert.ok(Math.abs(norm - 1) < 1e-12, `‖ψ‖² = ${norm}`);
  }
  assert.ok(populations(x, nx).rest > 1e-2, 'the field drove the states out of span{φ1, φ2}');
});

test('under zero control an eigenstate stays in it (|⟨φ_n, ψ_t⟩| = 1)', () => {
  const nx = 32;
  const sim = new QuantumSimulator(nx, 0.0625);
  for (const n of [1, 2, 3, 5]) {
    const phi = eigenstate(nx, n);
    let x: Float64Array = eigenstateState(nx, n, 0.3), next: Float64Array = new Float64Array(x.length);
    for (let t = 0; t < 128; t++) {
      sim.step(x, Float64Array.of(0), next, 1);
      [x, next] = [next, x];
    }
    const [re, im] = overlap(phi, x, 0, new Float64Array(2)) as unknown as [number, number];
    assert.ok(Math.abs(Math.hypot(re, im) - 1) < 1e-12, `n ${n}: |⟨φ, ψ⟩| = ${Math.hypot(re, im)}`);
    assert.ok(Math.abs(Math.atan2(im, re) - 0.3) > 1e-3, 'the phase turned');
  }
});

/** |⟨φ1, ψ⟩|² and |⟨φ2, ψ⟩|² of every state. */
function populations(states: Float64Array, nx: number): { p1: number[]; p2: number[]; rest: number } {
  const phis = [eigenstate(nx, 1), eigenstate(nx, 2)], ov = new Float64Array(2);
  const p1: number[] = [], p2: number[] = [];
  let rest = 0;
  for (let o = 0; o < states.length; o += 2 * nx) {
    const [a, b] = phis.map((phi) => overlap(phi, states, o, ov).reduce((s, v) => s + v * v, 0)) as [number, number];
    const norm = states.subarray(o, o + 2 * nx).reduce((s, v) => s + v * v, 0);
    p1.push(a);
    p2.push(b);
    rest = Math.max(rest, Math.abs(norm - 1), Math.abs(a + b - norm));
  }
  return { p1, p2, rest };
}

const mean = (v: number[]): number => v.reduce((a, b) => a + b, 0) / v.length;

test('initial states: normalised superpositions of φ1 and φ2; weighting w-1 scales c1 by w', () => {
  for (const [weighting, w] of [['1-1', 1], ['3-1', 3], ['15-1', 15]] as const) {
    const x = sampleQuantum(16, weighting, 20000, new Rng(7));
    const { p1, rest } = populations(x, 16);
    assert.ok(rest < 1e-12);
    // θ = atan(|c2|/|c1|) of N(0,1) draws is uniform: E|⟨φ1,ψ⟩|² = w/(w+1).
    assert.ok(Math.abs(mean(p1) - w / (w + 1)) < 0.01, `${weighting}: mean ${mean(p1)}`);
  }
  assert.deepEqual(sampleQuantum(8, '1-1', 5, new Rng(1)), sampleQuantum(8, '1-1', 5, new Rng(1)));
});

test('the published draws (data/reference) share their normals across weightings, c1 scaled by w', () => {
  const ratios: number[][] = [];
  for (const w of [1, 3, 7, 15]) {
    const file = JSON.parse(readFileSync(new URL(`../data/reference/quantum-nx32-w${w}-1.json`, import.meta.url), 'utf8'));
    const states = Float64Array.from([...file.train.data, ...file.test.data] as number[]);
    const { p1, p2, rest } = populations(states, 32);
    assert.ok(rest < 1e-6, 'float32 rounding only');
    assert.ok(Math.abs(mean(p1) - w / (w + 1)) < 0.03, `w ${w}: mean |⟨φ1,ψ0⟩|² ${mean(p1)} vs ${w / (w + 1)}`);
    ratios.push(p1.map((v, i) => Math.sqrt(p2[i]! / v) * w)); // |c2/c1| of the unscaled normals
  }
  for (const r of ratios.slice(1)) assert.ok(maxAbsDiff(r, ratios[0]!) < 1e-4 * Math.max(1, maxAbs(ratios[0]!)));
});

function tinyQuantum(loss: 'continuous' | 'final' = 'continuous', steps = 5): { problem: ProblemInstance; theta: Float64Array; x0: Float64Array; B: number } {
  const problem = quantum.create(resolveSettings(quantum, { nx: 12, width: 4, steps, target: 3, weighting: '3-1', loss, dt: 0.25 }));
  const rng = new Rng(42);
  const theta = problem.controller.initParams(rng);
  for (let i = 0; i < theta.length; i++) theta[i]! += rng.uniform(-0.3, 0.3);
  return { problem, theta, x0: problem.sample(2, rng), B: 2 };
}

function referenceGrad(problem: ProblemInstance, theta: Float64Array, x0: Float64Array, modes: BaseMode | BaseMode[]): Float64Array {
  const net = problem.controller;
  const f = (t: Tensor): Tensor => referenceLoss(problem, (x, th) => applyController(net, x, th), t, new Tensor(x0, [x0.length]), modes);
  return grad(f)(new Tensor(theta, [theta.length]))[0]!;
}

for (const loss of ['continuous', 'final'] as const) {
  test(`${loss} loss: every mode's update equals autodiff with stopGradient placed as the spec says`, () => {
    const { problem, theta, x0, B } = tinyQuantum(loss);
    const rule = new UpdateRule({ ...problem, batch: B });
    const fields: Float64Array[] = [];
    for (const mode of ['full', 'physics', 'network', 'stop'] as const) {
      const ours = Float64Array.from(rule.compute(theta, x0, mode).update);
      const ref = referenceGrad(problem, theta, x0, mode);
      assert.ok(maxAbs(ref) > 1e-4, `${mode}: the field is not trivially zero`);
      assert.ok(maxAbsDiff(ours, ref) <= 1e-10 * maxAbs(ref), `${mode}: max diff ${maxAbsDiff(ours, ref)}`);
      fields.push(ours);
    }
    for (let i = 0; i < 4; i++) for (let j = i + 1; j < 4; j++) assert.ok(maxAbsDiff(fields[i]!, fields[j]!) > 1e-6 * maxAbs(fields[i]!), 'modes differ');
    const c = rule.compute(theta, x0, 'combined');
    assert.deepEqual(c.update, combineSignAgreement(fields[1]!, fields[0]!, new Float64Array(theta.length)));
  });
}

test('a per-step schedule equals autodiff with per-step stopGradient', () => {
  const { problem, theta, x0, B } = tinyQuantum('continuous', 6);
  const schedule = parseSchedule('R*2,M,N,S,M', problem.steps);
  const ours = new UpdateRule({ ...problem, batch: B }).compute(theta, x0, schedule).update;
  const ref = referenceGrad(problem, theta, x0, schedule);
  assert.ok(maxAbsDiff(ours, ref) <= 1e-10 * maxAbs(ref));
});

test('mode full equals central finite differences of the loss', () => {
  const { problem, theta, x0, B } = tinyQuantum('continuous', 8);
  const rule = new UpdateRule({ ...problem, batch: B });
  const g = Float64Array.from(rule.compute(theta, x0, 'full').update);
  const rng = new Rng(9);
  for (let k = 0; k < 3; k++) {
    const dir = rand(rng, theta.length);
    const at = (s: number): number => rule.unroll.forward(theta.map((v, i) => v + s * dir[i]!), x0).loss;
    const numeric = (at(1e-6) - at(-1e-6)) / 2e-6;
    const analytic = g.reduce((a, v, i) => a + v * dir[i]!, 0);
    assert.ok(Math.abs(numeric - analytic) <= 1e-6 * Math.abs(analytic), `direction ${k}: ${numeric} vs ${analytic}`);
  }
});

test('settings: defaults, preset, reference dataset names and clear errors', () => {
  const s = resolveSettings(quantum);
  assert.deepEqual(s, { nx: 32, steps: 128, dt: 0.0625, target: 3, weighting: '1-1', loss: 'continuous', width: 60 });
  const inst = quantum.create(s);
  assert.deepEqual(
    [inst.simulator.stateSize, inst.controller.paramCount, inst.loss.kind, inst.rc, inst.steps, inst.referenceDataset],
    [64, 11701, 'continuous', 0, 128, 'quantum-nx32-w1-1.json'],
  );
  assert.equal(quantum.create(resolveSettings(quantum, { weighting: '3-1' })).referenceDataset, 'quantum-nx32-w3-1.json');
  assert.equal(quantum.create(resolveSettings(quantum, { nx: 16, width: 4 })).referenceDataset, null);
  assert.deepEqual([quantum.complexity?.key, quantum.complexity?.values, quantum.reportsPhysicsLoss, quantum.updateSizePanel, quantum.training.mode], ['target', [3, 4, 5], false, true, 'combined']);
  assert.equal(quantum.complexity?.label?.(3), 'target 3 (paper: 2)');
  assert.throws(() => quantum.create(resolveSettings(quantum, { nx: 33 })), /--nx: got 33, expected an even number/);
  assert.throws(() => resolveSettings(quantum, { nx: 6 }), /--nx: got "6", expected an integer from 8 to 4096/);
  assert.throws(() => resolveSettings(quantum, { weighting: '2-1' }), /--weighting: got "2-1", expected one of 1-1, 3-1, 7-1, 15-1/);
  assert.throws(() => quantum.create(resolveSettings(quantum, { nx: 8, target: 9 })), /--target: got 9, expected an integer from 1 to Nx = 8/);
  assert.throws(() => resolveSettings(quantum, { loss: 'sum' }), /--loss: got "sum", expected one of continuous, final/);
});
