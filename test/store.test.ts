import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { SqliteStore } from '../src/runs/store-sqlite.js';
import { RunStore } from '../src/runs/store.js';
import { executeRun } from '../src/runs/execute.js';
import { cartpole } from '../src/physics/index.js';
import { resolveTrainConfig, type TrainOverrides } from '../src/train/config.js';
import type { EpochRecord } from '../src/train/record.js';

const tmp = (): string => join(mkdtempSync(join(tmpdir(), 'sbptt-store-')), 'runs.sqlite');
const TINY: TrainOverrides = { epochs: 5, trainSize: 16, testSize: 8, settings: { poles: 1, steps: 20, duration: 0.2, width: 8 } };
const config = (o: TrainOverrides = {}) => resolveTrainConfig(cartpole, { ...TINY, ...o, settings: { ...TINY.settings, ...o.settings } });
const withoutTime = (rs: readonly EpochRecord[]) => rs.map(({ time: _t, ...r }) => r);

test('store round trip: config, status, records, checkpoint, controller', async () => {
  const store = await RunStore.open(tmp());
  const id = await store.createRun(config({ mode: 'C' }), 'sweep-a');
  assert.equal((await store.run(id)).status, 'queued');
  const { status, trainer } = await executeRun(store, id);
  assert.equal(status, 'done');
  const run = await store.run(id);
  assert.equal(run.status, 'done');
  assert.equal(run.config.mode, 'combined');
  assert.equal(run.epochsDone, 5);
  assert.ok(run.startedAt && run.finishedAt && run.trainSeconds > 0 && run.codeVersion !== 'unknown');
  assert.deepEqual(await store.records(id), trainer!.records);
  assert.equal((await store.checkpoint(id))!.epoch, 5);
  assert.deepEqual((await store.controller(id))!.params[0]!.data, Array.from(trainer!.params.subarray(0, 4 * 8)));
  assert.deepEqual((await store.runs({ sweep: 'sweep-a' })).map((r) => r.id), [id]);
  assert.deepEqual(await store.runs({ status: 'queued' }), []);
  assert.deepEqual(await store.sweeps(), [{ sweep: 'sweep-a', runs: 1, done: 1 }]);
  await assert.rejects(store.run(999), /no run with id 999/);
  await store.close();
});

test('two processes writing one store at once lose nothing', async () => {
  const path = tmp();
  (await RunStore.open(path)).close();
  const worker = (): Promise<number> =>
    new Promise((resolve) => {
      const p = spawn(process.execPath, ['--import', 'tsx', 'test/helpers/store-worker.ts', 'write', path, '15', '8'], { stdio: 'inherit' });
      p.on('exit', (code) => resolve(code ?? -1));
    });
  assert.deepEqual(await Promise.all([worker(), worker()]), [0, 0]);
  const store = await RunStore.open(path);
  const runs = await store.runs({ sweep: 'concurrent' });
  assert.equal(runs.length, 30);
  for (const r of runs) {
    assert.equal(r.status, 'done');
    assert.deepEqual((await store.records(r.id)).map((e) => e.testLoss), Array(8).fill(r.id));
  }
  await store.close();
});

test('checkpoints append: earlier epochs are not rewritten, the checkpoint holds no records, resume sees them all', async () => {
  const store = (await RunStore.open(tmp())) as SqliteStore;
  const id = await store.createRun(config({ mode: 'R' }));
  const { trainer } = await executeRun(store, id);
  const snap = trainer!.snapshot();
  // Mark a stored epoch; a further save must leave it alone (it appends only what is new).
  store.db.prepare('UPDATE epochs SET loss = -1 WHERE run_id = ? AND epoch = 2').run(id);
  await store.saveProgress(id, snap);
  assert.equal((await store.records(id))[1]!.loss, -1);
  const raw = store.db.prepare('SELECT snapshot FROM checkpoints WHERE run_id = ?').get(id) as { snapshot: string };
  assert.deepEqual((JSON.parse(raw.snapshot) as { records: unknown[] }).records, []);
  store.db.prepare('UPDATE epochs SET loss = ? WHERE run_id = ? AND epoch = 2').run(snap.records[1]!.loss, id);
  assert.deepEqual(await store.checkpoint(id), snap);
  // An older checkpoint (epoch 3) drops the later records and gets exactly the earlier ones back.
  const older = { ...snap, epoch: 3, records: snap.records.slice(0, 3) };
  await store.saveProgress(id, older);
  assert.deepEqual((await store.checkpoint(id))!.records, snap.records.slice(0, 3));
  assert.equal((await store.records(id)).length, 3);
  await store.close();
});

