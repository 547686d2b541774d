/**
 * Diagnoses of runs: taken while training (--diagnose-every) without changing the run's numbers,
 * stored with θ so that they can be taken again, the same after a stop and resume; `sbptt diagnose`
 * for a problem and a run writes its figure and CSV; bad input is one line.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { diagnoseGradientFlow } from '../src/bptt/diagnose.js';
import { parseHorizonStride, parseModeList } from '../src/cli/diagnose.js';
import { Rng } from '../src/engine/random.js';
import { cartpole } from '../src/physics/cartpole/index.js';
import { resolveSettings } from '../src/physics/problem.js';
import { diagnoseRun, pickEpochs, runEpochs } from '../src/runs/diagnose-run.js';
import { executeRun } from '../src/runs/execute.js';
import { DIAGNOSTIC_COLUMNS, diagnosticRows } from '../src/runs/figures/diagnose-spec.js';
import { RunStore } from '../src/runs/store.js';
import { resolveTrainConfig, type TrainOverrides } from '../src/train/config.js';
import { Trainer } from '../src/train/trainer.js';
import type { EpochRecord } from '../src/train/record.js';
import { runSbpttSync, type CliResult } from './helpers/cli.js';

const TINY: TrainOverrides = { epochs: 5, trainSize: 16, testSize: 8, batch: 4, mode: 'C', settings: { poles: 1, steps: 12, duration: 0.24, width: 6, zeroLastKernel: false } };
const withoutTime = (rs: readonly EpochRecord[]): Omit<EpochRecord, 'time'>[] => rs.map(({ time: _t, ...r }) => r);

test('diagnosing while training leaves the run\'s numbers as they are; each diagnosis is that of θ of its epoch', () => {
  const plain = new Trainer(cartpole, resolveTrainConfig(cartpole, TINY));
  plain.run();
  const config = resolveTrainConfig(cartpole, { ...TINY, diagnoseEvery: 2 });
  assert.equal(config.diagnoseEvery, 2);
  assert.equal('diagnoseEvery' in resolveTrainConfig(cartpole, TINY), false, 'configs without it stay as they were');
  const t = new Trainer(cartpole, config);
  t.run();
  assert.deepEqual(withoutTime(t.records), withoutTime(plain.records));
  assert.deepEqual(Array.from(t.params), Array.from(plain.params));
  assert.deepEqual(t.diagnoses.map((d) => d.epoch), [0, 2, 4]);
  const x0 = t.data.test.subarray(0, 4 * t.problem.simulator.stateSize);
  for (const d of t.diagnoses) {
    assert.deepEqual(d.flow, diagnoseGradientFlow(t.problem, Float64Array.from(d.params), x0, { horizonStride: 0 }));
    assert.equal(d.flow.modes.length, 4);
  }
  assert.notDeepEqual(t.diagnoses[0]!.params, t.diagnoses[2]!.params, 'θ moved between the diagnoses');
  assert.throws(() => resolveTrainConfig(cartpole, { ...TINY, diagnoseEvery: 'often' }), /--diagnose-every: got "often", expected an integer from 0 to 1,000,000/);
});

test('stored diagnoses: the same after a stop and resume; a stored epoch diagnosed again gives the stored numbers', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'sbptt-diag-'));
  const store = await RunStore.open(join(dir, 'runs.sqlite'));
  const config = resolveTrainConfig(cartpole, { ...TINY, diagnoseEvery: 2 });
  const whole = await store.createRun(config);
  assert.equal((await executeRun(store, whole)).status, 'done');
  const resumed = await store.createRun(config);
  let epochs = 0;
  // Stopped after epoch 3 with a lease that has already run out: the next call takes the run over.
  assert.equal((await executeRun(store, resumed, { leaseSeconds: 0, onEpoch: () => epochs++, shouldStop: () => epochs === 3 })).status, 'paused');
  assert.deepEqual((await store.diagnoses(resumed)).map((d) => d.epoch), [0, 2]);
  assert.equal((await store.checkpoint(resumed))!.epoch, 3);
  assert.equal((await executeRun(store, resumed)).status, 'done');
  const a = await store.diagnoses(whole, { params: true });
  const b = await store.diagnoses(resumed, { params: true });
  assert.deepEqual(a.map((d) => d.epoch), [0, 2, 4]);
  assert.deepEqual(b, a);

  const stored = await store.run(whole);
  const epochsThere = await runEpochs(store, stored);
  assert.deepEqual([...epochsThere], [[0, 'diagnosis'], [2, 'diagnosis'], [4, 'diagnosis'], [5, 'final controller']]);
  assert.deepEqual(pickEpochs('0, last', stored, epochsThere), [0, 5]);
  assert.throws(() => pickEpochs('3', stored, epochsThere), /run \d+ has no parameters of epoch 3; it has those of epochs 0, 2, 4 \(diagnosis\), 5 \(final controller\)/);
  assert.throws(() => pickEpochs('x', stored, epochsThere), /--epochs-of-run: got "x", expected epoch numbers, last or all/);
  const again = await diagnoseRun(store, stored, cartpole, { epochs: [2, 5], horizonStride: 0 });
  assert.deepEqual(again[0]!.flow, a[1]!.flow);
  const final = await store.controller(whole);
  assert.ok(final);
  assert.notDeepEqual(again[1]!.flow, again[0]!.flow);
  // A run trained without diagnoses: the initialisation (from the seed) and the final controller.
  const bare = await store.createRun(resolveTrainConfig(cartpole, TINY));
  await executeRun(store, bare);
  const bareEpochs = await runEpochs(store, await store.run(bare));
  assert.deepEqual([...bareEpochs], [[0, 'initialisation'], [5, 'final controller']]);
  assert.throws(() => pickEpochs('2', stored, bareEpochs), /train with --diagnose-every k to keep the parameters of every k-th epoch/);
  const init = await diagnoseRun(store, await store.run(bare), cartpole, { epochs: [0], horizonStride: 0 });
  assert.deepEqual(init[0]!.flow, a[0]!.flow, 'epoch 0 is made again from the seed: the same as the diagnosed initialisation');
  await store.close();
});

const sbptt = (...args: string[]): CliResult => runSbpttSync(args);

test('sbptt diagnose: a problem and a run give a figure and a CSV; bad input is one line', () => {
  const dir = mkdtempSync(join(tmpdir(), 'sbptt-diag-cli-'));
  const tiny = ['--poles', '1', '--steps', '10', '--width', '6'];
  const p = sbptt('diagnose', 'cartpole', ...tiny, '--zero-last-kernel', 'false', '--modes', 'R,M', '--batch', '3', '--horizons', '3', '--out', dir);
  assert.equal(p.code, 0, p.err);
  for (const ext of ['svg', 'png', 'csv']) assert.ok(existsSync(join(dir, `diagnose-cartpole.${ext}`)), ext);
  const csv = readFileSync(join(dir, 'diagnose-cartpole.csv'), 'utf8').trim().split('\n');
  assert.equal(csv[0], DIAGNOSTIC_COLUMNS.join(','));
  // Per mode: 10 adjoints, 10 shares, 4 horizons (1, 4, 7, 10) × 2, 3 layers, 1 norm.
  assert.equal(csv.length - 1, 2 * (10 + 10 + 8 + 3 + 1));
  assert.match(csv[1]!, /^0,R,adjoint_norm,1,,\d/);
  assert.match(readFileSync(join(dir, 'diagnose-cartpole.svg'), 'utf8'), /state adjoint/);

  const store = join(dir, 'runs.sqlite');
  const t = sbptt('train', 'cartpole', ...tiny, '--epochs', '2', '--train-size', '8', '--test-size', '4', '--batch', '4', '--diagnose-every', '1', '--store', store, '--out', join(dir, 'run'), '--quiet');
  assert.equal(t.code, 0, t.err);
  const r = sbptt('diagnose', '1', '--store', store, '--epochs-of-run', 'all', '--horizons', '0', '--out', dir);
  assert.equal(r.code, 0, r.err);
  assert.match(r.err, /run 1: parameters stored for epochs 0, 1 \(diagnosis\), 2 \(final controller\); diagnosing 0, 1, 2/);
  for (const f of ['run-1-diagnose.png', 'run-1-diagnose.csv', 'run-1-diagnose-epochs.png', 'run-1-diagnose-epochs.csv']) assert.ok(existsSync(join(dir, f)), f);
  const rows = readFileSync(join(dir, 'run-1-diagnose-epochs.csv'), 'utf8').trim().split('\n').slice(1);
  assert.deepEqual([...new Set(rows.map((l) => l.split(',')[0]))], ['0', '1', '2']);

  const cases: [string[], RegExp][] = [
    [['diagnose', '1', '--store', store, '--epochs-of-run', '7'], /--epochs-of-run: run 1 has no parameters of epoch 7; it has those of epochs 0, 1 \(diagnosis\), 2 \(final controller\)/],
    [['diagnose', 'cartpole', '--modes', 'C'], /--modes: C \(combined\) has no adjoint of its own/],
    [['diagnose', 'pendulum'], /diagnose: name a problem \(cartpole, repulsion, quantum or a module path\) or a run id \(got "pendulum"\)/],
  ];
  for (const [args, message] of cases) {
    const e = sbptt(...args);
    assert.equal(e.code, 2, args.join(' '));
    assert.match(e.err, message);
    assert.equal(e.err.trim().split('\n').length, 1, e.err);
  }
});

test('the flags --modes and --horizons: what is accepted, and one line for what is not', () => {
  assert.deepEqual(parseModeList('R,M,physics,n'), ['full', 'physics', 'network']);
  assert.throws(() => parseModeList('Q'), /^Error: --modes: unknown gradient mode "Q"; accepted: /);
  assert.throws(() => parseModeList('M,combined'), /--modes: C \(combined\) has no adjoint of its own/);
  assert.equal(parseHorizonStride('0'), 0);
  assert.equal(parseHorizonStride('7'), 7);
  for (const bad of ['-1', '1.5', 'x', '']) assert.throws(() => parseHorizonStride(bad), /--horizons: got ".*", expected a stride \(a positive integer; 0: no horizon curve\)/);
});

test('the CSV rows hold every number of a diagnosis once', () => {
  const problem = cartpole.create(resolveSettings(cartpole, { poles: 1, steps: 5, duration: 0.1, width: 4 }));
  const rng = new Rng(1);
  const flow = diagnoseGradientFlow(problem, problem.controller.initParams(rng), problem.sample(2, rng), { horizonStride: 2 });
  const rows = diagnosticRows([{ epoch: 7, flow }]);
  // Per mode: 5 adjoints, 5 shares, 3 horizons (1, 3, 5) × (norm, loss), 3 layers, 1 norm.
  assert.equal(rows.length, 4 * (5 + 5 + 2 * 3 + 3 + 1));
  assert.ok(rows.every((r) => r.epoch === 7));
  assert.deepEqual(rows.filter((r) => r.quantity === 'grad_norm').map((r) => r.value), flow.modes.map((m) => m.gradNorm));
});
