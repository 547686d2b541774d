import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

function sbptt(...args: string[]): { code: number; out: string; err: string } {
  const r = spawnSync(process.execPath, ['--import', 'tsx', 'src/cli/main.ts', ...args], { encoding: 'utf8' });
  return { code: r.status ?? -1, out: r.stdout, err: r.stderr };
}

test('--help lists the commands; train --help lists the problems and their flags', () => {
  const top = sbptt('--help');
  assert.equal(top.code, 0);
  for (const c of ['train', 'toy', 'demo']) assert.match(top.out, new RegExp(`\\b${c}\\b`));
  const train = sbptt('train', '--help');
  assert.equal(train.code, 0);
  assert.match(train.out, /cartpole — multi-pole cart-pole swing-up/);
  assert.match(train.out, /--poles/);
  const sub = sbptt('train', 'cartpole', '--help');
  assert.match(sub.out, /--clip-value/);
  assert.match(sub.out, /--mode <mode>.*full\|R\|F/);
});

test('a tiny valid run writes its config, records and controller', () => {
  const dir = join(mkdtempSync(join(tmpdir(), 'sbptt-cli-')), 'run');
  const r = sbptt('train', 'cartpole', '--poles', '1', '--steps', '20', '--width', '8', '--epochs', '2', '--train-size', '16', '--test-size', '8', '--mode', 'M', '--out', dir, '--store', join(dir, '..', 'runs.sqlite'));
  assert.equal(r.code, 0, r.err);
  assert.match(r.err, /epoch 1\/2  loss .* test .* ETA/);
  for (const f of ['config.json', 'records.csv', 'records.json', 'controller.json']) assert.ok(existsSync(join(dir, f)), f);
  const config = JSON.parse(readFileSync(join(dir, 'config.json'), 'utf8'));
  assert.equal(config.mode, 'physics');
  assert.equal(config.settings.poles, 1);
  const csv = readFileSync(join(dir, 'records.csv'), 'utf8').trim().split('\n');
  assert.equal(csv.length, 3);
  assert.equal(csv[0], 'epoch,loss,train_loss,test_loss,grad_size,cos_sim,time');
  assert.equal(JSON.parse(readFileSync(join(dir, 'records.json'), 'utf8')).records.length, 2);
});

test('invalid or unknown input: one clear line, non-zero exit, no stack trace', () => {
  const cases: [string[], RegExp][] = [
    [['train', 'cartpole', '--mode', 'X'], /--mode: unknown gradient mode "X"; accepted: full\|R\|F, physics\|M\|P/],
    [['train', 'cartpole', '--poles', 'two'], /--poles: got "two", expected an integer from 1 to 16/],
    [['train', 'cartpole', '--optimizer', 'lion'], /--optimizer: unknown optimizer 'lion'; accepted values: ADAM/],
    [['train', 'cartpole', '--bogus'], /unknown option '--bogus'/],
    [['train', 'pendulum'], /unknown command 'pendulum'|too many arguments/],
    [['toy', '--lr', 'fast'], /--lr: got "fast", expected a number/],
  ];
  for (const [args, msg] of cases) {
    const r = sbptt(...args);
    assert.notEqual(r.code, 0, args.join(' '));
    assert.match(r.err, msg);
    assert.doesNotMatch(r.err, /\n\s+at /, 'no stack trace');
  }
});

test('sbptt toy prints the three fields in the paper\'s order', () => {
  const r = sbptt('toy');
  assert.equal(r.code, 0);
  const value = (name: string): number => Number(new RegExp(`${name}\\s+(\\S+)`).exec(r.out)![1]);
  assert.ok(value('gradient') < value('combined') && value('combined') < value('rotated') / 10);
});

test('sbptt demo (npm start) writes the toy figure, the sweep figure, its table and an animation', () => {
  const dir = mkdtempSync(join(tmpdir(), 'sbptt-demo-'));
  const r = sbptt('demo', '--epochs', '2', '--out', dir);
  assert.equal(r.code, 0, r.err);
  const paths = [...r.out.matchAll(/(\/\S+\.(?:png|svg|md|gif))/g)].map((m) => m[1]!).filter((p) => p.startsWith(dir));
  for (const ext of ['png', 'svg', 'md', 'gif']) assert.ok(paths.some((p) => p.endsWith(`.${ext}`)), `prints a .${ext} path`);
  for (const p of paths) assert.ok(existsSync(p), p);
  assert.match(r.out, /\| 2 \| NORM \| \d\.\d\de[+-]\d \| \d\.\d\de[+-]\d \|/);
});
