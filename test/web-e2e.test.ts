/**
 * The dashboard end to end: the bundle built from the sources, the server on a random loopback
 * port over a temporary store, and Debian's Chromium driven by playwright-core. Skipped only
 * when /usr/bin/chromium is missing. SBPTT_E2E_SCREENSHOTS=<dir> saves a screenshot per page.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { request } from 'node:http';
import type { Page } from 'playwright-core';
import { cartpole } from '../src/physics/index.js';
import { rolloutRun } from '../src/runs/animate/rollout.js';
import { RunStore } from '../src/runs/store.js';
import { resolveTrainConfig } from '../src/train/config.js';
import { shot, skip, startDashboard, SWEEP } from './helpers/dashboard.js';

function rawStatus(port: number, target: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, path: target, timeout: 5000 }, (res) => {
      let body = '';
      res.on('data', (c: Buffer) => (body += c));
      res.on('end', () => resolve({ status: res.statusCode!, body }));
    });
    req.on('timeout', () => req.destroy(new Error(`timeout: ${target}`)));
    req.on('error', reject);
    req.end();
  });
}

/** Line paths vega drew in the comparison chart, and its text (titles, legends). */
const chartState = (page: Page) =>
  page.$eval('#comparison', (el) => ({
    lines: el.querySelectorAll('g.mark-line path').length,
    text: Array.from(el.querySelectorAll('text')).map((t) => t.textContent ?? ''),
    series: (el as HTMLElement).dataset.series ?? '',
  }));

