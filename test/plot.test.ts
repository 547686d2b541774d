import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { cartpole, quantum } from '../src/physics/index.js';
import { RunStore } from '../src/runs/store.js';
import { finalLosses, type FigureRun } from '../src/runs/figures/data.js';
import { movingAverage } from '../src/runs/figures/smooth.js';
import { sweepFigureSpec, sweepPanels, toyFigureSpec, type CurvePoint } from '../src/runs/figures/specs.js';
import { loadSweep, plotSweep } from '../src/runs/figures/sweep-figure.js';
import { sweepTable } from '../src/runs/figures/table.js';
import { plotToy } from '../src/runs/figures/toy-figure.js';
import { resolveTrainConfig } from '../src/train/config.js';
import type { EpochRecord } from '../src/train/record.js';
import { runToy } from '../src/train/toy.js';

const tmp = (prefix: string): string => mkdtempSync(join(tmpdir(), `sbptt-plot-${prefix}-`));
const PNG_SIGNATURE = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);

/** The smoothing of the spec written out plainly: pad with 29 copies of the first value, average windows. */
function referenceSmooth(v: readonly number[]): number[] {
  const padded = [...Array<number>(29).fill(v[0]!), ...v];
  return v.map((_, i) => padded.slice(i, i + 30).reduce((a, b) => a + b, 0) / 30);
}

const close = (a: number, b: number): boolean => Math.abs(a - b) <= 1e-12 * Math.max(Math.abs(a), Math.abs(b));

function record(epoch: number, testLoss: number, gradSize = 1): EpochRecord {
  return { epoch, loss: testLoss, trainLoss: testLoss, testLoss, physicsLoss: 0, physicsTrainLoss: 0, physicsTestLoss: 0, gradSize, cosSim: 0, time: 0.01 };
}

const EPOCHS = 60;
const DIVERGE_AT = 31; // the diverged run's record of this epoch has a NaN test loss (NULL in the store)
const lossOf = (id: number, e: number): number => (1 + id) * Math.exp(-e / 15) * (1 + 0.3 * Math.sin(e * (id + 1)));

/** A fake sweep: poles 2 and 1 (created in that order) × R, C × NONE, NORM; one diverged run; one queued run without records. */
async function fakeSweep(path: string): Promise<{ ids: number[]; diverged: number; queued: number }> {
  const store = await RunStore.open(path);
  const ids: number[] = [];
  let diverged = -1;
  for (const poles of [2, 1]) {
    for (const mode of ['full', 'combined']) {
      for (const clip of ['NONE', 'NORM']) {
        const id = await store.createRun(resolveTrainConfig(cartpole, { mode, clip, epochs: EPOCHS, settings: { poles } }), 'fake');
        ids.push(id);
        const divergent = poles === 2 && mode === 'full' && clip === 'NONE';
        const records: EpochRecord[] = [];
        for (let e = 1; e <= (divergent ? DIVERGE_AT : EPOCHS); e++) records.push(record(e, divergent && e === DIVERGE_AT ? NaN : lossOf(id, e), 0.5 * id));
        await store.saveProgress(id, { epoch: records.length, params: [0], optimizer: { name: 'ADAM', lr: 1e-3, t: 1, slots: {} }, records });
        if (divergent) {
          diverged = id;
          await store.finish(id, 'diverged', `non-finite evaluation loss after epoch ${DIVERGE_AT}`, null);
        } else await store.finish(id, 'done', null, null);
      }
    }
  }
  const queued = await store.createRun(resolveTrainConfig(cartpole, { mode: 'stop', clip: 'VALUE', settings: { poles: 1 } }), 'fake');
  await store.createRun(resolveTrainConfig(cartpole, { settings: { poles: 3 } }), 'other');
  await store.close();
  return { ids, diverged, queued };
}

test('smoothing: 30-epoch moving average padded with the first value, same length', async () => {
  assert.deepEqual(movingAverage([]), []);
  assert.deepEqual(movingAverage([1, 2, 3, 4], 3), [1, 4 / 3, 2, 3]);
  assert.deepEqual(movingAverage([7, 7, 7, 7, 7]), [7, 7, 7, 7, 7]);
  const step = [...Array<number>(10).fill(3), ...Array<number>(50).fill(33)];
  const s = movingAverage(step);
  assert.equal(s.length, 60);
  assert.equal(s[9], 3);
  assert.ok(close(s[10]!, 3 + 30 / 30)); // one 33 among 29 threes
  assert.ok(close(s[38]!, 3 + 29 * 1)); // 29 of 33 and one 3
  assert.equal(s[39], 33);
  const noisy = Array.from({ length: 100 }, (_, i) => Math.exp(-i / 10) * (1 + Math.sin(i)));
  movingAverage(noisy).forEach((v, i) => assert.ok(close(v, referenceSmooth(noisy)[i]!), `index ${i}`));
  assert.throws(() => movingAverage([1], 0), /window must be a positive integer/);
});

