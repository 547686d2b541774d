/** A short training run lowers the test loss on every problem (tiny sizes, larger lr). */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { builtinProblem } from '../src/runs/problems.js';
import { resolveTrainConfig, type TrainOverrides } from '../src/train/config.js';
import { generateDataset, Trainer } from '../src/train/trainer.js';

const SHORT: Record<string, TrainOverrides> = {
  repulsion: { lr: 1e-2, epochs: 6, trainSize: 32, testSize: 32, settings: { steps: 30, width: 16 } },
  quantum: { lr: 1e-2, epochs: 6, trainSize: 32, testSize: 32, settings: { steps: 32, width: 8 } },
};

for (const [name, overrides] of Object.entries(SHORT)) {
  const def = builtinProblem(name);
  test(`a short ${name} run (mode C) lowers the test loss`, () => {
    const config = resolveTrainConfig(def, { mode: 'C', ...overrides });
    const trainer = new Trainer(def, config, generateDataset(def.create(config.settings), config));
    const before = trainer.evaluate().testLoss;
    assert.equal(trainer.run(), 'done');
    const after = trainer.records.at(-1)!.testLoss;
    assert.ok(after < 0.95 * before, `${name}: test loss ${before} → ${after}`);
  });
}

test('CLI errors for invalid problem settings are clear', () => {
  const cases: [string[], RegExp][] = [
    [['train', 'repulsion', '--evaders', '0'], /--evaders: got "0", expected an integer from 1/],
    [['train', 'repulsion', '--c-evade', 'lots'], /--c-evade: got "lots"/],
  ];
  cases.push([['train', 'quantum', '--nx', '33'], /--nx/]);
  for (const [args, msg] of cases) {
    const r = spawnSync(process.execPath, ['--import', 'tsx', 'src/cli/main.ts', ...args, '--epochs', '1'], { encoding: 'utf8' });
    assert.equal(r.status, 2, args.join(' '));
    assert.match(r.stderr, msg);
    assert.doesNotMatch(r.stderr, /\n\s+at /);
  }
});
