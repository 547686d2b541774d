/**
 * Own physics through the command line: problem modules (the examples and modules written here)
 * with `check`, `train`, `sweep`, `export`, `animate` and the dashboard's API, and clear errors
 * for modules that are missing, broken, changed or gone. Slow-ish (several CLI processes).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { RunStore } from '../src/runs/store.js';
import { answerApi } from '../src/web/server/api.js';
import type { ProblemInfo, RolloutFrames } from '../src/web/api-types.js';
import { runSbptt } from './helpers/cli.js';

// Modules that import 'stable-bptt' must live inside the package to resolve it (package self-reference).
mkdirSync('tmp', { recursive: true });
const scratch = (): string => mkdtempSync(join(process.cwd(), 'tmp', 'problems-'));

interface Result {
  code: number;
  stdout: string;
  stderr: string;
}

async function sbptt(...args: string[]): Promise<Result> {
  const r = await runSbptt(args);
  return { code: r.code, stdout: r.out, stderr: r.err };
}

const noStack = (r: Result): void => assert.doesNotMatch(r.stderr + r.stdout, /\n\s+at /, 'no stack trace');

test('sbptt check passes the built-ins and the examples, and fails a broken hand-written VJP naming part and argument', async () => {
  const dir = scratch();
  const broken = join(dir, 'broken.ts');
  writeFileSync(
    broken,
    `import { defineProblem, type Simulator } from 'stable-bptt';
const step: Simulator = {
  stateSize: 2, controlSize: 1,
  step(x, c, y, B) { for (let b = 0; b < B; b++) { y[2 * b] = x[2 * b]! + 0.1 * x[2 * b + 1]!; y[2 * b + 1] = x[2 * b + 1]! + 0.1 * c[b]!; } },
  stepVjp(_x, _c, _y, g, xBar, cBar, B) {
    for (let b = 0; b < B; b++) {
      if (xBar) { xBar[2 * b] = g[2 * b]!; xBar[2 * b + 1] = 0.1 * g[2 * b]! + g[2 * b + 1]!; }
      cBar[b] = -0.1 * g[2 * b + 1]!; // wrong sign
    }
  },
};
export default defineProblem({
  name: 'broken',
  controller: { kind: 'mlp', hidden: [4] },
  build: () => ({
    stateSize: 2, controlSize: 1, steps: 5,
    sample: (n, rng) => Float64Array.from({ length: 2 * n }, () => rng.uniform(-1, 1)),
    fusedStep: step,
    loss: { kind: 'final', fused: { kind: 'final', term: (x, n, Nt, B, xBar) => { let s = 0; for (let b = 0; b < B; b++) { s += x[2 * b]! ** 2 / B; if (xBar) xBar[2 * b]! += 2 * x[2 * b]! / B; } return n === Nt ? s : 0; } } },
  }),
});
`,
  );
  const [pendulum, heat, cart, rep, quant, bad] = await Promise.all([
    sbptt('check', 'examples/pendulum.ts', '--width', '8'),
    sbptt('check', 'examples/heat.ts', '--points', '8', '--steps', '10', '--width', '8'),
    sbptt('check', 'cartpole', '--poles', '2', '--steps', '5', '--width', '8'),
    sbptt('check', 'repulsion', '--steps', '5', '--width', '8', '--evaders', '3'),
    sbptt('check', 'quantum', '--nx', '8', '--steps', '4', '--width', '4'),
    sbptt('check', broken),
  ]);
  for (const [name, r] of [['pendulum', pendulum], ['heat', heat], ['cartpole', cart], ['repulsion', rep], ['quantum', quant]] as const) {
    assert.equal(r.code, 0, `${name}: ${r.stdout}${r.stderr}`);
    assert.match(r.stdout, /: all \d+ checks passed/);
    assert.doesNotMatch(r.stdout, /FAIL/);
  }
  assert.match(cart.stdout, /fused = automatic \(step\)\s+pass/);
  assert.match(rep.stdout, /fused = automatic \(loss\)\s+pass/);
  assert.equal(bad.code, 1, bad.stderr);
  assert.match(bad.stdout, /step \(fused\)\s+FAIL/);
  assert.match(bad.stdout, /gradient of the step with respect to c \(the control\) is wrong/);
  assert.match(bad.stdout, /broken: 1 of \d+ checks failed \(step \(fused\)\)/);
  noStack(bad);
  rmSync(dir, { recursive: true, force: true });
});

test('the README\'s own-problem example checks and trains as printed', async () => {
  const readme = readFileSync('README.md', 'utf8');
  const block = /```ts\n(\/\/ my-problem\.ts[\s\S]*?)```/.exec(readme);
  assert.ok(block, 'README has the my-problem.ts block');
  const dir = scratch();
  const file = join(dir, 'my-problem.ts');
  writeFileSync(file, block[1]!);
  const [check, train] = await Promise.all([
    sbptt('check', file),
    sbptt('train', file, '--mode', 'C', '--epochs', '2', '--train-size', '16', '--test-size', '16', '--width', '8', '--store', join(dir, 's.sqlite'), '--out', join(dir, 'run'), '--quiet'),
  ]);
  assert.equal(check.code, 0, check.stdout + check.stderr);
  assert.match(check.stdout, /pointmass: all \d+ checks passed/);
  assert.equal(train.code, 0, train.stderr);
  rmSync(dir, { recursive: true, force: true });
});

test('a problem module trains, sweeps, exports, animates and is served like a built-in', async () => {
  const dir = scratch();
  const store = join(dir, 'runs.sqlite');
  const small = ['--train-size', '8', '--test-size', '8', '--width', '8'];
  const train = await sbptt('train', 'examples/pendulum.ts', '--mode', 'C', '--epochs', '2', '--steps', '10', ...small, '--store', store, '--out', join(dir, 'run'), '--quiet');
  assert.equal(train.code, 0, train.stderr);
  assert.match(train.stdout, /done: run 1/);
  const sweep = await sbptt('sweep', 'examples/heat.ts', '--complexity', '2', '--modes', 'R,C', '--clip', 'NONE', '--epochs', '2', '--points', '12', '--steps', '10', ...small, '--workers', '1', '--store', store);
  assert.equal(sweep.code, 0, sweep.stderr);
  assert.match(sweep.stdout, /sweep (heat-[0-9a-f]{8}): 2 runs \(heaters 2 × clip NONE × mode R,C × 1 seed\(s\)\)/);
  assert.match(sweep.stdout, /2\/2 runs finished \(2 done\)/);
  const name = /sweep (heat-[0-9a-f]{8})/.exec(sweep.stdout)![1]!;

  const s = await RunStore.open(store);
  const runs = await s.runs();
  assert.deepEqual(runs.map((r) => [r.problem, r.status]), [['pendulum', 'done'], ['heat', 'done'], ['heat', 'done']]);
  for (const r of runs) {
    assert.equal(r.problemSource.kind, 'module');
    assert.match((r.problemSource as { path: string }).path, new RegExp(`examples/${r.problem}\\.ts$`));
  }
  // The dashboard's API: the problem's description and server-drawn frames (generic scene).
  const info = (await answerApi(s, ['runs', '1', 'problem'], new URLSearchParams())) as ProblemInfo;
  assert.deepEqual([info.name, info.builtin, info.hasScene, info.complexity?.key], ['pendulum', false, false, 'steps']);
  const frames = (await answerApi(s, ['runs', '2', 'frames'], new URLSearchParams('n=2&width=480'))) as RolloutFrames;
  assert.equal(frames.frames.length, frames.steps.length);
  assert.equal(frames.steps.at(-1), 10);
  assert.match(frames.frames[0]!, /^<svg[^>]*width="480"/);
  assert.match(frames.frames[0]!, /state \(12 values\)/);
  await s.close();

  const [csv, gif, plot, resumed] = await Promise.all([
    sbptt('export', name, '--store', store),
    sbptt('animate', '1', '--store', store, '--samples', '2', '--out', join(dir, 'p.gif')),
    sbptt('plot', name, '--store', store, '--out', join(dir, 'fig')),
    sbptt('sweep', 'examples/heat.ts', '--complexity', '2', '--modes', 'R,C', '--clip', 'NONE', '--epochs', '2', '--points', '12', '--steps', '10', ...small, '--workers', '1', '--store', store),
  ]);
  assert.equal(csv.code, 0, csv.stderr);
  assert.equal(csv.stdout.trim().split('\n').length, 1 + 2 * 2);
  assert.equal(gif.code, 0, gif.stderr);
  assert.ok(readFileSync(join(dir, 'p.gif')).subarray(0, 6).toString() === 'GIF89a');
  assert.equal(plot.code, 0, plot.stderr);
  assert.ok(existsSync(join(dir, 'fig', `${name}.svg`)));
  assert.match(readFileSync(join(dir, 'fig', `${name}.svg`), 'utf8'), /heaters = 2/);
  assert.equal(resumed.code, 0, resumed.stderr);
  assert.match(resumed.stdout, /2\/2 runs finished \(2 done\)/);
  rmSync(dir, { recursive: true, force: true });
});

test('problem modules that are missing, invalid, changed or gone give one clear line, never a stack trace', async () => {
  const dir = scratch();
  const store = join(dir, 'runs.sqlite');
  const mine = join(dir, 'mine.ts');
  copyFileSync('examples/pendulum.ts', mine);
  const grid = ['--modes', 'C', '--clip', 'NONE', '--complexity', '10', '--epochs', '1', '--train-size', '8', '--test-size', '8', '--width', '4', '--workers', '1', '--store', store];
  const first = await sbptt('sweep', mine, ...grid);
  assert.equal(first.code, 0, first.stderr);
  writeFileSync(mine, readFileSync(mine, 'utf8') + '\n// changed\n');
  const [again, animated, missing, badFlag, notAProblem] = await Promise.all([
    sbptt('sweep', mine, ...grid),
    sbptt('animate', '1', '--store', store, '--out', join(dir, 'a.gif')),
    sbptt('train', join(dir, 'nope.ts')),
    sbptt('train', 'examples/pendulum.ts', '--steps', 'many'),
    sbptt('train', './package.json'),
  ]);
  assert.equal(again.code, 2);
  assert.match(again.stderr, /^sbptt: error: sweep pendulum-[0-9a-f]{8} was made with .*mine\.ts \(sha256 [0-9a-f]{12}…\), not .*mine\.ts \(sha256 [0-9a-f]{12}…\): the problem has changed since; give --name/);
  assert.equal(animated.code, 0, animated.stderr);
  assert.match(animated.stderr, /warning: run 1: its problem module .*mine\.ts has changed since the run/);
  assert.equal(missing.code, 2);
  assert.match(missing.stderr, /^sbptt: error: problem module .*nope\.ts: no such file/);
  assert.equal(badFlag.code, 2);
  assert.match(badFlag.stderr, /--steps: got "many", expected an integer/);
  assert.equal(notAProblem.code, 2);
  assert.match(notAProblem.stderr, /problem module \.\/package\.json: expected a \.ts, \.mts, \.js or \.mjs file/);
  rmSync(mine);
  const gone = await sbptt('animate', '1', '--store', store);
  assert.equal(gone.code, 2);
  assert.match(gone.stderr, /^sbptt: error: run 1: its problem module .*mine\.ts is gone; restore the file/);
  for (const r of [again, missing, badFlag, notAProblem, gone]) {
    noStack(r);
    assert.equal(r.stderr.trim().split('\n').length, 1, r.stderr);
  }
  rmSync(dir, { recursive: true, force: true });
});
