/** `sbptt reproduce`: the study's plan, its metrics, and a tiny quick study whose report equals the store. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { cartpole, quantum } from '../src/physics/index.js';
import { finalLosses, smoothedSeries, type FigureRun } from '../src/runs/figures/data.js';
import { compareModes, epochsToReach, lossThresholds } from '../src/runs/reproduce/metrics.js';
import { planStudy, studySweeps } from '../src/runs/reproduce/plan.js';
import { remainingSeconds } from '../src/runs/reproduce/report.js';
import { RunStore, type StoredRun } from '../src/runs/store.js';
import { resolveTrainConfig } from '../src/train/config.js';
import { runSbpttSync, type CliResult } from './helpers/cli.js';

const sbptt = (...args: string[]): CliResult => runSbpttSync(args);

test('threshold epochs on crafted curves: the first smoothed epoch at or below it, null if never', () => {
  const run = (losses: number[]): FigureRun => ({
    id: 1, problem: 'cartpole', config: { mode: 'full', clip: 'NORM', settings: { poles: 1 } }, status: 'done', reason: null,
    records: losses.map((testLoss, i) => ({ epoch: i + 1, testLoss, gradSize: 1 })),
  });
  // Unsmoothed: 1, 0.5, 0.2, 0.05 reaches 0.2 at epoch 3 and 0.1 at epoch 4.
  const raw = smoothedSeries(run([1, 0.5, 0.2, 0.05]), 'testLoss', 1);
  assert.equal(epochsToReach(raw, 0.2), 3);
  assert.equal(epochsToReach(raw, 0.1), 4);
  assert.equal(epochsToReach(raw, 0.01), null);
  // Smoothed over 30 epochs (padded with the first value): a drop from 1 to 0 at epoch 11 reaches 0.5 when 15 of 30 values are 0.
  const step = smoothedSeries(run([...Array<number>(10).fill(1), ...Array<number>(40).fill(0)]), 'testLoss');
  assert.equal(epochsToReach(step, 0.5), 25);
  // A diverged run stops at its last finite epoch.
  assert.equal(epochsToReach(smoothedSeries(run([1, 1, NaN, 0]), 'testLoss', 1), 0.5), null);
  // The power of ten above the best final loss and a decade higher (cart-pole) …
  assert.deepEqual(lossThresholds([1.97, 2.1, 1.5], 5.3e-3).levels, [1e-1, 1e-2]);
  // … or halfway to the start on a log scale when a decade higher is not below it (repulsion, quantum).
  assert.deepEqual(lossThresholds([4.7, 4.9], 0.61).levels, [2.2, 1]);
  assert.deepEqual(lossThresholds([128], 62.9).levels, [110, 100]);
  // … and both between the start and the best when every mode ended within a decade of the start.
  assert.deepEqual(lossThresholds([128], 101).levels, [117, 107]);
  assert.match(lossThresholds([128], 101).basis, /^two levels between the starting loss and the best final loss/);
  assert.deepEqual(lossThresholds([128], 130).levels, [128, 128], 'nothing improved: the start itself');
});

test('mode comparisons: separated seeds reproduce, overlapping ones partly, a close or higher median not', () => {
  assert.equal(compareModes([1, 2, 3], [4, 5, 6])!.verdict, 'reproduced');
  assert.equal(compareModes([1, 2, 5], [4, 5, 6])!.verdict, 'partly reproduced');
  assert.equal(compareModes([4.8, 5, 5.1], [4, 5.2, 6])!.verdict, 'not reproduced');
  assert.equal(compareModes([1], [2.5])!.verdict, 'reproduced');
  assert.equal(compareModes([1], [1.5])!.verdict, 'partly reproduced');
  assert.equal(compareModes([1], [1.05])!.verdict, 'not reproduced');
  assert.equal(compareModes([], [1]), null);
});

test('the time left: epochs left × the median time per epoch of finished runs of the same mode, else of the problem', () => {
  const run = (id: number, mode: string, status: StoredRun['status'], epochsDone: number, seconds: number | null): StoredRun => ({
    id, sweep: 's', problem: 'cartpole', config: resolveTrainConfig(cartpole, { mode, epochs: 10 }), seed: 0, status, reason: null, createdAt: '',
    startedAt: seconds === null ? null : '2026-01-01T00:00:00.000Z', finishedAt: seconds === null ? null : new Date(Date.parse('2026-01-01T00:00:00.000Z') + seconds * 1000).toISOString(),
    trainSeconds: 0, epochsDone, codeVersion: '', problemSource: { kind: 'builtin', name: 'cartpole' }, interrupted: false, outDir: null,
  });
  const runs = [run(1, 'R', 'done', 10, 100), run(2, 'R', 'done', 10, 300), run(3, 'R', 'running', 4, null), run(4, 'M', 'queued', 0, null)];
  // R: median of 10 and 30 s per epoch = 20 s × 6 epochs left; M: no finished M run, the problem's median 20 s × 10.
  assert.deepEqual(remainingSeconds(runs), { seconds: 20 * 6 + 20 * 10, unknown: 0 });
  assert.deepEqual(remainingSeconds([run(5, 'R', 'queued', 0, null)]), { seconds: 0, unknown: 1 });
  // Configs not created as runs yet need all their epochs.
  assert.deepEqual(remainingSeconds(runs, [resolveTrainConfig(cartpole, { mode: 'C', epochs: 10 })]), { seconds: 20 * 6 + 20 * 10 + 20 * 10, unknown: 0 });
});

test('the study plan: the published grid with more seeds at the highest complexity, its core first', () => {
  const plan = planStudy(cartpole);
  assert.equal(plan.core.configs.length, 4 * 3, 'poles 4, NORM, R/M/C/S, 3 seeds');
  assert.ok(plan.core.configs.every((c) => c.settings.poles === 4 && c.clip === 'NORM' && c.dataset === 'reference' && c.precision === 'f32' && c.epochs === 1000));
  assert.equal(plan.rest!.configs.length, 2 * 4 * 3 + 3 * 3 * 4, 'poles 4 with VALUE and NONE (3 seeds), poles 1–3 with every clip (1 seed)');
  assert.equal(new Set([...plan.core.configs, ...plan.rest!.configs].map((c) => JSON.stringify(c))).size, 72, 'no run twice');
  assert.equal(planStudy(cartpole).core.name, plan.core.name, 'the same options name the same sweep');
  // Seed by seed: a study stopped part-way has every mode.
  assert.deepEqual(plan.core.configs.slice(0, 4).map((c) => [c.mode, c.seed]), [['full', 0], ['physics', 0], ['combined', 0], ['stop', 0]]);
  assert.deepEqual(plan.core.configs.map((c) => c.seed), [0, 0, 0, 0, 1, 1, 1, 1, 2, 2, 2, 2]);
  assert.match(plan.core.name, /^reproduce-cartpole-core-[0-9a-f]{8}$/);
  const q = planStudy(quantum);
  assert.deepEqual(studySweeps([plan, q]).map((s) => s.name.split('-')[2]), ['core', 'core', 'rest', 'rest']);
  const quick = planStudy(cartpole, { quick: true });
  assert.equal(quick.rest, null);
  assert.equal(quick.core.configs.length, 4);
  assert.ok(quick.core.configs.every((c) => c.epochs === 300 && c.seed === 0));
});

test('reproduce --quick at tiny sizes: a report whose tables are the store\'s records, figures with the expected panels and series; the same command resumes', () => {
  const dir = mkdtempSync(join(tmpdir(), 'sbptt-reproduce-'));
  const store = join(dir, 'runs.sqlite');
  const report = join(dir, 'docs', 'reproduction.md');
  const sizes = JSON.stringify({ epochs: 3, trainSize: 16, testSize: 16, settings: { steps: 12 } });
  const args = ['reproduce', 'cartpole', '--quick', '--seeds', '2', '--workers', '2', '--store', store, '--report', report, '--test-sizes', sizes];
  const first = sbptt(...args);
  assert.equal(first.code, 0, first.err);
  assert.match(first.out, /cartpole: 8\/8 runs finished; claims: /);
  const index = readFileSync(report, 'utf8');
  assert.match(index, /- \[multi-pole cart-pole swing-up\]\(reproduction\/cartpole\.md\): 8 of 8 runs finished \(8 done\); the paper's claims: /);
  assert.match(index, /- quantum state transfer in a 1-D box: not run yet; `sbptt reproduce quantum --quick` runs it\./);
  assert.match(index, /## Compute\n[^]*- multi-pole cart-pole swing-up: the updates took [\d.]+ s summed over the 8 runs with epochs stored/);
  assert.match(index, /- quantum state transfer in a 1-D box: nothing run yet\./);
  const page = join(dir, 'docs', 'reproduction', 'cartpole.md');
  const md = readFileSync(page, 'utf8');
  const svg = readFileSync(join(dir, 'docs', 'reproduction', 'cartpole.svg'), 'utf8');
  assert.ok(existsSync(join(dir, 'docs', 'reproduction', 'cartpole.png')));
  for (const text of ['poles = 4', '>R<', '>M<', '>C<', '>S<', '>NORM<']) assert.ok(svg.includes(text), text);
  assert.match(md, /!\[multi-pole cart-pole swing-up[^\]]*\]\(cartpole\.png\)/);
  assert.match(md, /Sweep `reproduce-cartpole-quick-[0-9a-f]{8}`: 8 of 8 runs finished/);
  return (async () => {
    const s = await RunStore.open(store, { create: false });
    try {
      const runs = await s.runs();
      assert.equal(runs.length, 8);
      const withRecords = await Promise.all(runs.map(async (r) => ({ ...r, records: await s.records(r.id) })));
      const finals = finalLosses(cartpole, withRecords);
      for (const mode of ['R', 'M', 'C', 'S']) {
        const v = finals.filter((e) => e.mode === mode).map((e) => e.finalLoss!).sort((a, b) => a - b);
        assert.equal(v.length, 2);
        const cell = `${((v[0]! + v[1]!) / 2).toExponential(2)} (${v[0]!.toExponential(2)}–${v[1]!.toExponential(2)}, 2 seeds)`;
        assert.ok(md.includes(cell), `${mode}: ${cell} in\n${md}`);
      }
    } finally {
      await s.close();
    }
    const again = sbptt(...args);
    assert.equal(again.code, 0, again.err);
    assert.equal(readFileSync(page, 'utf8').split('\n').filter((l) => l.startsWith('|')).join('\n'), md.split('\n').filter((l) => l.startsWith('|')).join('\n'), 'nothing rerun: the same tables');
    const s2 = await RunStore.open(store, { create: false });
    assert.equal((await s2.runs()).length, 8, 'no new runs');
    await s2.close();
    const bad = sbptt('reproduce', 'pendulum', '--store', store);
    assert.equal(bad.code, 2);
    assert.equal(bad.err.trim(), 'sbptt: error: reproduce: unknown problem "pendulum"; accepted: cartpole, repulsion, quantum, all');
  })();
});
