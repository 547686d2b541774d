/** Inputs bounded before work starts: strict numbers, documented limits, a memory floor, writable outputs, sweep names. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { cartpole, parseDecimal, quantum, resolveSettings } from '../src/physics/index.js';
import { parseSweepName, planSweep, parseAxes } from '../src/runs/sweep.js';
import { LIMITS, resolveTrainConfig } from '../src/train/config.js';
import { estimateRunMemory } from '../src/train/memory.js';
import { cliHere, runSbptt, type CliResult } from './helpers/cli.js';

const sbptt = (...args: string[]): Promise<CliResult> => runSbptt(args);

/** `f` over `items`, at most `n` at a time (each is a CLI process). */
async function eachLimited<T>(items: readonly T[], n: number, f: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  await Promise.all(Array.from({ length: n }, async () => {
    while (next < items.length) await f(items[next++]!);
  }));
}

test('numbers are decimal notation only: no hexadecimal, binary, Infinity, padding or empty text', () => {
  for (const ok of ['2', '-0.5', '1e-3', '.5', '3.', '+4', '1E6']) assert.ok(Number.isFinite(parseDecimal(ok)), ok);
  for (const bad of ['', ' ', '0x2', '0b1', '0o7', 'Infinity', '-Infinity', 'NaN', ' 2', '2 ', '1_000', '1e', 'e3', '--1', '2,5']) assert.ok(Number.isNaN(parseDecimal(bad)), JSON.stringify(bad));
  assert.throws(() => resolveTrainConfig(cartpole, { epochs: '0x2' }), /^Error: --epochs: got "0x2", expected an integer from 1 to 1,000,000$/);
  assert.throws(() => resolveTrainConfig(cartpole, { epochs: '' }), /--epochs: got ""/);
  assert.throws(() => resolveTrainConfig(cartpole, { lr: 'Infinity' }), /--lr: got "Infinity", expected a positive number/);
  assert.throws(() => resolveTrainConfig(cartpole, { seed: ' 1' }), /--seed: got " 1"/);
  assert.throws(() => resolveSettings(cartpole, { steps: '0x10' }), /--steps: got "0x10"/);
  assert.throws(() => resolveSettings(cartpole, { duration: '' }), /--duration: got ""/);
  assert.equal(resolveTrainConfig(cartpole, { epochs: '1e3', lr: '1e-4' }).epochs, 1000);
});

test('every count and size has an upper bound, in the library as on the command line', () => {
  assert.throws(() => resolveTrainConfig(cartpole, { epochs: 1e20 }), /--epochs: got "100000000000000000000", expected an integer from 1 to 1,000,000/);
  assert.throws(() => resolveTrainConfig(cartpole, { trainSize: 8e9 }), /--train-size: got "8000000000", expected an integer from 1 to 10,000,000/);
  assert.throws(() => resolveTrainConfig(cartpole, { batch: LIMITS.setSize + 1 }), /--batch/);
  assert.throws(() => resolveSettings(cartpole, { steps: 1e9 }), /--steps: got "1000000000", expected an integer from 1 to 100000/);
  assert.throws(() => resolveSettings(cartpole, { width: 1e9 }), /--width: got "1000000000", expected an integer from 1 to 4096/);
  assert.throws(() => resolveSettings(quantum, { nx: 1e6 }), /--nx: got "1000000", expected an integer from 8 to 4096/);
  assert.throws(() => parseAxes(cartpole, { seeds: '100000' }), /--seeds: got "100000", expected an integer from 1 to 10,000/);
});

test('the memory a run needs is estimated from its sizes and checked before it starts', () => {
  const instance = cartpole.create(resolveSettings(cartpole, { steps: 100 }));
  const small = estimateRunMemory(instance, { batch: 8, trainSize: 256, testSize: 256 });
  const large = estimateRunMemory(instance, { batch: 8, trainSize: 2560, testSize: 256 });
  // The evaluation unroll over the training set grows with it: (Nt + 1) · 2304 more states at least.
  assert.ok(large.bytes - small.bytes >= 8 * 101 * 2304 * 6, `${small.bytes} → ${large.bytes}`);
  // A real run of these sizes fits in far less than a gigabyte; the estimate is a floor, not a guess in the air.
  assert.ok(small.bytes > 1e5 && small.bytes < 1e9, String(small.bytes));
  const fits = resolveTrainConfig(cartpole, { trainSize: 256 }, { availableBytes: 1e9 });
  assert.equal(fits.trainSize, 256);
  assert.throws(
    () => resolveTrainConfig(cartpole, { settings: { steps: 100_000 }, trainSize: 1_000_000 }, { availableBytes: 16 * 2 ** 30 }),
    /^Error: this run needs at least [\d.e+]+ GiB of memory \(100000 steps × batch 8, --train-size 1000000, --test-size 256, .*\), more than the 16\.0 GiB available; lower --steps, --batch, --train-size or --test-size$/,
  );
  // Sweeps check it too.
  assert.throws(() => planSweep(cartpole, { trainSize: 1_000_000, settings: { steps: 100_000 } }, parseAxes(cartpole, { complexity: '1' }), undefined, { availableBytes: 2 ** 30 }), /needs at least/);
});

