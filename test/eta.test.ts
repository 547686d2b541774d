/** The time left of a set of runs: each run priced at the epoch time of the most alike runs seen. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { cartpole, quantum } from '../src/physics/index.js';
import { EtaEstimator } from '../src/runs/eta.js';
import { resolveTrainConfig } from '../src/train/config.js';

const run = (id: number, config: ReturnType<typeof resolveTrainConfig>, epochsDone = 0) => ({ id, config, epochsDone });

test('ETA: a mixed set prices each run at its own kind\'s epoch time, falling back to the same problem, then to any run', () => {
  const cpR = resolveTrainConfig(cartpole, { epochs: 100, mode: 'full' });
  const cpC = resolveTrainConfig(cartpole, { epochs: 100, mode: 'combined' });
  const qR = resolveTrainConfig(quantum, { epochs: 10, mode: 'full' });
  const eta = new EtaEstimator([run(1, cpR), run(2, cpC, 40), run(3, qR)], 1);
  assert.ok(Number.isNaN(eta.seconds()), 'nothing timed yet');
  eta.epoch(1, 1, 100, 0.1);
  // Cart-pole C is priced at cart-pole R's time (same problem); quantum at the only time there is.
  assert.ok(Math.abs(eta.seconds() - (99 * 0.1 + 60 * 0.1 + 10 * 0.1)) < 1e-9);
  eta.epoch(3, 1, 10, 10);
  eta.epoch(2, 41, 100, 0.3);
  // Each now at its own: R 99 × 0.1, C 59 × 0.3, quantum 9 × 10.
  assert.ok(Math.abs(eta.seconds() - (99 * 0.1 + 59 * 0.3 + 9 * 10)) < 1e-9, String(eta.seconds()));
  eta.finished(3);
  assert.ok(Math.abs(eta.seconds() - (99 * 0.1 + 59 * 0.3)) < 1e-9);
  eta.epoch(99, 1, 5, 1000);
  assert.ok(Math.abs(eta.seconds() - (99 * 0.1 + 59 * 0.3)) < 1e-9, 'a run not in the set is ignored');
});

test('ETA: the work left is shared among the threads, never among more threads than runs left', () => {
  const cfg = resolveTrainConfig(cartpole, { epochs: 10 });
  const eta = new EtaEstimator([run(1, cfg), run(2, cfg), run(3, cfg)], 2);
  eta.epoch(1, 1, 10, 1);
  assert.equal(eta.seconds(), (9 + 10 + 10) / 2);
  eta.finished(1);
  eta.finished(2);
  assert.equal(eta.seconds(), 10, 'one run left runs on one thread');
});