test('after kill -9 the same run resumes from its checkpoint and ends with the uninterrupted numbers', async () => {
  const reference = await RunStore.open(tmp());
  const refId = await reference.createRun(config({ mode: 'C', optimizer: 'ADAM' }));
  await executeRun(reference, refId);
  const path = tmp();
  const store = await RunStore.open(path);
  const id = await store.createRun(config({ mode: 'C', optimizer: 'ADAM' }));
  const killed = spawnSync(process.execPath, ['--import', 'tsx', 'test/helpers/store-worker.ts', 'train', path, String(id), '3']);
  assert.equal(killed.signal, 'SIGKILL');
  assert.equal((await store.run(id)).status, 'running');
  assert.equal((await store.checkpoint(id))!.epoch, 3);
  let resumedFrom = -1;
  assert.equal((await executeRun(store, id, { onStart: (t) => (resumedFrom = t.epoch) })).status, 'done');
  assert.equal(resumedFrom, 3);
  assert.deepEqual(withoutTime(await store.records(id)), withoutTime(await reference.records(refId)));
  assert.deepEqual((await store.controller(id))!.params, (await reference.controller(refId))!.params);
  assert.equal((await executeRun(store, id)).status, 'done', 'a finished run is not redone');
  await store.close();
  await reference.close();
});

test('a diverging run is marked diverged with its reason; a broken one failed', async () => {
  const store = await RunStore.open(tmp());
  const bad = await store.createRun(config({ optimizer: 'SGD', lr: 1e12, mode: 'R', settings: { zeroLastKernel: false } }));
  assert.equal((await executeRun(store, bad)).status, 'diverged');
  assert.match((await store.run(bad)).reason!, /non-finite/);
  const broken = await store.createRun({ ...config(), dataset: 'reference', settings: { ...config().settings, poles: 7 } });
  assert.equal((await executeRun(store, broken)).status, 'failed');
  assert.match((await store.run(broken)).reason!, /no published dataset/);
  const ok = await store.createRun(config({ epochs: 1 }));
  assert.equal((await executeRun(store, ok)).status, 'done');
  await store.close();
});

test('CLI: runs lists, export writes CSV and JSON, and bad targets or formats are clear errors', async () => {
  const path = tmp();
  const sbptt = (...args: string[]) => spawnSync(process.execPath, ['--import', 'tsx', 'src/cli/main.ts', ...args, '--store', path], { encoding: 'utf8' });
  const out = join(mkdtempSync(join(tmpdir(), 'sbptt-out-')), 'run');
  const train = sbptt('train', 'cartpole', '--poles', '1', '--steps', '20', '--width', '8', '--epochs', '2', '--train-size', '16', '--test-size', '8', '--out', out, '--quiet');
  assert.equal(train.status, 0, train.stderr);
  assert.match(train.stdout, /stored as run 1/);
  const list = sbptt('runs');
  assert.match(list.stdout, /\n\s*1\s+cartpole\s+poles 1\s+C\s+NONE\s+done\s+2\/2/);
  const csv = sbptt('export', '1', '--format', 'csv').stdout.trim().split('\n');
  assert.equal(csv[0], 'run,problem,complexity,mode,clip,seed,epoch,loss,train_loss,test_loss,grad_size,cos_sim,time');
  assert.equal(csv.length, 3);
  assert.match(csv[1]!, /^1,cartpole,1,C,NONE,0,1,/);
  const json = JSON.parse(sbptt('export', '1', '--format', 'json').stdout);
  assert.equal(json[0].records.length, 2);
  assert.equal(json[0].complexity, 1);
  assert.equal(Number(csv[2]!.split(',')[9]), json[0].records[1].testLoss);
  for (const [args, msg] of [
    [['export', '42'], /no run with id 42/],
    [['export', 'nosuchsweep'], /no run id or sweep named "nosuchsweep"/],
    [['export', '1', '--format', 'xlsx'], /--format: got "xlsx", expected csv or json/],
    [['runs', '--status', 'sleeping'], /--status: got "sleeping", expected one of queued, running/],
  ] as [string[], RegExp][]) {
    const r = sbptt(...args);
    assert.equal(r.status, 2, args.join(' '));
    assert.match(r.stderr, msg);
    assert.doesNotMatch(r.stderr, /\n\s+at /);
  }
});
