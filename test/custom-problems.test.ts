/**
 * Own physics through the public API: defineProblem with tensor-code (automatic) or fused
 * gradients, the automatic path against the fused one, checkProblem, and module loading.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  add,
  cartpole,
  checkProblem,
  repulsion,
  concat,
  defineProblem,
  mean,
  mul,
  resolveTrainConfig,
  Rng,
  slice,
  square,
  Trainer,
  UpdateRule,
  type Mode,
  type Simulator,
} from '../src/index.js';
import { loadProblem, problemOfRun } from '../src/runs/problems.js';

/** A 1-D point mass pushed by a force towards the origin, in tensor code. */
const pointMass = defineProblem({
  name: 'pointmass',
  settings: [{ key: 'steps', flag: 'steps', kind: 'int', default: 20, min: 1, help: 'unrolled steps' }],
  controller: { kind: 'mlp', hidden: [8] },
  complexity: { key: 'steps', values: [10, 20] },
  build: (s) => ({
    stateSize: 2,
    controlSize: 1,
    steps: s.steps as number,
    dt: 0.1,
    sample: (n, rng) => Float64Array.from({ length: 2 * n }, () => rng.uniform(-1, 1)),
    step: (x, c) => {
      const v = add(slice(x, 1, 1), mul(0.1, c));
      return concat([add(slice(x, 1, 0), mul(0.1, v)), v], 1);
    },
    loss: { kind: 'final', term: (x) => mean(square(slice(x, 1, 0))) },
  }),
});

test('defineProblem fills in defaults: MLP settings, training defaults, the generic scene', () => {
  assert.deepEqual(
    pointMass.settings.map((s) => s.key),
    ['steps', 'width', 'depth', 'hidden', 'zeroLastKernel', 'bias'],
  );
  assert.equal(pointMass.title, 'pointmass');
  assert.equal(pointMass.training.optimizer, 'ADAM');
  assert.equal(pointMass.presentation.scene, undefined);
  const inst = pointMass.create({});
  assert.equal(inst.gradients, 'automatic');
  assert.equal(inst.controller.paramCount, 2 * 8 + 8 + 8 + 1);
  const noBias = pointMass.create({ bias: false });
  assert.equal(noBias.controller.paramCount, 2 * 8 + 8);
  assert.deepEqual(noBias.controller.layout.map((p) => p.name), ['dense_0/kernel', 'dense_1/kernel']);
  assert.throws(() => defineProblem({ name: 'Bad Name', build: pointMass.create as never }), /name "Bad Name" must be lower-case/);
  assert.throws(() => defineProblem({ ...{ name: 'x', build: () => ({}) as never }, complexity: { key: 'nope', values: [1] } }), /complexity key "nope" is not a declared setting/);
});

test('a problem defined in tensor code trains through Trainer and lowers its loss', () => {
  const config = resolveTrainConfig(pointMass, { mode: 'C', epochs: 8, lr: 1e-2, trainSize: 32, testSize: 32 });
  const trainer = new Trainer(pointMass, config);
  const before = trainer.evaluate().testLoss;
  assert.equal(trainer.run(), 'done');
  assert.ok(trainer.records.at(-1)!.testLoss < 0.8 * before, `${before} → ${trainer.records.at(-1)!.testLoss}`);
});

/** Relative difference of two arrays (max |a − b| / max |b|). */
const rel = (a: ArrayLike<number>, b: ArrayLike<number>): number => {
  let e = 0, s = 1e-300;
  for (let i = 0; i < a.length; i++) (e = Math.max(e, Math.abs(a[i]! - b[i]!))), (s = Math.max(s, Math.abs(b[i]!)));
  return e / s;
};

for (const [def, settings] of [
  [cartpole, { poles: 2, steps: 30, width: 16 }],
  [repulsion, { steps: 20, width: 16, drivers: 2, evaders: 3 }],
] as const) test(`${def.name} in tensor code equals the fused ${def.name}: loss and every mode’s update to 1e-12`, () => {
  const fused = def.create(settings, { gradients: 'fused' });
  const auto = def.create(settings, { gradients: 'automatic' });
  assert.equal(fused.gradients, 'fused');
  assert.equal(auto.gradients, 'automatic');
  const rng = new Rng(4);
  const params = fused.controller.initParams(rng).map((v) => v + 0.05 * rng.normal());
  const x0 = fused.sample(4, new Rng(5));
  const ruleF = new UpdateRule({ ...fused, batch: 4 });
  const ruleA = new UpdateRule({ ...auto, batch: 4 });
  for (const mode of ['full', 'physics', 'network', 'stop', 'combined'] as Mode[]) {
    const a = ruleF.compute(params, x0, mode);
    const ua = Float64Array.from(a.update), la = a.loss;
    const b = ruleA.compute(params, x0, mode);
    assert.ok(rel([b.loss], [la]) <= 1e-12, `${mode}: loss ${b.loss} vs ${la}`);
    assert.ok(rel(b.update, ua) <= 1e-12, `${mode}: update differs by ${rel(b.update, ua)}`);
  }
});

