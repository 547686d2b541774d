/**
 * The dashboard's run list and charts in Chromium: search, filter and sort the runs, overlay
 * any of them, the shared chart settings (log/linear, smoothing, x axis), tooltips, zoom, the
 * legend highlight and the PNG/SVG/CSV downloads.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import type { Page } from 'playwright-core';
import { shot, skip, startDashboard, SWEEP } from './helpers/dashboard.js';

/** The aria-labels vega gives the axes of a chart: "Y-axis titled 'test loss' for a log scale with values from 0.01 to 10". */
const axes = (page: Page, chart: string): Promise<string[]> => page.$$eval(`${chart} [aria-roledescription="axis"]`, (els) => els.map((e) => e.getAttribute('aria-label') ?? ''));
const shownRuns = (page: Page): Promise<number[]> => page.$$eval('#runs tbody tr', (trs) => trs.map((tr) => Number(tr.getAttribute('data-run'))));

/** Rows of a CSV whose cells may be quoted ("a, b"). */
function parseCsv(text: string): string[][] {
  return text
    .trim()
    .split('\n')
    .map((line) => [...line.matchAll(/("(?:[^"]|"")*"|[^,]*)(?:,|$)/g)].map((m) => m[1]!.replace(/^"|"$/g, '').replace(/""/g, '"')).slice(0, -1));
}

async function download(page: Page, kind: string): Promise<Buffer> {
  const [file] = await Promise.all([page.waitForEvent('download'), page.click(`[data-download="${kind}"]`)]);
  return readFileSync((await file.path())!);
}

test('dashboard run list and charts in Chromium', { skip, timeout: 90_000 }, async (t) => {
  const d = await startDashboard();
  const { url, page, trained, pageErrors } = d;
  try {
    await t.test('the run list searches, filters and sorts every run', async () => {
      await page.goto(url);
      await page.waitForSelector('#runs tbody tr');
      assert.deepEqual(await shownRuns(page), [9, 8, 7, 6, 5, 4, 3, 2, 1], 'newest first');
      await page.fill('#run-search', 'norm');
      await page.waitForFunction(() => document.querySelectorAll('#runs tbody tr').length === 4);
      assert.deepEqual(await shownRuns(page), [8, 6, 4, 2]);
      await page.fill('#run-search', 'NORM #6');
      assert.deepEqual(await shownRuns(page), [6], 'every word must match');
      await page.fill('#run-search', '');
      await page.selectOption('select[data-filter="mode"]', 'C');
      assert.deepEqual(await shownRuns(page), [trained, 8, 7, 4, 3]);
      await page.selectOption('select[data-filter="complexity"]', 'poles 1');
      assert.deepEqual(await shownRuns(page), [4, 3]);
      assert.match((await page.textContent('#runs-count'))!, /2 of 9 runs/);
      await page.selectOption('select[data-filter="complexity"]', '');
      await page.selectOption('select[data-filter="mode"]', '');
      await page.click('th[data-sort="testLoss"]');
      const losses = await page.$$eval('#runs tbody tr .num', (els) => els.map((e) => Number(e.getAttribute('data-value'))));
      assert.equal(losses.length, 9);
      assert.deepEqual(losses, [...losses].sort((a, b) => a - b), 'ascending test loss');
      await page.click('th[data-sort="testLoss"]');
      const desc = await page.$$eval('#runs tbody tr .num', (els) => els.map((e) => Number(e.getAttribute('data-value'))));
      assert.deepEqual(desc, [...losses].reverse());
      await shot(page, '7-run-list');
    });

    await t.test('runs from the sweep and outside it overlay on one chart', async () => {
      await page.click('th[data-sort="id"]');
      for (const id of [1, 4, trained]) await page.check(`input[data-select="${id}"]`);
      assert.match((await page.textContent('#compare-selected'))!, /Compare 3 selected/);
      await page.click('#compare-selected');
      await page.waitForSelector('#compare-chart svg g.mark-line path');
      const series = await page.getAttribute('#compare-chart', 'data-series');
      assert.equal(series, `#1 R NONE poles 1|#4 C NORM poles 1|#${trained} C NONE poles 2`);
      // test loss, train loss, update size: 3 runs each; cos(g_M, g_R): the two C runs.
      assert.equal(await page.locator('#compare-chart g.mark-line path').count(), 3 * 3 + 2);
      const legend = await page.$$eval('#compare-chart text', (ts) => ts.map((x) => x.textContent));
      for (const s of series!.split('|')) assert.ok(legend.includes(s), s);
      await shot(page, '8-compare');
    });

    await t.test('a legend click highlights one run in every panel', async () => {
      const opacities = (): Promise<string[]> => page.$$eval('#compare-chart g.mark-line path', (ps) => ps.map((p) => p.getAttribute('opacity') ?? '1'));
      assert.ok((await opacities()).every((o) => Number(o) === 1));
      await page.click('#compare-chart g.role-legend-symbol >> nth=1', { force: true }).catch(() => page.click('#compare-chart text:text-is("#4 C NORM poles 1")'));
      await page.waitForFunction(() => Array.from(document.querySelectorAll('#compare-chart g.mark-line path')).some((p) => Number(p.getAttribute('opacity')) < 0.5));
      const o = (await opacities()).map(Number);
      assert.equal(o.filter((x) => x === 1).length, 4, 'run 4 in all four panels stays opaque');
      assert.equal(o.filter((x) => x < 0.5).length, 7, 'the others fade');
      await page.dblclick('#compare-chart svg', { position: { x: 5, y: 5 } });
    });

    await t.test('hovering shows a tooltip with the series, epoch and value', async () => {
      const box = (await page.locator('#compare-chart svg').boundingBox())!;
      await page.mouse.move(box.x + 200, box.y + 200);
      await page.mouse.move(box.x + 210, box.y + 210);
      await page.waitForSelector('#vg-tooltip-element.visible');
      const tip = (await page.textContent('#vg-tooltip-element'))!;
      assert.match(tip, /series#\d+ [RC] \w+ poles \d.*epoch\d+.*training time \(s\)[\d.]+.*value[\d.e-]+/s);
      await page.mouse.move(box.x + box.width + 50, box.y - 50);
    });

    await t.test('log/linear, smoothing and the x axis apply to every panel and persist', async () => {
      const y0 = (await axes(page, '#compare-chart')).filter((a) => a.startsWith('Y-axis'));
      assert.equal(y0.filter((a) => / log scale/.test(a)).length, 3, y0.join('\n'));
      assert.equal(y0.filter((a) => /cos\(g_M, g_R\)' for a linear scale with values from [-−]1(\.0)? to 1/.test(a)).length, 1);
      await page.click('[data-setting="yScale"][data-value="linear"]');
      await page.waitForFunction(() => Array.from(document.querySelectorAll('#compare-chart [aria-roledescription="axis"]')).every((a) => !/log scale/.test(a.getAttribute('aria-label') ?? '')));
      await page.click('[data-setting="x"][data-value="time"]');
      await page.waitForFunction(() => Array.from(document.querySelectorAll('#compare-chart [aria-roledescription="axis"]')).filter((a) => /X-axis titled 'training time \(s\)'/.test(a.getAttribute('aria-label') ?? '')).length === 4);
      await shot(page, '9-compare-linear-time');
      // Smoothing: the CSV holds the plotted (smoothed) and raw values.
      await page.fill('#smoothing', '1');
      await page.waitForFunction(() => document.querySelector('#chart-toolbar output')?.textContent === 'raw');
      let csv = parseCsv((await download(page, 'csv')).toString());
      assert.deepEqual(csv[0], ['panel', 'series', 'run', 'epoch', 'time', 'value', 'raw']);
      const rows = csv.slice(1);
      assert.equal(rows.length, 3 * (80 + 80 + 4) + (80 + 4), 'every plotted point');
      assert.ok(rows.every((r) => r[5] === r[6]), 'raw: value = raw');
      await page.fill('#smoothing', '10');
      await page.waitForFunction(() => document.querySelector('#chart-toolbar output')?.textContent === '10 epochs');
      csv = parseCsv((await download(page, 'csv')).toString());
      const run1 = csv.slice(1).filter((r) => r[0] === 'test loss' && r[2] === '1');
      const raw = run1.map((r) => Number(r[6]));
      const mean10 = (i: number): number => raw.slice(Math.max(0, i - 9), i + 1).reduce((a, b) => a + b, 0) / 10 + (Math.max(0, 9 - i) * raw[0]!) / 10;
      for (const i of [0, 5, 40, 79]) assert.ok(Math.abs(Number(run1[i]![5]) - mean10(i)) < 1e-12, `epoch ${i + 1}`);
      // The settings hold on the next page too.
      await page.goto(`${url}#/sweeps/${SWEEP}`);
      await page.waitForSelector('#comparison svg g.mark-line path');
      assert.equal(await page.getAttribute('[data-setting="yScale"][data-value="linear"]', 'aria-pressed'), 'true');
      assert.equal(await page.inputValue('#smoothing'), '10');
      assert.ok((await axes(page, '#comparison')).some((a) => /X-axis titled 'training time \(s\)'/.test(a)));
      assert.match((await page.textContent('#sweep-runs thead'))!, /test loss \(10-epoch avg\.\)/);
      await page.click('[data-setting="yScale"][data-value="log"]');
      await page.click('[data-setting="x"][data-value="epoch"]');
      await page.waitForFunction(() => Array.from(document.querySelectorAll('#comparison [aria-roledescription="axis"]')).some((a) => /X-axis titled 'epoch'/.test(a.getAttribute('aria-label') ?? '')));
    });

    await t.test('the wheel zooms a panel and a double-click resets it', async () => {
      const xRange = async (): Promise<string> => (await axes(page, '#comparison')).find((a) => a.startsWith('X-axis'))!.replace(/.*with values from /, '');
      const before = await xRange();
      assert.equal(before, '1 to 80');
      const box = (await page.locator('#comparison svg g.mark-line path >> nth=0').boundingBox())!;
      await page.mouse.move(box.x + box.width / 2, box.y + box.height / 2);
      await page.mouse.wheel(0, -400);
      await page.waitForFunction((b) => {
        const a = Array.from(document.querySelectorAll('#comparison [aria-roledescription="axis"]')).find((e) => e.getAttribute('aria-label')?.startsWith('X-axis'));
        return a && !a.getAttribute('aria-label')!.endsWith(b);
      }, before);
      const [lo, hi] = (await xRange()).split(' to ').map(Number);
      assert.ok(lo! > 1 && hi! < 80 && lo! < hi!, `zoomed to ${lo} … ${hi}`);
      await page.mouse.dblclick(box.x + box.width / 2, box.y + box.height / 2);
      await page.waitForFunction((b) => Array.from(document.querySelectorAll('#comparison [aria-roledescription="axis"]')).some((e) => e.getAttribute('aria-label')?.endsWith(b)), before);
    });

    await t.test('a chart downloads as PNG and SVG, its numbers as CSV', async () => {
      const png = await download(page, 'png');
      assert.deepEqual([...png.subarray(0, 8)], [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
      assert.ok(png.length > 10_000, `${png.length} bytes`);
      const svg = (await download(page, 'svg')).toString();
      assert.ok(/^<svg[^>]*xmlns="http:\/\/www.w3.org\/2000\/svg"/.test(svg), svg.slice(0, 200));
      assert.ok(svg.includes('>poles = 1<') && svg.includes('>poles = 2<'), 'the panel titles are in the SVG');
      const csv = (await download(page, 'csv')).toString().trim().split('\n');
      assert.equal(csv[0], 'panel,runs,seeds,mode,clip,epoch,time,value,lo,hi');
      assert.equal(csv.length - 1, 8 * 80);
      await page.goto(`${url}#/runs/${trained}`);
      await page.waitForSelector('#run-curves svg');
      const runCsv = (await download(page, 'csv')).toString().trim().split('\n');
      assert.equal(runCsv.length - 1, 4 * 4, 'test, train loss, update size, cos: 4 epochs each');
      await shot(page, '10-run-curves');
    });

    assert.deepEqual(pageErrors, [], 'no uncaught errors in the page');
  } finally {
    await d.close();
  }
});