test('dashboard end to end in Chromium', { skip, timeout: 120_000 }, async (t) => {
  const d = await startDashboard();
  const { url, port, page, store, storePath, trained, pageErrors } = d;
  try {
    await t.test('the page loads and lists the sweep the test created, live', async () => {
      const res = await page.goto(url);
      assert.equal(res?.status(), 200);
      await page.waitForSelector(`a[data-sweep="${SWEEP}"]`);
      const row = await page.textContent(`#sweeps tr:has(a[data-sweep="${SWEEP}"])`);
      assert.match(row!, /cart-pole swing-up\s*8\s*done 8\s*640 \/ 640/);
      assert.match((await page.textContent(`#runs tr[data-run="${trained}"]`))!, /#\d+.*cartpole.*poles 2.*C.*done/s);
      // Live progress: a run queued now shows up at the next poll (every 2 s).
      const writer = await RunStore.open(storePath);
      writer.createRun(resolveTrainConfig(cartpole, { mode: 'S', clip: 'NORM', epochs: 80, settings: { poles: 1 } }), SWEEP);
      writer.close();
      await page.waitForFunction((s) => /queued 1/.test(document.querySelector(`#sweeps tr:has(a[data-sweep="${s}"])`)?.textContent ?? ''), SWEEP, { timeout: 6000 });
      await shot(page, '1-sweeps');
    });

    await t.test('the comparison renders one series per mode and clip; the toggles hide them', async () => {
      await page.click(`a[data-sweep="${SWEEP}"]`);
      await page.waitForSelector('#comparison svg g.mark-line path');
      let c = await chartState(page);
      assert.equal(c.series, 'C/NONE,C/NORM,R/NONE,R/NORM');
      assert.equal(c.lines, 8, 'two panels × four runs');
      for (const label of ['poles = 1', 'poles = 2', 'R', 'C', 'NORM', 'NONE', 'mode', 'clipping', 'epoch', 'test loss']) assert.ok(c.text.includes(label), label);
      assert.ok(!c.text.includes('S'), 'the queued run (mode S, no records) is not plotted');
      assert.equal(await page.locator('#sweep-runs tbody tr').count(), 9);
      await shot(page, '2-sweep');
      await page.uncheck('input[data-mode="R"]');
      await page.waitForFunction(() => (document.querySelector('#comparison') as HTMLElement).dataset.series === 'C/NONE,C/NORM');
      await page.waitForFunction(() => document.querySelectorAll('#comparison g.mark-line path').length === 4);
      c = await chartState(page);
      assert.ok(!c.text.includes('R') && c.text.includes('C'), 'legend without R');
      await page.uncheck('input[data-clip="NONE"]');
      await page.waitForFunction(() => document.querySelectorAll('#comparison g.mark-line path').length === 2);
      await page.check('input[data-mode="R"]');
      await page.check('input[data-clip="NONE"]');
      await page.waitForFunction(() => document.querySelectorAll('#comparison g.mark-line path').length === 8);
    });

    await t.test("a run's curves render and its rollout canvas draws changing frames", async () => {
      await page.goto(`${url}#/runs/${trained}`);
      await page.waitForSelector('#run-curves svg');
      const text = await page.$$eval('#run-curves text', (ts) => ts.map((x) => x.textContent));
      for (const label of ['test loss', 'train loss', 'grad size', 'cos sim', 'update size']) assert.ok(text.some((x) => x?.includes(label)), label);
      await page.waitForSelector('#rollout-canvas[data-step]');
      const frame = () => page.$eval('#rollout-canvas', (c) => ({ step: (c as HTMLCanvasElement).dataset.step, png: (c as HTMLCanvasElement).toDataURL() }));
      const seen = new Set<string>(), steps = new Set<string>();
      for (let i = 0; i < 6; i++) {
        const f = await frame();
        seen.add(f.png);
        steps.add(f.step!);
        await page.waitForTimeout(150);
      }
      assert.ok(seen.size >= 3, `${seen.size} different images in 6 samples`);
      assert.ok(steps.size >= 3, `steps ${[...steps]}`);
      const info = await page.textContent('#rollout + span');
      // The engine runs in the page unchanged, its dense kernels on WebAssembly SIMD (allowed by the page's CSP).
      assert.match(info!, /4 samples × 40 steps simulated in \d+ ms \(WebAssembly SIMD kernels\) · rollout loss \d/);
      // The same numbers as the rollout Node computes for `sbptt animate`, to the last bit.
      const browserLoss = Number(await page.getAttribute('#rollout + span', 'data-loss'));
      assert.equal(browserLoss, (await rolloutRun(store, trained, cartpole, 4)).loss);
      const blank = await page.$eval('#rollout-canvas', (c) => {
        const d = (c as HTMLCanvasElement).getContext('2d')!.getImageData(0, 0, (c as HTMLCanvasElement).width, (c as HTMLCanvasElement).height).data;
        let dark = 0;
        for (let i = 0; i < d.length; i += 4) if (d[i]! < 128) dark++;
        return dark;
      });
      assert.ok(blank > 500, `${blank} dark pixels: the scene is drawn`);
      await shot(page, '3-run');
    });

    await t.test('the toy reaches a lower loss for the combined field than for the rotated one', async () => {
      await page.goto(`${url}#/toy`);
      const finals = async (): Promise<Record<string, number>> => {
        await page.waitForSelector('#toy[data-state="done"]', { timeout: 30_000 }); // a busy 2-core machine: ~10 s
        const rows = await page.$$eval('#toy-results tr[data-field]', (trs) => trs.map((tr) => [tr.getAttribute('data-field'), Number(tr.querySelector('.final')!.getAttribute('data-value'))]));
        return Object.fromEntries(rows) as Record<string, number>;
      };
      const d = await finals();
      assert.ok(d.combined! < d.rotated! / 10 && d.gradient! < d.combined!, JSON.stringify(d));
      await page.click('#toy details > summary');
      await page.waitForSelector('#toy details svg');
      const figure = await page.$$eval('#toy details svg text', (ts) => ts.map((x) => x.textContent));
      for (const label of ['gradient g = ∇L', 'rotated r = R(−60°)·g', 'loss L(θ)']) assert.ok(figure.includes(label), label);
      await shot(page, '4-toy');
      await page.fill('input[name="angle"]', '80');
      await page.fill('input[name="start1"]', '-3');
      await page.waitForSelector('#toy[data-state="running"]');
      const e = await finals();
      assert.ok(e.combined! < e.rotated!, JSON.stringify(e));
      assert.notEqual(e.rotated, d.rotated, 'the inputs changed the run');
      await page.fill('input[name="lr"]', '0');
      await page.waitForSelector('#toy[data-state="error"]');
      assert.match((await page.textContent('#toy .error'))!, /lr must be a finite number > 0/);
    });

    await t.test('an unknown run id shows the 404 page; the server 404s unknown paths', async () => {
      await page.goto(`${url}#/runs/999`);
      await page.waitForSelector('.not-found[data-status="404"]');
      assert.match((await page.textContent('.not-found'))!, /404.*Run 999 not found/s);
      await shot(page, '5-not-found');
      await page.goto(`${url}#/no/such/page`);
      await page.waitForSelector('.not-found');
      const res = await page.goto(`${url}no/such/page`);
      assert.equal(res?.status(), 404);
      assert.match((await page.textContent('.not-found'))!, /404.*Page not found/s);
      await shot(page, '6-server-404');
    });

    await t.test('path-traversal requests are refused', async () => {
      for (const target of ['/../package.json', '/%2e%2e/package.json', '/%2e%2e%2f%2e%2e%2fpackage.json', '/..%5c..%5cpackage.json', '/api/%2e%2e/%2e%2e/package.json']) {
        const r = await rawStatus(port, target);
        assert.equal(r.status, 400, target);
        assert.doesNotMatch(r.body, /"name": "stable-bptt"/, target);
      }
      // The browser normalises "..": what reaches the server is an unknown path.
      const res = await page.goto(`${url}%2e%2e/%2e%2e/package.json`);
      assert.equal(res?.status(), 404);
      assert.doesNotMatch(await page.content(), /"devDependencies"/);
    });

    assert.deepEqual(pageErrors, [], 'no uncaught errors in the page');
  } finally {
    await d.close();
  }
});
