/** The new flags from the command line: one clear line per bad value, a warm start end to end, truncation in sweeps. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runSbpttSync, type CliResult } from './helpers/cli.js';

const sbptt = (...args: string[]): CliResult => runSbpttSync(args);

const TINY = ['--poles', '1', '--steps', '10', '--width', '6', '--epochs', '1', '--train-size', '8', '--test-size', '8'];

test('bad values of the new flags: one line naming the flag, non-zero exit, no stack trace', () => {
  const store = join(mkdtempSync(join(tmpdir(), 'sbptt-opt-')), 'runs.sqlite');
  const cases: [string[], RegExp][] = [
    [['train', 'cartpole', ...TINY, '--truncate', '11'], /^sbptt: error: --truncate: got 11, expected a whole number of steps from 1 to Nt = 10\n$/],
    [['train', 'cartpole', ...TINY, '--beta1', '1.5'], /^sbptt: error: --beta1: got "1\.5", expected a number ≥ 0 and < 1\n$/],
    [['train', 'cartpole', ...TINY, '--loss', 'sometimes'], /^sbptt: error: --loss: got "sometimes", expected one of final, continuous\n$/],
    [['train', 'quantum', '--grid', 'float16'], /^sbptt: error: --grid: got "float16", expected one of exact, float32\n$/],
    [['train', 'cartpole', ...TINY, '--init', 'nowhere.json', '--store', store], /^sbptt: error: --init: nowhere\.json is neither a file nor a run id \(a whole number\)\n$/],
    [['sweep', 'cartpole', ...TINY, '--modes', 'R,R/0', '--store', store], /^sbptt: error: --modes: "R\/0": the truncation window got "0", expected a whole number of steps k ≥ 1/],
  ];
  for (const [args, msg] of cases) {
    const r = sbptt(...args);
    assert.notEqual(r.code, 0, args.join(' '));
    assert.match(r.err, msg, args.join(' '));
  }
});

test('train --init <controller.json>: starts where the saved controller ended; a truncated sweep shows R/k in listings', () => {
  const dir = mkdtempSync(join(tmpdir(), 'sbptt-opt-'));
  const store = join(dir, 'runs.sqlite');
  const first = sbptt('train', 'cartpole', ...TINY, '--hidden', '6,4', '--bias', 'false', '--loss', 'continuous', '--out', join(dir, 'a'), '--store', store);
  assert.equal(first.code, 0, first.err);
  const final = /final test loss (\S+)/.exec(first.out)![1]!;
  const second = sbptt('train', 'cartpole', ...TINY, '--hidden', '6,4', '--bias', 'false', '--loss', 'continuous', '--truncate', '4', '--beta2', '0.99',
    '--init', join(dir, 'a', 'controller.json'), '--out', join(dir, 'b'), '--store', store, '--quiet');
  assert.equal(second.code, 0, second.err);
  const config = JSON.parse(readFileSync(join(dir, 'b', 'config.json'), 'utf8'));
  assert.equal(config.init.from, join(dir, 'a', 'controller.json'));
  assert.equal(config.truncate, 4);
  assert.deepEqual(config.optimizerParams, { beta2: 0.99 });
  assert.equal(config.settings.hidden, '6,4');
  assert.equal(config.settings.loss, 'continuous');
  const shown = sbptt('train', 'cartpole', ...TINY, '--hidden', '6,4', '--bias', 'false', '--loss', 'continuous', '--init', '1', '--epochs', '1', '--out', join(dir, 'c'), '--store', store);
  assert.equal(shown.code, 0, shown.err);
  assert.match(shown.err, new RegExp(`warm start from run 1, initial test loss ${final.replace(/[.+]/g, '\\$&')}\\n`), 'run 1 ended where run 3 starts');
  const mismatch = sbptt('train', 'cartpole', ...TINY, '--init', '1', '--out', join(dir, 'd'), '--store', store);
  assert.notEqual(mismatch.code, 0);
  assert.match(mismatch.err, /^sbptt: error: --init: run 1 does not fit this run's controller \(.*\); it has dense_0\/kernel \[4×6\], dense_1\/kernel \[6×4\], dense_2\/kernel \[4×1\], the run needs dense_0\/kernel \[4×6\], dense_0\/bias \[6\]/);
  const sweep = sbptt('sweep', 'cartpole', ...TINY, '--complexity', '1', '--modes', 'R,R/5,C/5', '--clip', 'NONE', '--workers', '1', '--store', store);
  assert.equal(sweep.code, 0, sweep.err);
  assert.match(sweep.out, /mode R,R\/5,C\/5 × 1 seed\(s\)/);
  const runs = sbptt('runs', '--store', store, '--sweep', /sweep (cartpole-\w+)/.exec(sweep.out)![1]!);
  for (const label of ['R', 'R/5', 'C/5']) assert.match(runs.out, new RegExp(`\\n\\s*\\d+\\s+cartpole\\s+poles 1\\s+${label.replace('/', '\\/')}\\s`));
});
