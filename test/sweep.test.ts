import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { cartpole, quantum, repulsion } from '../src/physics/index.js';
import { ensureSweep, parseAxes, planSweep } from '../src/runs/sweep.js';
import { runPool } from '../src/runs/pool.js';
import { RunStore } from '../src/runs/store.js';
import { executeRun } from '../src/runs/execute.js';
import { resolveTrainConfig } from '../src/train/config.js';
import type { EpochRecord } from '../src/train/record.js';

const tmp = (): string => join(mkdtempSync(join(tmpdir(), 'sbptt-sweep-')), 'runs.sqlite');
const TINY = { epochs: 3, trainSize: 16, testSize: 8, settings: { steps: 15, duration: 0.15, width: 8 } };
const withoutTime = (rs: readonly EpochRecord[]) => rs.map(({ time: _t, ...r }) => r);

test('the default grids are the published ones; subsets and bad values', () => {
  const full = planSweep(cartpole, {}, parseAxes(cartpole, {}));
  assert.equal(full.configs.length, 48);
  assert.deepEqual([...new Set(full.configs.map((c) => c.settings.poles))], [1, 2, 3, 4]);
  assert.deepEqual([...new Set(full.configs.map((c) => c.clip))], ['VALUE', 'NORM', 'NONE']);
  assert.deepEqual([...new Set(full.configs.map((c) => c.mode))], ['full', 'physics', 'combined', 'stop']);
  assert.equal(planSweep(repulsion, {}, parseAxes(repulsion, {})).configs.length, 48);
  assert.equal(planSweep(quantum, {}, parseAxes(quantum, {})).configs.length, 36);
  const sub = planSweep(cartpole, TINY, parseAxes(cartpole, { complexity: '2,3', modes: 'R,C', clip: 'norm', seeds: '2' }));
  assert.equal(sub.configs.length, 8);
  assert.deepEqual(sub.configs.map((c) => c.seed), [0, 1, 0, 1, 0, 1, 0, 1]);
  assert.equal(sub.name, planSweep(cartpole, TINY, parseAxes(cartpole, { complexity: '2,3', modes: 'R,C', clip: 'NORM', seeds: 2 })).name, 'same grid, same name');
  assert.throws(() => parseAxes(cartpole, { complexity: '0' }), /--poles: got "0"/);
  assert.throws(() => parseAxes(cartpole, { modes: 'R,Q' }), /--modes: unknown gradient mode "Q"/);
  assert.throws(() => parseAxes(cartpole, { clip: 'SOME' }), /--clip: unknown clipping mode/);
  assert.throws(() => parseAxes(cartpole, { seeds: '0' }), /--seeds/);
});

test('a sweep on two workers: every run finishes, a diverging run is marked and the rest completes', async () => {
  const path = tmp();
  const store = RunStore.open(path);
  const plan = planSweep(cartpole, TINY, parseAxes(cartpole, { complexity: '1,2', modes: 'R,C', clip: 'NORM' }));
  const ids = ensureSweep(store, plan);
  assert.deepEqual(ensureSweep(store, plan), ids, 'ensureSweep is idempotent');
  const bad = store.createRun(resolveTrainConfig(cartpole, { ...TINY, optimizer: 'SGD', lr: 1e12, mode: 'R', settings: { ...TINY.settings, zeroLastKernel: false } }), plan.name);
  store.close();
  const seen: number[] = [];
  const final = await runPool(path, [bad, ...ids], 2, (p) => p.justFinished && seen.push(p.justFinished.run));
  assert.equal(final.finished, 5);
  assert.deepEqual(final.counts, { diverged: 1, done: 4 });
  assert.deepEqual(seen.sort(), [bad, ...ids].sort());
  const check = RunStore.open(path);
  assert.equal(check.run(bad).status, 'diverged');
  for (const id of ids) {
    assert.equal(check.run(id).status, 'done');
    assert.equal(check.records(id).length, 3);
  }
  // Each worker's run equals the same run executed alone in this thread.
  const alone = RunStore.open(tmp());
  const again = alone.createRun(check.run(ids[3]!).config);
  executeRun(alone, again, cartpole);
  assert.deepEqual(withoutTime(alone.records(again)), withoutTime(check.records(ids[3]!)));
  check.close();
  alone.close();
});

test('sweep CLI: killed with -9 and started again, it does not redo finished runs and ends with the uninterrupted numbers', async () => {
  const path = tmp();
  const args = ['--import', 'tsx', 'src/cli/main.ts', 'sweep', 'cartpole', '--complexity', '1', '--modes', 'R,C', '--clip', 'NONE', '--epochs', '40', '--train-size', '32', '--test-size', '8', '--steps', '50', '--width', '32', '--workers', '1', '--store', path];
  await new Promise<void>((resolve) => {
    const p = spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    p.stderr.on('data', (d: Buffer) => {
      if (/run \d+: done/.test(d.toString())) p.kill('SIGKILL');
    });
    p.on('exit', () => resolve());
  });
  let store = RunStore.open(path);
  const runs = store.runs();
  assert.equal(runs.length, 2);
  const first = runs.find((r) => r.status === 'done')!;
  assert.ok(first, 'one run had finished before the kill');
  assert.notEqual(runs.find((r) => r.id !== first.id)!.status, 'done');
  store.close();
  const again = spawnSync(process.execPath, args, { encoding: 'utf8' });
  assert.equal(again.status, 0, again.stderr);
  assert.match(again.stdout, /2\/2 runs finished \(2 done\)/);
  store = RunStore.open(path);
  assert.equal(store.run(first.id).finishedAt, first.finishedAt, 'the finished run was not redone');
  const reference = RunStore.open(tmp());
  for (const r of store.runs()) {
    const id = reference.createRun(r.config);
    executeRun(reference, id, cartpole);
    assert.deepEqual(withoutTime(store.records(r.id)), withoutTime(reference.records(id)));
  }
  store.close();
  reference.close();
});

test('sweep CLI errors are clear', () => {
  for (const [args, msg] of [
    [['sweep', 'pendulum'], /unknown command 'pendulum'|too many arguments/],
    [['sweep', 'cartpole', '--modes', 'X'], /--modes: unknown gradient mode "X"/],
    [['sweep', 'cartpole', '--workers', '0'], /--workers: got "0", expected a positive integer/],
  ] as [string[], RegExp][]) {
    const r = spawnSync(process.execPath, ['--import', 'tsx', 'src/cli/main.ts', ...args, '--store', tmp()], { encoding: 'utf8' });
    assert.notEqual(r.status, 0);
    assert.match(r.stderr, msg);
    assert.doesNotMatch(r.stderr, /\n\s+at /);
  }
});