test('checkProblem passes the built-ins and a tensor-code problem, and names a broken VJP', () => {
  for (const [def, settings] of [
    [cartpole, { poles: 2, steps: 5, width: 8 }],
    [pointMass, { width: 4 }],
  ] as const) {
    const parts = checkProblem(def, settings);
    assert.ok(parts.every((p) => p.ok), parts.filter((p) => !p.ok).map((p) => `${p.part}: ${p.detail}`).join('; '));
    assert.ok(parts.some((p) => p.part === 'controller'));
  }
  const cp = checkProblem(cartpole, { poles: 1, steps: 4, width: 4 });
  assert.deepEqual(
    cp.map((p) => p.part),
    ['definition', 'sampler', 'step (fused)', 'step (automatic)', 'step replay', 'fused = automatic (step)', 'loss (fused)', 'loss (automatic)', 'fused = automatic (loss)', 'controller'],
  );

  // A hand-written VJP that gets the control's gradient wrong by a factor of 2.
  const broken: Simulator = {
    stateSize: 2,
    controlSize: 1,
    step: (x, c, y, B) => {
      for (let b = 0; b < B; b++) (y[2 * b] = x[2 * b]! + 0.1 * x[2 * b + 1]!), (y[2 * b + 1] = x[2 * b + 1]! + 0.1 * c[b]!);
    },
    stepVjp: (_x, _c, _y, yBar, xBar, cBar, B) => {
      for (let b = 0; b < B; b++) {
        if (xBar) (xBar[2 * b] = yBar[2 * b]!), (xBar[2 * b + 1] = 0.1 * yBar[2 * b]! + yBar[2 * b + 1]!);
        cBar[b] = 0.2 * yBar[2 * b + 1]!;
      }
    },
  };
  const bad = defineProblem({
    name: 'broken',
    controller: { kind: 'mlp', hidden: [4] },
    build: () => ({ ...pointMass.create({}).physics, step: undefined, fusedStep: broken }),
  });
  const parts = checkProblem(bad);
  const step = parts.find((p) => p.part === 'step (fused)')!;
  assert.equal(step.ok, false);
  assert.match(step.detail, /gradient of the step with respect to c \(the control\) is wrong/);
  assert.doesNotMatch(step.detail, /with respect to x/);
});

test('problem modules: loaded by path with their hash; gone or changed modules give clear errors', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'sbptt-module-'));
  const file = join(dir, 'mine.ts');
  writeFileSync(file, "import pendulum from '" + join(process.cwd(), 'examples', 'pendulum.ts') + "';\nexport default pendulum;\n");
  const loaded = await loadProblem(file);
  assert.equal(loaded.definition.name, 'pendulum');
  assert.equal(loaded.source.kind, 'module');
  const run = { id: 7, problem: 'pendulum', problemSource: loaded.source };
  assert.equal(await problemOfRun(run), loaded.definition);
  writeFileSync(file, "import pendulum from '" + join(process.cwd(), 'examples', 'pendulum.ts') + "';\nexport default pendulum; // edited\n");
  await assert.rejects(problemOfRun(run), /^Error: run 7: its problem module .*mine\.ts has changed since the run \(sha256 [0-9a-f]{12}… then, [0-9a-f]{12}… now\)/);
  const warnings: string[] = [];
  assert.equal((await problemOfRun(run, { allowChanged: true, warn: (l) => warnings.push(l) })).name, 'pendulum');
  assert.match(warnings[0]!, /^warning: run 7: .* has changed/);
  await assert.rejects(problemOfRun({ ...run, problemSource: { ...loaded.source, path: join(dir, 'gone.ts') } }), /run 7: its problem module .*gone\.ts is gone; restore the file/);
  await assert.rejects(loadProblem(join(dir, 'nope.ts')), /problem module .*nope\.ts: no such file/);
  const notProblem = join(dir, 'other.ts');
  writeFileSync(notProblem, 'export default { name: 1 };\n');
  await assert.rejects(loadProblem(notProblem), /expected `export default defineProblem\(\{\.\.\.\}\)`, found a default export that is not made by defineProblem/);
  await assert.rejects(loadProblem('carpole'), /unknown problem "carpole"; accepted: cartpole, repulsion, quantum, or a module path/);
});
