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

test('the default grids are the published ones; subsets and bad values', async () => {
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
  const store = await RunStore.open(path);
  const plan = planSweep(cartpole, TINY, parseAxes(cartpole, { complexity: '1,2', modes: 'R,C', clip: 'NORM' }));
  const ids = await ensureSweep(store, plan);
  assert.deepEqual(await ensureSweep(store, plan), ids, 'ensureSweep is idempotent');
  const bad = await store.createRun(resolveTrainConfig(cartpole, { ...TINY, optimizer: 'SGD', lr: 1e12, mode: 'R', settings: { ...TINY.settings, zeroLastKernel: false } }), plan.name);
  await store.close();
  const seen: number[] = [];
  const final = await runPool(path, [bad, ...ids], 2, (p) => p.justFinished && seen.push(p.justFinished.run));
  assert.equal(final.finished, 5);
  assert.deepEqual(final.counts, { diverged: 1, done: 4 });
  assert.deepEqual(seen.sort(), [bad, ...ids].sort());
  const check = await RunStore.open(path);
  assert.equal((await check.run(bad)).status, 'diverged');
  for (const id of ids) {
    assert.equal((await check.run(id)).status, 'done');
    assert.equal((await check.records(id)).length, 3);
  }
  // Each worker's run equals the same run executed alone in this thread.
  const alone = await RunStore.open(tmp());
  const again = await alone.createRun((await check.run(ids[3]!)).config);
  await executeRun(alone, again);
  assert.deepEqual(withoutTime(await alone.records(again)), withoutTime(await check.records(ids[3]!)));
  await check.close();
  await alone.close();
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
  let store = await RunStore.open(path);
  const runs = await store.runs();
  assert.equal(runs.length, 2);
  const first = runs.find((r) => r.status === 'done')!;
  assert.ok(first, 'one run had finished before the kill');
  assert.notEqual(runs.find((r) => r.id !== first.id)!.status, 'done');
  await store.close();
  const again = spawnSync(process.execPath, args, { encoding: 'utf8' });
  assert.equal(again.status, 0, again.stderr);
  assert.match(again.stdout, /2\/2 runs finished \(2 done\)/);
  store = await RunStore.open(path);
  assert.equal((await store.run(first.id)).finishedAt, first.finishedAt, 'the finished run was not redone');
  const reference = await RunStore.open(tmp());
  for (const r of await store.runs()) {
    const id = await reference.createRun(r.config);
    await executeRun(reference, id);
    assert.deepEqual(withoutTime(await store.records(r.id)), withoutTime(await reference.records(id)));
  }
  await store.close();
  await reference.close();
});

test('sweep CLI errors are clear', async () => {
  for (const [args, msg] of [
    [['sweep', 'pendulum'], /unknown command 'pendulum'|too many arguments/],
    [['sweep', 'cartpole', '--modes', 'X'], /--modes: unknown gradient mode "X"/],
    [['sweep', 'cartpole', '--workers', 'two'], /--workers: got "two", expected an integer from 0 to 1,024/],
  ] as [string[], RegExp][]) {
    const r = spawnSync(process.execPath, ['--import', 'tsx', 'src/cli/main.ts', ...args, '--store', tmp()], { encoding: 'utf8' });
    assert.notEqual(r.status, 0);
    assert.match(r.stderr, msg);
    assert.doesNotMatch(r.stderr, /\n\s+at /);
  }
});

test('two sweep processes on one SQLite store split the grid: each run is trained by exactly one of them', async () => {
  const path = tmp();
  const args = ['--import', 'tsx', 'src/cli/main.ts', 'sweep', 'cartpole', '--complexity', '1', '--modes', 'R,M,C,S', '--clip', 'NONE', '--epochs', '30', '--train-size', '32', '--test-size', '8', '--steps', '50', '--width', '32', '--workers', '1', '--store', path];
  const sweep = (): Promise<{ code: number | null; finished: number[] }> =>
    new Promise((resolve) => {
      const p = spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'pipe'] });
      let err = '';
      p.stderr.on('data', (d: Buffer) => (err += d.toString()));
      p.on('exit', (code) => resolve({ code, finished: [...err.matchAll(/^run (\d+): done$/gm)].map((m) => Number(m[1])) }));
    });
  const [a, b] = await Promise.all([sweep(), sweep()]);
  assert.deepEqual([a.code, b.code], [0, 0]);
  const store = await RunStore.open(path);
  const runs = await store.runs();
  assert.equal(runs.length, 4, 'both found the same sweep');
  assert.deepEqual([...a.finished, ...b.finished].sort(), runs.map((r) => r.id).sort(), 'every run trained once, by one of them');
  for (const r of runs) {
    assert.equal(r.status, 'done');
    assert.deepEqual((await store.records(r.id)).map((e) => e.epoch), Array.from({ length: 30 }, (_, k) => k + 1));
  }
  await store.close();
});
