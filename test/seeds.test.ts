/** Seeds as first-class in figures and tables: groups of repeats drawn as a centre curve in a band. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { cartpole } from '../src/physics/index.js';
import type { FigureRun } from '../src/runs/figures/data.js';
import { groupCurve, parseSeedBand, quantile, seedGroups, spreadOf } from '../src/runs/figures/seeds.js';
import { sweepFigureSpec, type CurvePoint } from '../src/runs/figures/specs.js';
import { idRanges, sweepTable } from '../src/runs/figures/table.js';
import { interactive } from '../src/web/client/interactive.js';

const EPOCHS = 40;
/** Three seeds of R and of C at poles 2 (NORM), one seed of M; seed s of mode m has loss scale (1 + s) · k_m. */
function runs(): FigureRun[] {
  const out: FigureRun[] = [];
  let id = 1;
  const scale: Record<string, number> = { full: 4, combined: 1, physics: 2 };
  for (const mode of ['full', 'combined', 'physics'] as const) {
    for (let seed = 0; seed < (mode === 'physics' ? 1 : 3); seed++) {
      const k = scale[mode]! * (1 + seed);
      out.push({
        id: id++,
        problem: 'cartpole',
        config: { mode, clip: 'NORM', settings: { poles: 2 } },
        status: 'done',
        reason: null,
        records: Array.from({ length: EPOCHS }, (_, i) => ({ epoch: i + 1, testLoss: k * Math.exp(-i / 10), gradSize: 1, time: 0.5 })),
      });
    }
  }
  return out;
}

test('spread: median and mean, min–max and interquartile band', () => {
  assert.deepEqual(spreadOf([3, 1, 2]), { center: 2, lo: 1, hi: 3, n: 3 });
  assert.deepEqual(spreadOf([1, 2, 3, 10], { center: 'mean' }), { center: 4, lo: 1, hi: 10, n: 4 });
  assert.deepEqual(spreadOf([1, 2, 3, 4, 5], { band: 'iqr' }), { center: 3, lo: 2, hi: 4, n: 5 });
  assert.equal(quantile([1, 2], 0.25), 1.25);
  assert.equal(spreadOf([7]).n, 1);
  assert.throws(() => parseSeedBand('band', 'stddev'), /^Error: --band: got "stddev", expected minmax or iqr$/);
});

test('repeats of one complexity, clip and mode form one group; its curve aggregates the smoothed seeds', () => {
  const groups = seedGroups(cartpole, runs());
  assert.deepEqual(groups.map((g) => [g.mode, g.runs.map((r) => r.id)]), [['R', [1, 2, 3]], ['M', [7]], ['C', [4, 5, 6]]]);
  const curve = groupCurve(groups[0]!, 'testLoss', 1);
  assert.equal(curve.length, EPOCHS);
  // Unsmoothed (window 1): seeds are 4, 8 and 12 times e^(−i/10).
  const e = Math.exp(-5 / 10);
  assert.ok(Math.abs(curve[5]!.center - 8 * e) < 1e-12 && Math.abs(curve[5]!.lo - 4 * e) < 1e-12 && Math.abs(curve[5]!.hi - 12 * e) < 1e-12);
  assert.equal(curve[5]!.time, 3, 'mean cumulative time over the seeds');
});

test('a diverged seed leaves the band after its last finite epoch', () => {
  const all = runs();
  const broken = all[1]!;
  all[1] = { ...broken, status: 'diverged', records: broken.records.map((r) => (r.epoch > 20 ? { ...r, testLoss: NaN } : r)) };
  const curve = groupCurve(seedGroups(cartpole, all)[0]!, 'testLoss', 30);
  assert.equal(curve[19]!.n, 3);
  assert.equal(curve[20]!.n, 2);
});

test('figures with seeds draw one band per mode, read back from the Vega spec', () => {
  const spec = sweepFigureSpec(cartpole, runs(), { window: 1 }) as unknown as {
    title: { subtitle: string };
    concat: { data: { values: CurvePoint[] }; layer: { mark: { type: string }; encoding: Record<string, { field: string }> }[] }[];
  };
  assert.match(spec.title.subtitle, /seeds: median curve in a min–max band/);
  const panel = spec.concat[0]!;
  assert.deepEqual(panel.layer.map((l) => l.mark.type), ['area', 'line']);
  const band = panel.layer[0]!;
  assert.deepEqual([band.encoding.y!.field, band.encoding.y2!.field, band.encoding.fill!.field, band.encoding.detail!.field], ['lo', 'hi', 'bandColor', 'run']);
  const points = panel.data.values;
  const series = [...new Set(points.map((p) => `${p.mode}:${p.runs}:${p.seeds}`))];
  assert.deepEqual(series, ['R:1, 2, 3:3', 'M:7:1', 'C:4, 5, 6:3'], 'one curve (and band) per mode, not one per seed');
  const m = points.filter((p) => p.mode === 'M');
  assert.ok(m.every((p) => p.lo === p.value && p.hi === p.value), 'a single seed has no width');
  // The dashboard's interactive layer keeps the band beneath the lines.
  const live = interactive(spec as never, [{ field: 'runs', title: 'runs' }]) as unknown as { concat: { layer: { mark: { type: string } | string }[] }[] };
  assert.deepEqual(live.concat[0]!.layer.map((l) => (typeof l.mark === 'string' ? l.mark : l.mark.type)), ['area', 'line', 'point']);
});

test('a single seed per series keeps the plain line figure', () => {
  const one = runs().filter((r) => [1, 4, 7].includes(r.id));
  const spec = sweepFigureSpec(cartpole, one) as unknown as { concat: { mark?: { type: string }; layer?: unknown }[] };
  assert.equal(spec.concat[0]!.mark?.type, 'line');
  assert.equal(spec.concat[0]!.layer, undefined);
});

test('the table shows the centre, the band and the number of seeds', () => {
  const md = sweepTable(cartpole, runs(), { window: 1 });
  const last = (k: number): string => (k * Math.exp(-(EPOCHS - 1) / 10)).toExponential(2);
  assert.ok(md.includes(`| 2 | NORM | ${last(8)} (${last(4)}–${last(12)}, 3 seeds) | ${last(2)} | ${last(2)} (${last(1)}–${last(3)}, 3 seeds) |`), md);
  assert.match(md, /several seeds it shows their median, the minimum–maximum in brackets/);
  const mean = sweepTable(cartpole, runs(), { window: 1, seeds: { center: 'mean', band: 'iqr' } });
  assert.ok(mean.includes(`${last(8)} (${last(6)}–${last(10)}, 3 seeds)`), mean);
});

test('queued runs are listed as id ranges', () => {
  assert.equal(idRanges([15, 16, 17, 3, 20, 16]), 'runs 3, 15–17, 20');
  assert.equal(idRanges([4]), 'run 4');
});