test('sweep figure: files, panels in complexity order, series per mode and clip, table = smoothed records', async () => {
  const path = join(tmp('store'), 'runs.sqlite');
  const { ids, diverged, queued } = await fakeSweep(path);
  const out = join(tmp('out'), 'figs');
  const store = await RunStore.open(path);
  try {
    const files = await plotSweep(store, 'fake', out);
    assert.deepEqual(files, { svg: join(out, 'fake.svg'), png: join(out, 'fake.png'), md: join(out, 'fake.md'), plotted: 8, runs: 9 });
    const png = readFileSync(files.png);
    assert.deepEqual(png.subarray(0, 8), PNG_SIGNATURE);
    assert.ok(png.length > 20_000 && png.length < 5_000_000, `PNG size ${png.length}`);
    assert.equal(png.readUInt32BE(16) > 800 && png.readUInt32BE(20) > 300, true, 'PNG width and height');
    const svg = readFileSync(files.svg, 'utf8');
    for (const text of ['poles = 1', 'poles = 2', '>R<', '>C<', '>NORM<', '>NONE<', 'mode', 'clipping', 'epoch']) assert.ok(svg.includes(text), text);
    assert.ok(!svg.includes('>S<'), 'the queued run (mode S, no records) is not plotted');

    const { problem, runs } = await loadSweep(store, 'fake');
    const spec = sweepFigureSpec(problem, runs) as unknown as { concat: { title: { text: string }; data: { values: CurvePoint[] } }[] };
    assert.deepEqual(spec.concat.map((p) => p.title.text), ['poles = 1', 'poles = 2']);
    for (const [k, poles] of [1, 2].entries()) {
      const points = spec.concat[k]!.data.values;
      const series = [...new Set(points.map((p) => `${p.mode}/${p.clip}`))].sort();
      assert.deepEqual(series, ['C/NONE', 'C/NORM', 'R/NONE', 'R/NORM']);
      for (const run of runs.filter((r) => r.config.settings.poles === poles && r.records.length > 0)) {
        const mine = points.filter((p) => p.run === run.id);
        const finite = run.records.map((r) => r.testLoss).filter((v): v is number => v !== null && Number.isFinite(v));
        const expected = referenceSmooth(finite);
        assert.equal(mine.length, run.id === diverged ? DIVERGE_AT - 1 : EPOCHS, `run ${run.id}`);
        mine.forEach((p, i) => assert.ok(p.epoch === i + 1 && close(p.value, expected[i]!), `run ${run.id} epoch ${i + 1}`));
      }
    }

    const entries = finalLosses(problem, runs);
    assert.equal(entries.length, 9);
    const md = readFileSync(files.md, 'utf8');
    assert.equal(md, sweepTable(problem, runs, { sweep: 'fake' }));
    for (const id of ids) {
      const e = entries.find((x) => x.runId === id)!;
      const losses = Array.from({ length: id === diverged ? DIVERGE_AT - 1 : EPOCHS }, (_, i) => lossOf(id, i + 1));
      assert.ok(close(e.finalLoss!, referenceSmooth(losses).at(-1)!), `run ${id}`);
      assert.ok(md.includes(e.finalLoss!.toExponential(2)), `table shows run ${id}`);
    }
    assert.equal(entries.find((e) => e.runId === queued)!.finalLoss, null);
    assert.match(md, /\| poles \| clip \| R \| C \| S \|/);
    assert.match(md, /\| 1 \| NORM \| \d\.\d\de[-+]\d+ \| \d\.\d\de[-+]\d+ \| {2}\|/);
    assert.match(md, new RegExp(`run ${diverged} \\(poles = 2, R, NONE\\): diverged, plotted up to epoch ${DIVERGE_AT - 1}.*non-finite evaluation loss`));
    assert.match(md, new RegExp(`- 1 run queued, not started yet: run ${queued}$`, "m"));
  } finally {
    await store.close();
  }
});

test('quantum: titles count targets from 0 too, and a fourth panel shows the smoothed update size of the largest target', async () => {
  const run = (id: number, target: number, mode: 'full' | 'combined'): FigureRun => ({
    id,
    problem: 'quantum',
    config: { mode, clip: 'NORM', settings: { target } },
    status: 'done',
    reason: null,
    records: Array.from({ length: 40 }, (_, i) => ({ epoch: i + 1, testLoss: 1 / (i + id), gradSize: id * (i + 1) })),
  });
  const runs = [run(1, 5, 'full'), run(2, 3, 'full'), run(3, 5, 'combined')];
  const panels = sweepPanels(quantum, runs);
  assert.deepEqual(panels.map((p) => p.title), ['target 3 (paper: 2)', 'target 5 (paper: 4)', 'update size, target 5 (paper: 4)']);
  assert.deepEqual(panels.map((p) => p.column), ['testLoss', 'testLoss', 'gradSize']);
  const update = panels[2]!.points.filter((p) => p.run === 3).map((p) => p.value);
  const expected = referenceSmooth(Array.from({ length: 40 }, (_, i) => 3 * (i + 1)));
  update.forEach((v, i) => assert.ok(close(v, expected[i]!)));
  assert.deepEqual([...new Set(panels[2]!.points.map((p) => p.mode))], ['R', 'C']);
});

