import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  OPTIMIZER_NAMES,
  clipUpdate,
  createOptimizer,
  parseClipMode,
  parseOptimizer,
  type OptimizerName,
} from '../src/optim/index.js';

/**
 * Independent scalar references, written straight from the Keras formulas in
 * training.md. Each returns the trajectory of one scalar parameter under the
 * gradient g(θ) = 2θ − 1 (so the update depends on where θ is).
 */
const grad = (x: number): number => 2 * x - 1;

function reference(name: OptimizerName, x0: number, lr: number, steps: number): number[] {
  const out: number[] = [];
  let x = x0;
  let a = 0; // first slot
  let b = 0; // second slot
  if (name === 'ADAGRAD') a = 0.1;
  for (let t = 1; t <= steps; t++) {
    const g = grad(x);
    switch (name) {
      case 'SGD':
        x = x - lr * g;
        break;
      case 'SGDMOM080':
      case 'SGDMOM090':
      case 'SGDMOM095': {
        const mu = { SGDMOM080: 0.8, SGDMOM090: 0.9, SGDMOM095: 0.95 }[name];
        a = mu * a - lr * g;
        x = x + a;
        break;
      }
      case 'ADAM':
        a = 0.9 * a + 0.1 * g;
        b = 0.999 * b + 0.001 * g * g;
        x = x - ((lr * Math.sqrt(1 - 0.999 ** t)) / (1 - 0.9 ** t)) * (a / (Math.sqrt(b) + 1e-7));
        break;
      case 'ADAGRAD':
        a = a + g * g;
        x = x - (lr * g) / (Math.sqrt(a) + 1e-7);
        break;
      case 'ADADELTA': {
        a = 0.95 * a + 0.05 * g * g;
        const d = (Math.sqrt(b + 1e-7) / Math.sqrt(a + 1e-7)) * g;
        b = 0.95 * b + 0.05 * d * d;
        x = x - lr * d;
        break;
      }
      case 'RMSPROP':
        a = 0.9 * a + 0.1 * g * g;
        x = x - (lr * g) / (Math.sqrt(a) + 1e-7);
        break;
    }
    out.push(x);
  }
  return out;
}

function runVector(name: OptimizerName, x0: number[], lr: number, steps: number): number[][] {
  const p = Float64Array.from(x0);
  const u = new Float64Array(p.length);
  const opt = createOptimizer(name, p.length, lr);
  const out: number[][] = [];
  for (let s = 0; s < steps; s++) {
    for (let i = 0; i < p.length; i++) u[i] = grad(p[i]!);
    opt.step(p, u);
    out.push(Array.from(p));
  }
  assert.equal(opt.t, steps);
  return out;
}

function close(actual: number, expected: number, what: string): void {
  assert.ok(Math.abs(actual - expected) <= 1e-12 * Math.max(1, Math.abs(expected)), `${what}: ${actual} vs ${expected}`);
}

for (const name of OPTIMIZER_NAMES) {
  test(`${name} matches the scalar reference for 3 steps on a 3-vector`, () => {
    const x0 = [1.5, -0.7, 0.2];
    const lr = 0.05;
    const got = runVector(name, x0, lr, 3);
    x0.forEach((xi, i) => {
      const ref = reference(name, xi, lr, 3);
      ref.forEach((r, s) => close(got[s]![i]!, r, `${name} step ${s + 1} component ${i}`));
    });
    // Sanity: every rule must actually move the parameters.
    assert.notDeepEqual(got[0], x0);
  });
}

test('hand-computed first steps', () => {
  // g = 2·1.5 − 1 = 2 at θ = 1.5, lr 0.1.
  const first = (name: OptimizerName): number => runVector(name, [1.5], 0.1, 1)[0]![0]!;
  close(first('SGD'), 1.3, 'SGD');
  close(first('SGDMOM090'), 1.3, 'SGDMOM090 (v starts at 0)');
  // Adam's first step is lr · g/(|g| + ε/√0.001) ≈ lr·sign(g).
  close(first('ADAM'), 1.5 - 0.1 * (Math.sqrt(0.001) * 2) / (Math.sqrt(0.001) * 2 + 1e-7), 'ADAM');
  assert.ok(Math.abs(first('ADAM') - 1.4) < 1e-5);
  // Adagrad: acc = 0.1 + 4 = 4.1.
  close(first('ADAGRAD'), 1.5 - (0.1 * 2) / (Math.sqrt(4.1) + 1e-7), 'ADAGRAD');
  // RMSprop: v = 0.1·4 = 0.4.
  close(first('RMSPROP'), 1.5 - (0.1 * 2) / (Math.sqrt(0.4) + 1e-7), 'RMSPROP');
  // Adadelta: accG = 0.05·4 = 0.2, Δ = √1e-7/√(0.2+1e-7)·2.
  close(first('ADADELTA'), 1.5 - 0.1 * (Math.sqrt(1e-7) / Math.sqrt(0.2 + 1e-7)) * 2, 'ADADELTA');
  // Momentum second step: θ1 = 1.3, g = 1.6, v = 0.9·(−0.2) − 0.16 = −0.34.
  close(runVector('SGDMOM090', [1.5], 0.1, 2)[1]![0]!, 1.3 - 0.34, 'SGDMOM090 step 2');
  close(runVector('SGDMOM080', [1.5], 0.1, 2)[1]![0]!, 1.3 - 0.32, 'SGDMOM080 step 2');
});

