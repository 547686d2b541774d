import { test } from 'node:test';
import assert from 'node:assert/strict';
import { cartpole } from '../src/physics/cartpole/index.js';
import { resolveTrainConfig, type TrainOverrides } from '../src/train/config.js';
import { generateDataset, Trainer, type TrainSnapshot } from '../src/train/trainer.js';
import { controllerFromJson, controllerToJson } from '../src/train/controller-file.js';
import { recordColumns, recordsToCsv, type EpochRecord } from '../src/train/record.js';
import { loadReferenceDataset } from '../src/runs/datasets.js';

const TINY: TrainOverrides = { epochs: 3, trainSize: 16, testSize: 16, batch: 8, settings: { poles: 1, steps: 30, duration: 0.3, width: 12 } };

function trainer(o: TrainOverrides = {}, snapshot?: TrainSnapshot): Trainer {
  const config = resolveTrainConfig(cartpole, { ...TINY, ...o, settings: { ...TINY.settings, ...o.settings } });
  return new Trainer(cartpole, config, generateDataset(cartpole.create(config.settings), config), snapshot);
}

const withoutTime = (rs: readonly EpochRecord[]): Omit<EpochRecord, 'time'>[] => rs.map(({ time: _t, ...r }) => r);

test('same seed and config give identical records; another seed gives different ones', () => {
  const a = trainer({ seed: 3, mode: 'C' });
  const b = trainer({ seed: 3, mode: 'C' });
  const c = trainer({ seed: 4, mode: 'C' });
  a.run();
  b.run();
  c.run();
  assert.equal(a.records.length, 3);
  assert.deepEqual(withoutTime(a.records), withoutTime(b.records));
  assert.deepEqual(a.params, b.params);
  assert.notDeepEqual(withoutTime(a.records), withoutTime(c.records));
  for (const r of a.records) assert.ok(r.time > 0 && r.cosSim !== 0);
});

test('a short cart-pole run (1 pole) lowers the test loss', () => {
  const t = trainer({ epochs: 6, lr: 0.01, mode: 'R', trainSize: 32, testSize: 32, settings: { steps: 50, duration: 0.5 } });
  const before = t.evaluate().testLoss;
  assert.equal(t.run(), 'done');
  const after = t.records.at(-1)!.testLoss;
  assert.ok(after < before - 1e-3, `test loss ${before} → ${after}`);
});

test('record: mean batch loss, cos sim 0 outside mode C, columns and CSV', () => {
  const t = trainer({ mode: 'physics', epochs: 1 });
  t.run();
  const r = t.records[0]!;
  assert.equal(r.cosSim, 0);
  assert.ok(r.gradSize > 0 && Number.isFinite(r.loss) && r.physicsLoss === r.loss);
  assert.deepEqual(recordColumns(false), ['loss', 'trainLoss', 'testLoss', 'gradSize', 'cosSim', 'time']);
  assert.equal(recordColumns(true).length, 9);
  const csv = recordsToCsv(t.records, recordColumns(false)).trim().split('\n');
  assert.equal(csv[0], 'epoch,loss,train_loss,test_loss,grad_size,cos_sim,time');
  assert.equal(Number(csv[1]!.split(',')[3]), r.testLoss);
});

test('a run that blows up is reported as diverged, with no NaN records', () => {
  const t = trainer({ optimizer: 'SGD', lr: 1e12, mode: 'R', epochs: 5, settings: { zeroLastKernel: false } });
  const status = t.run();
  assert.equal(status, 'diverged');
  assert.match(t.reason!, /non-finite/);
  for (const r of t.records) for (const v of Object.values(r)) assert.ok(Number.isFinite(v));
});

test('resuming from a JSON snapshot ends with exactly the uninterrupted numbers', () => {
  const full = trainer({ epochs: 5, optimizer: 'ADAM' });
  full.run();
  const first = trainer({ epochs: 5 });
  first.runEpoch();
  first.runEpoch();
  const snap = JSON.parse(JSON.stringify(first.snapshot())) as TrainSnapshot;
  const resumed = trainer({ epochs: 5 }, snap);
  assert.equal(resumed.epoch, 2);
  resumed.run();
  assert.deepEqual(withoutTime(resumed.records), withoutTime(full.records));
  assert.deepEqual(resumed.params, full.params);
});

test('a saved controller loads back with the same parameters and outputs', () => {
  const t = trainer({ epochs: 1 });
  t.run();
  const json = JSON.parse(JSON.stringify(controllerToJson(t.config, t.problem, t.params)));
  const { problem, params } = controllerFromJson(json, cartpole);
  assert.deepEqual(params, t.params);
  assert.equal(problem.controller.paramCount, t.problem.controller.paramCount);
  json.params[0].shape = [1, 2];
  assert.throws(() => controllerFromJson(json, cartpole), /parameter "dense_0\/kernel" has shape \[1, 2\], expected \[4, 12\]/);
  assert.throws(() => controllerFromJson({ format: 'x' }, cartpole), /not a stable-bptt controller file/);
});

test('the reference dataset preset loads the published draws', () => {
  const config = resolveTrainConfig(cartpole, { dataset: 'reference', trainSize: 16, testSize: 8, settings: { poles: 2 } });
  const d = loadReferenceDataset(cartpole.create(config.settings), config);
  assert.equal(d.train.length, 16 * 6);
  assert.equal(d.test.length, 8 * 6);
  assert.ok(Math.abs(d.train[0]! - -0.250919759) < 1e-12 && Math.abs(d.train[2]! - 3.38453627) < 1e-12);
  assert.throws(
    () => loadReferenceDataset(cartpole.create(config.settings), { ...config, trainSize: 512 }),
    /published train set has only 256 states/,
  );
  const five = resolveTrainConfig(cartpole, { dataset: 'reference', settings: { poles: 5 } });
  assert.throws(() => loadReferenceDataset(cartpole.create(five.settings), five), /no published dataset/);
});

test('config validation names the flag and the accepted values', () => {
  assert.throws(() => resolveTrainConfig(cartpole, { optimizer: 'adamw' }), /--optimizer: unknown optimizer 'adamw'; accepted values: ADAM, SGD/);
  assert.throws(() => resolveTrainConfig(cartpole, { lr: '-1' }), /--lr: got "-1", expected a positive number/);
  assert.throws(() => resolveTrainConfig(cartpole, { epochs: '2.5' }), /--epochs/);
  assert.throws(() => resolveTrainConfig(cartpole, { dataset: 'published' }), /--dataset: got "published", expected generated or reference/);
  assert.throws(() => resolveTrainConfig(cartpole, { schedule: 'R*3' }), /--schedule: schedule covers 3 steps but the unroll has 100/);
  const c = resolveTrainConfig(cartpole, { mode: 'P', clip: 'norm' });
  assert.equal(c.mode, 'physics');
  assert.equal(c.clip, 'NORM');
});