test('log axes: fitted to curves within a decade (quantum losses 130 → 95), rounded to powers of ten when they span more', () => {
  const run = (id: number, mode: 'full' | 'combined'): FigureRun => ({
    id,
    problem: 'quantum',
    config: { mode, clip: 'NORM', settings: { target: 5 } },
    status: 'done',
    reason: null,
    records: Array.from({ length: 40 }, (_, i) => ({ epoch: i + 1, testLoss: 130 - i, gradSize: 10 ** (i / 2) })),
  });
  const spec = sweepFigureSpec(quantum, [run(1, 'full'), run(2, 'combined')]) as unknown as { concat: { title: { text: string }; encoding: { y: { scale: unknown } } }[] };
  assert.deepEqual(spec.concat.map((p) => p.title.text), ['target 5 (paper: 4)', 'update size, target 5 (paper: 4)']);
  assert.deepEqual(spec.concat[0]!.encoding.y.scale, { type: 'log', nice: false, padding: 6 });
  assert.deepEqual(spec.concat[1]!.encoding.y.scale, { type: 'log' });
});

test('toy figure: four panels (three quivers with trajectories, the loss curves) as SVG and PNG', async () => {
  const result = runToy();
  const spec = toyFigureSpec(result) as unknown as { hconcat: { title: { text: string }; layer?: unknown[] }[] };
  assert.equal(spec.hconcat.length, 4);
  assert.deepEqual(spec.hconcat.map((p) => p.layer?.length ?? 0).slice(0, 3), [6, 6, 6]);
  const dir = tmp('toy');
  const files = await plotToy(result, dir);
  assert.deepEqual(files, { svg: join(dir, 'toy.svg'), png: join(dir, 'toy.png') });
  assert.deepEqual(readFileSync(files.png).subarray(0, 8), PNG_SIGNATURE);
  assert.ok(statSync(files.png).size > 20_000);
  const svg = readFileSync(files.svg, 'utf8');
  for (const text of ['gradient g = ∇L', 'rotated r = R(−60°)·g', 'combined', 'loss L(θ)', 'iteration']) assert.ok(svg.includes(text), text);
});

test('the spec builders stay pure (no Node built-ins, no vega at run time)', async () => {
  for (const f of ['smooth', 'data', 'specs', 'toy-spec', 'table', 'style']) {
    const src = readFileSync(join('src/runs/figures', `${f}.ts`), 'utf8');
    assert.doesNotMatch(src, /from '(node:|fs|path|os)/, f);
    assert.doesNotMatch(src, /^import (?!type )[^;]*from '(vega|vega-lite|@resvg\/resvg-js|better-sqlite3)'/m, f);
    assert.doesNotMatch(src, /from '\.\/(render|sweep-figure|toy-figure|text-width)\.js'|from '\.\.\/store\.js'/, f);
  }
});

test('CLI: plot writes the three files; an unknown sweep is one clear line and exit code 2', async () => {
  const path = join(tmp('cli'), 'runs.sqlite');
  await fakeSweep(path);
  const out = join(tmp('cli-out'), 'figures');
  const sbptt = (...args: string[]) => spawnSync(process.execPath, ['--import', 'tsx', 'src/cli/main.ts', ...args], { encoding: 'utf8' });
  const ok = sbptt('plot', 'fake', '--store', path, '--out', out);
  assert.equal(ok.status, 0, ok.stderr);
  for (const ext of ['svg', 'png', 'md']) {
    assert.ok(existsSync(join(out, `fake.${ext}`)), ext);
    assert.ok(ok.stdout.includes(join(out, `fake.${ext}`)), `prints the ${ext} path`);
  }
  assert.match(ok.stdout, /8 runs plotted, 1 without records skipped/);
  const bad = sbptt('plot', 'nosuch', '--store', path);
  assert.equal(bad.status, 2);
  assert.equal(bad.stderr.trim().split('\n').length, 1, bad.stderr);
  assert.match(bad.stderr, /^sbptt: error: no sweep named "nosuch" in .*; known sweeps: fake, other$/m);
  assert.doesNotMatch(bad.stderr, /\n\s+at /);
});