for (const name of OPTIMIZER_NAMES) {
  test(`${name} resumes bit-identically from a JSON state`, () => {
    const x0 = [0.9, -1.2, 3.1, 0.05];
    const lr = 0.03;
    const straight = runVector(name, x0, lr, 5)[4]!;

    const p = Float64Array.from(x0);
    const u = new Float64Array(p.length);
    const fill = (): Float64Array => {
      for (let i = 0; i < p.length; i++) u[i] = grad(p[i]!);
      return u;
    };
    const a = createOptimizer(name, p.length, lr);
    for (let s = 0; s < 3; s++) a.step(p, fill());
    const saved = JSON.parse(JSON.stringify(a.state()));
    assert.equal(saved.t, 3);
    const b = createOptimizer(name, p.length, lr, saved);
    assert.equal(b.t, 3);
    for (let s = 0; s < 2; s++) b.step(p, fill());
    assert.deepEqual(Array.from(p), straight);
    assert.deepEqual(b.state(), runStateAfter(name, x0, lr, 5));
  });
}

function runStateAfter(name: OptimizerName, x0: number[], lr: number, steps: number): unknown {
  const p = Float64Array.from(x0);
  const u = new Float64Array(p.length);
  const opt = createOptimizer(name, p.length, lr);
  for (let s = 0; s < steps; s++) {
    for (let i = 0; i < p.length; i++) u[i] = grad(p[i]!);
    opt.step(p, u);
  }
  return opt.state();
}

test('restoring a mismatched state throws', () => {
  const state = createOptimizer('ADAM', 3, 0.1).state();
  assert.throws(() => createOptimizer('RMSPROP', 3, 0.1, state), /ADAM/);
  assert.throws(() => createOptimizer('ADAM', 4, 0.1, state), /slot 'm'/);
  assert.throws(() => createOptimizer('ADAM', 3, 0.2, state), /lr/);
});

test('createOptimizer validates its arguments', () => {
  assert.throws(() => createOptimizer('ADAM', 2, 0), /learning rate/);
  assert.throws(() => createOptimizer('ADAM', 2, Number.NaN), /learning rate/);
  assert.throws(() => createOptimizer('adam' as OptimizerName, 2, 0.1), /accepted values/);
  const opt = createOptimizer('SGD', 2, 0.1);
  assert.throws(() => opt.step(new Float64Array(3), new Float64Array(3)), /expected 2/);
});

test('parseOptimizer is case-insensitive and rejects unknown names clearly', () => {
  assert.equal(parseOptimizer('adam'), 'ADAM');
  assert.equal(parseOptimizer('SgdMom095'), 'SGDMOM095');
  assert.equal(parseOptimizer('rmsprop'), 'RMSPROP');
  assert.throws(
    () => parseOptimizer('nadam'),
    (e: unknown) => e instanceof Error && e.message.includes("'nadam'") && e.message.includes('ADADELTA'),
  );
});

test('clip NONE leaves the update unchanged', () => {
  const u = Float64Array.of(5, -7, 0.1);
  assert.equal(clipUpdate(u, 'NONE', 1), u);
  assert.deepEqual(Array.from(u), [5, -7, 0.1]);
});

test('clip VALUE clips each component to [-c, c]', () => {
  const u = Float64Array.of(2.5, -3, 0.4, -0.5, 0.5);
  clipUpdate(u, 'VALUE', 0.5);
  assert.deepEqual(Array.from(u), [0.5, -0.5, 0.4, -0.5, 0.5]);
});

test('clip NORM rescales only vectors longer than c', () => {
  const big = Float64Array.of(3, -4); // ‖u‖ = 5
  clipUpdate(big, 'NORM', 1);
  close(big[0]!, 0.6, 'x');
  close(big[1]!, -0.8, 'y');
  const slightly = Float64Array.of(0.9, 1.2); // ‖u‖ = 1.5, just above c = 1
  clipUpdate(slightly, 'NORM', 1);
  close(slightly[0]!, 0.6, 'x');
  close(slightly[1]!, 0.8, 'y');
  const small = Float64Array.of(0.3, -0.4); // ‖u‖ = 0.5 < 1
  clipUpdate(small, 'NORM', 1);
  assert.deepEqual(Array.from(small), [0.3, -0.4]);
  const edge = Float64Array.of(6, 8); // ‖u‖ = 10 = c
  clipUpdate(edge, 'NORM', 10);
  assert.deepEqual(Array.from(edge), [6, 8]);
});

test('clip validates c and parseClipMode names the bad value', () => {
  assert.throws(() => clipUpdate(new Float64Array(2), 'VALUE', 0), /clipping number/);
  assert.throws(() => clipUpdate(new Float64Array(2), 'NORM', Number.POSITIVE_INFINITY), /clipping number/);
  assert.equal(parseClipMode('norm'), 'NORM');
  assert.equal(parseClipMode('Value'), 'VALUE');
  assert.throws(
    () => parseClipMode('global'),
    (e: unknown) => e instanceof Error && e.message.includes("'global'") && /NONE, VALUE, NORM/.test(e.message),
  );
});
