import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Rng } from '../src/engine/index.js';
import { cartpole } from '../src/physics/cartpole/index.js';
import { executeRun } from '../src/runs/execute.js';
import { recordedWarmStart, resolveWarmStart } from '../src/runs/init.js';
import { RunStore } from '../src/runs/store.js';
import { ensureSweep, parseAxes, planSweep } from '../src/runs/sweep.js';
import { resolveTrainConfig, type TrainOverrides } from '../src/train/config.js';
import { controllerToJson } from '../src/train/controller-file.js';
import { Trainer } from '../src/train/trainer.js';
import { warmStartSnapshot } from '../src/train/warm-start.js';

const TINY: TrainOverrides = { settings: { poles: 1, steps: 8, width: 5 }, epochs: 1, trainSize: 8, testSize: 8 };
const dir = (): string => mkdtempSync(join(tmpdir(), 'sbptt-init-'));

/** A controller file of the tiny cart-pole holding random, non-zero weights. */
function savedController(settings: Record<string, unknown> = TINY.settings!): { path: string; params: Float64Array } {
  const config = resolveTrainConfig(cartpole, { ...TINY, settings });
  const problem = cartpole.create(config.settings);
  const params = problem.controller.initParams(new Rng(11)).map((v, i) => v + 0.01 * (i % 7));
  const path = join(dir(), 'controller.json');
  writeFileSync(path, JSON.stringify(controllerToJson(config, problem, params)));
  return { path, params };
}

test('--init from a controller file: the run starts from its weights, resumes from them, and records them', async () => {
  const { path, params } = savedController();
  const config0 = resolveTrainConfig(cartpole, TINY);
  const problem = cartpole.create(config0.settings);
  const warm = await resolveWarmStart(path, problem, null);
  assert.deepEqual(warm.params, params);
  assert.equal(warm.record.from, path);
  assert.match(warm.record.sha256, /^[0-9a-f]{64}$/);
  const config = resolveTrainConfig(cartpole, { ...TINY, init: warm.record });
  assert.deepEqual(config.init, warm.record);
  assert.throws(() => new Trainer(cartpole, config), /starts from the weights of .*controller\.json/);
  const store = await RunStore.open(join(dir(), 'runs.sqlite'));
  try {
    const id = await store.createRun(config);
    await store.saveProgress(id, warmStartSnapshot(config, warm.params));
    let start: Float64Array | null = null;
    const { status, trainer } = await executeRun(store, id, { problem: cartpole, onStart: (t) => (start = Float64Array.from(t.params)) });
    assert.equal(status, 'done');
    assert.deepEqual(start, params, 'the first epoch starts from the given weights');
    const seeded = new Trainer(cartpole, config0);
    assert.notDeepEqual(Array.from(seeded.params), Array.from(params), 'not the seed\'s weights');
    assert.ok(trainer!.params.some((v, i) => v !== params[i]), 'and trains from there');
    // A stored run is a source too: its final controller.
    const fromRun = await resolveWarmStart(String(id), problem, store);
    assert.deepEqual(fromRun.params, trainer!.params);
    assert.equal(fromRun.record.from, `run ${id}`);
    assert.deepEqual((await resolveWarmStart(`run ${id}`, problem, store)).params, trainer!.params);
    await assert.rejects(resolveWarmStart('999', problem, store), /^Error: --init: no run 999 in /);
  } finally {
    await store.close();
  }
});

test('--init: an architecture mismatch, a missing file and changed weights each give one line naming --init', async () => {
  const problem = cartpole.create(resolveTrainConfig(cartpole, TINY).settings);
  const wide = savedController({ ...TINY.settings, width: 6 });
  await assert.rejects(resolveWarmStart(wide.path, problem, null), (e: Error) => {
    assert.match(e.message, /^--init: .*controller\.json does not fit this run's controller \(parameter "dense_0\/kernel" has shape \[4, 6\], expected \[4, 5\]\)/);
    assert.match(e.message, /the hidden layers --width, --depth, --hidden and --bias; give the saved controller's$/);
    assert.doesNotMatch(e.message, /\n/);
    return true;
  });
  const noBias = cartpole.create(resolveTrainConfig(cartpole, { ...TINY, settings: { ...TINY.settings, bias: false } }).settings);
  await assert.rejects(resolveWarmStart(savedController().path, noBias, null), /^Error: --init: .*unknown parameter "dense_0\/bias"/);
  await assert.rejects(resolveWarmStart('no/such.json', problem, null), /^Error: --init: no\/such\.json is neither a file nor a run id/);
  const { path } = savedController();
  const warm = await resolveWarmStart(path, problem, null);
  // The same file, every weight moved: a rerun must not start from other weights than the run did.
  const file = JSON.parse(readFileSync(path, 'utf8')) as { params: { data: number[] }[] };
  for (const a of file.params) a.data = a.data.map((v) => v + 1);
  writeFileSync(path, JSON.stringify(file));
  await assert.rejects(recordedWarmStart(warm.record, problem, null), /^Error: --init: .* now holds other weights/);
});

test('a warm-started sweep: every run records the source and starts from its weights', async () => {
  const { path, params } = savedController();
  const problem = cartpole.create(resolveTrainConfig(cartpole, TINY).settings);
  const warm = await resolveWarmStart(path, problem, null);
  const axes = parseAxes(cartpole, { complexity: '1', modes: 'R,C/4', clip: 'NONE' });
  const plan = planSweep(cartpole, { ...TINY, init: warm.record }, axes);
  assert.notEqual(plan.name, planSweep(cartpole, TINY, axes).name, 'a warm start is part of the grid');
  const store = await RunStore.open(join(dir(), 'runs.sqlite'));
  try {
    await assert.rejects(ensureSweep(store, plan), /its runs start from .*controller\.json; give --init/);
    const ids = await ensureSweep(store, plan, undefined, warm.params);
    assert.equal(ids.length, 2);
    for (const id of ids) {
      assert.deepEqual((await store.run(id)).config.init, warm.record);
      assert.deepEqual((await store.checkpoint(id))!.params, Array.from(params));
    }
    assert.deepEqual(await ensureSweep(store, plan, undefined, warm.params), ids, 'the same command finds the same runs');
  } finally {
    await store.close();
  }
});