test('violations are one line naming the flag, the value and the limit, exit 2, and leave nothing in the store', async () => {
  // In this process (runCli): the same code as the command, without a process start per case.
  const dir = mkdtempSync(join(tmpdir(), 'sbptt-bounds-'));
  const store = join(dir, 'runs.sqlite');
  const file = join(dir, 'a-file');
  writeFileSync(file, 'not a folder');
  const cases: [string[], RegExp][] = [
    [['train', 'cartpole', '--steps', '1e9'], /^sbptt: error: --steps: got "1e9", expected an integer from 1 to 100000\n$/],
    [['train', 'cartpole', '--width', '1e9'], /^sbptt: error: --width: got "1e9", expected an integer from 1 to 4096\n$/],
    [['train', 'cartpole', '--train-size', '8e9'], /^sbptt: error: --train-size: got "8e9", expected an integer from 1 to 10,000,000\n$/],
    [['train', 'quantum', '--nx', '1e6'], /^sbptt: error: --nx: got "1e6", expected an integer from 8 to 4096\n$/],
    [['train', 'cartpole', '--epochs', '1e20'], /^sbptt: error: --epochs: got "1e20", expected an integer from 1 to 1,000,000\n$/],
    [['train', 'cartpole', '--epochs', '0x2'], /^sbptt: error: --epochs: got "0x2"/],
    [['train', 'cartpole', '--lr', ''], /^sbptt: error: --lr: got "", expected a positive number/],
    [['train', 'cartpole', '--steps', '100000', '--train-size', '10000000', '--batch', '8'], /^sbptt: error: this run needs at least .* GiB of memory .* available; lower --steps/],
    [['train', 'cartpole', '--out', join(file, 'run')], /^sbptt: error: --out: cannot create .*a-file\/run: .*a-file is not a folder\n$/],
    [['train', 'cartpole', '--out', file], /^sbptt: error: --out: .*a-file exists and is not a folder\n$/],
    [['sweep', 'cartpole', '--name', ''], /^sbptt: error: --name: got "", expected 1 to 100 letters/],
    [['sweep', 'cartpole', '--name', 'x'.repeat(300)], /^sbptt: error: --name: got "x{40}…", expected 1 to 100 letters/],
    [['sweep', 'cartpole', '--name', 'a\u0007b'], /^sbptt: error: --name: got "a\\u0007b", expected/],
    [['sweep', 'cartpole', '--workers', '1e9'], /^sbptt: error: --workers: got "1e9", expected an integer from 0 to 1,024\n$/],
    [['toy', '--iterations', '1e9'], /^sbptt: error: --iterations: got "1e9", expected an integer from 1 to 100,000\n$/],
    [['toy', '--lr', '-1'], /^sbptt: error: --lr: got "-1", expected a number above 0/],
    [['toy', '--plot', file], /^sbptt: error: --plot: .*a-file exists and is not a folder\n$/],
    [['help', 'foo'], /^sbptt: error: help: unknown command "foo"; commands: train, resume, /],
  ];
  await eachLimited(cases, 1, async ([args, message]) => {
    const r = await cliHere([...args, ...(args[0] === 'toy' || args[0] === 'help' ? [] : ['--store', store])]);
    assert.equal(r.code, 2, `${args.join(' ')}: ${r.err}`);
    assert.match(r.err, message, args.join(' '));
    assert.equal(r.out, '', args.join(' '));
  });
  assert.ok(!existsSync(store), 'nothing was stored: the store was never created');
  assert.throws(() => parseSweepName('ok name'), /--name: got "ok name"/);
});

test('animate refuses, in one line and quickly, a run whose controller throws the system out of any drawable range', async () => {
  const { RunStore } = await import('../src/runs/store.js');
  const { controllerToJson } = await import('../src/train/controller-file.js');
  const { animateRun } = await import('../src/runs/animate/index.js');
  const dir = mkdtempSync(join(tmpdir(), 'sbptt-huge-'));
  const path = join(dir, 'runs.sqlite');
  const store = await RunStore.open(path);
  const config = resolveTrainConfig(cartpole, { epochs: 1, trainSize: 8, testSize: 8, settings: { poles: 1, steps: 20, width: 4, zeroLastKernel: false } });
  const id = await store.createRun(config);
  const problem = cartpole.create(config.settings);
  // Huge parameters: the force saturates the cart-pole into non-finite states within 20 steps.
  const params = problem.controller.initParams(new (await import('../src/engine/random.js')).Rng(1)).map((v) => v * 1e6);
  await store.finish(id, 'done', null, controllerToJson(config, problem, params));
  const t0 = Date.now();
  await assert.rejects(animateRun(store, id, cartpole), /^Error: run 1: its rollout reaches (states of [\d.]+e\+\d+|non-finite states) \(at most 1e\+6 are drawn\): the trained controller drives the system far off; there is nothing to animate$/);
  assert.ok(Date.now() - t0 < 5000, `${Date.now() - t0} ms`);
  await store.close();
  const r = await sbptt('animate', '1', '--out', join(dir, 'a.gif'), '--store', path);
  assert.equal(r.code, 2, r.err);
  assert.match(r.err, /^sbptt: error: run 1: its rollout reaches (states of \S+|non-finite states) .* nothing to animate\n$/);
  assert.ok(!existsSync(join(dir, 'a.gif')));
});
