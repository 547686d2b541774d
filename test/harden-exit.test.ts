/** Exit codes: 0 success, 2 user error, 3 some run diverged, 4 some run failed — for train and for sweeps. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { runSbptt, type CliResult } from './helpers/cli.js';


const sbptt = (...args: string[]): Promise<CliResult> => runSbptt(args);

// A module importing 'stable-bptt' must live inside the package (package self-reference).
mkdirSync('tmp', { recursive: true });
const dir = mkdtempSync(join(process.cwd(), 'tmp', 'exit-'));
const faulty = join(dir, 'faulty.ts');
writeFileSync(
  faulty,
  `import { defineProblem } from 'stable-bptt';
// A simulator that breaks on its first step: every run of it fails (an error, not a divergence).
export default defineProblem({
  name: 'faulty',
  controller: { kind: 'mlp', hidden: [4] },
  training: { epochs: 2, trainSize: 8, testSize: 8 },
  build: () => ({
    stateSize: 1, controlSize: 1, steps: 3,
    sample: (n, rng) => Float64Array.from({ length: n }, () => rng.uniform(-1, 1)),
    fusedStep: { stateSize: 1, controlSize: 1, step() { throw new Error('the simulator broke'); }, stepVjp() { throw new Error('the simulator broke'); } },
    loss: { kind: 'final', fused: { kind: 'final', term: () => 0 } },
  }),
});
`,
);
const TINY = ['--poles', '1', '--steps', '10', '--width', '4', '--epochs', '2', '--train-size', '8', '--test-size', '8'];

test('exit codes: 0 done, 2 user error, 3 diverged, 4 failed — train and sweep alike', async () => {
  const store = join(dir, 'runs.sqlite');
  const [ok, user, diverged, failed, sweepDiverged, sweepFailed] = await Promise.all([
    sbptt('train', 'cartpole', ...TINY, '--quiet', '--out', join(dir, 'ok'), '--store', store),
    sbptt('train', 'cartpole', '--epochs', '0x2', '--store', store),
    sbptt('train', 'cartpole', ...TINY, '--optimizer', 'SGD', '--lr', '1e12', '--quiet', '--out', join(dir, 'diverged'), '--store', store),
    sbptt('train', faulty, '--quiet', '--out', join(dir, 'failed'), '--store', store),
    sbptt('sweep', 'cartpole', ...TINY.slice(2), '--complexity', '1', '--modes', 'R', '--clip', 'NONE', '--optimizer', 'SGD', '--lr', '1e12', '--workers', '1', '--store', store),
    sbptt('sweep', faulty, '--modes', 'R,C', '--clip', 'NONE', '--workers', '1', '--store', store),
  ]);
  assert.equal(ok.code, 0, ok.err);
  assert.equal(user.code, 2, user.err);
  assert.equal(diverged.code, 3, diverged.err);
  assert.match(diverged.err, /run \d+ diverged: non-finite/);
  assert.equal(failed.code, 4, failed.err);
  assert.match(failed.err, /^sbptt: run \d+ failed: the simulator broke; after fixing the cause, `sbptt resume \d+` continues it from its last checkpoint\n$/);
  assert.equal(sweepDiverged.code, 3, sweepDiverged.out + sweepDiverged.err);
  assert.match(sweepDiverged.out, /1\/1 runs finished \(1 diverged\)/);
  assert.equal(sweepFailed.code, 4, sweepFailed.out + sweepFailed.err);
  assert.match(sweepFailed.out, /2\/2 runs finished \(2 failed\)/);
  for (const r of [user, diverged, failed, sweepDiverged, sweepFailed]) assert.doesNotMatch(r.err, /\n\s+at /, 'no stack trace');
});

test('worker: exit code 4 when a run it trained failed, as for sweep', async () => {
  const store = join(dir, 'queue.sqlite');
  const queued = await sbptt('sweep', faulty, '--modes', 'R', '--clip', 'NONE', '--workers', '0', '--store', store);
  assert.equal(queued.code, 0, queued.out + queued.err);
  const worker = await sbptt('worker', '--exit-when-idle', '--poll', '1', '--store', store);
  assert.equal(worker.code, 4, worker.out + worker.err);
  assert.match(worker.out, /worker: 1 run\(s\) finished \(1 failed\)/);
});
