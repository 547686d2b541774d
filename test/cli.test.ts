import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runSbpttSync, type CliResult } from './helpers/cli.js';

const sbptt = (...args: string[]): CliResult => runSbpttSync(args);

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
  assert.match(sub.out, /--mode <mode>\s+gradient-flow mode: R \(full: the true\s+gradient\), M \(physics\), C \(combined\)/);
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
    [['train', 'pendulum'], /train: name a problem first.*\(got pendulum\); problems: cartpole, repulsion, quantum/],
    [['train', '--mode', 'C'], /train: name a problem first, e\.g\. `sbptt train cartpole --mode C` \(got --mode C\)/],
    [['train', '--config', 'no/such/config.json'], /--config: cannot read no\/such\/config\.json: ENOENT/],
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

test('read-only commands never create a store: a missing one is one line', () => {
  const dir = mkdtempSync(join(tmpdir(), 'sbptt-nostore-'));
  const store = join(dir, 'missing.sqlite');
  for (const args of [['runs'], ['runs', '--sweeps'], ['export', '1'], ['plot', 'x'], ['animate', '1'], ['serve', '--port', '0']]) {
    const r = sbptt(...args, '--store', store);
    assert.equal(r.code, 2, args.join(' '));
    assert.match(r.err, new RegExp(`^sbptt: error: no run store at ${store.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')} \\(--store\\); .*\n$`), args.join(' '));
    assert.ok(!existsSync(store), `${args.join(' ')} created the store`);
  }
});

test('--out refuses a folder that holds files unless --force; runs lists letters and complexity; EPIPE is quiet', () => {
  const dir = mkdtempSync(join(tmpdir(), 'sbptt-out-'));
  const store = join(dir, 'runs.sqlite');
  const args = ['train', 'cartpole', '--poles', '1', '--steps', '10', '--width', '8', '--epochs', '30', '--train-size', '16', '--test-size', '8', '--quiet', '--store', store, '--out', join(dir, 'run')];
  assert.equal(sbptt(...args).code, 0);
  const before = readFileSync(join(dir, 'run', 'records.csv'), 'utf8');
  const again = sbptt(...args, '--mode', 'R');
  assert.equal(again.code, 2);
  assert.match(again.err, /^sbptt: error: --out: .*run already holds an earlier run; choose another folder, or add --force to overwrite\n$/);
  assert.equal(readFileSync(join(dir, 'run', 'records.csv'), 'utf8'), before, 'nothing overwritten');
  assert.equal(sbptt(...args, '--mode', 'R', '--force').code, 0);
  assert.notEqual(readFileSync(join(dir, 'run', 'records.csv'), 'utf8'), before);
  const runs = sbptt('runs', '--store', store);
  assert.match(runs.out, /^id\s+problem\s+complexity\s+mode\s+clip\s+status\s+epochs\s+last test loss\s+time\s+sweep\n/);
  assert.match(runs.out, /\n\s*1\s+cartpole\s+poles 1\s+C\s+NONE\s+done\s+30\/30\s+\d\.\d{3}e[+-]\d+\s+[\d.]+ s\s+—\n/);
  assert.match(runs.out, /\n\s*2\s+cartpole\s+poles 1\s+R\s+/);
  // A reader that is gone before the first write (`| true`) or stops early (`| head -1`): quiet, exit code 0.
  for (const reader of ['true', 'head -1']) {
    const piped = spawnSync('bash', ['-c', `node --import tsx src/cli/main.ts export 1 --store ${store} | ${reader}; exit \${PIPESTATUS[0]}`], { encoding: 'utf8' });
    assert.equal(piped.stdout, reader === 'true' ? '' : 'run,problem,complexity,mode,clip,seed,epoch,loss,train_loss,test_loss,grad_size,cos_sim,time\n');
    assert.equal(piped.stderr, '', reader);
    assert.equal(piped.status, 0, reader);
  }
});
