/**
 * The run page's gradient-flow panel in Chromium: the diagnoses stored while a run trained drawn
 * over its epochs, a diagnosis of a stored epoch computed by the server on request (the same
 * numbers as the library's), and the API's answers to bad requests.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { cartpole } from '../src/physics/index.js';
import { diagnoseRun } from '../src/runs/diagnose-run.js';
import { executeRun } from '../src/runs/execute.js';
import { resolveTrainConfig } from '../src/train/config.js';
import { shot, skip, startDashboard } from './helpers/dashboard.js';

test('dashboard gradient-flow panel in Chromium', { skip, timeout: 90_000 }, async (t) => {
  const d = await startDashboard();
  const { url, page, store, pageErrors } = d;
  try {
    const config = resolveTrainConfig(cartpole, { mode: 'C', epochs: 3, trainSize: 8, testSize: 4, batch: 4, diagnoseEvery: 1, settings: { poles: 1, steps: 20, duration: 0.4, width: 8 } });
    const id = await store.createRun(config);
    assert.equal((await executeRun(store, id, { problem: cartpole })).status, 'done');

    await t.test('the stored diagnoses are drawn over the epochs; every stored epoch can be chosen', async () => {
      await page.goto(`${url}#/runs/${id}`);
      await page.waitForSelector('#diagnose-epochs-chart svg g.mark-line path');
      const options = await page.$$eval('#diagnose-epoch option', (os) => os.map((o) => o.textContent));
      assert.deepEqual(options, ['0 (diagnosis)', '1 (diagnosis)', '2 (diagnosis)', '3 (final controller)']);
      assert.equal(await page.inputValue('#diagnose-epoch'), '3');
      const text = await page.$$eval('#diagnose-epochs-chart text', (ts) => ts.map((x) => x.textContent));
      for (const s of ['R: ‖λ_n‖', 'M: ‖λ_n‖', 'N: ‖λ_n‖', 'S: ‖λ_n‖']) assert.ok(text.includes(s), s);
    });

    await t.test('Diagnose draws the chosen epoch as the server computed it, the numbers of the library', async () => {
      await page.selectOption('#diagnose-epoch', '2');
      await page.click('#diagnose-run');
      await page.waitForSelector('#diagnose-chart svg g.mark-line path');
      assert.match((await page.textContent('#diagnose-status'))!, /^epoch 2: 4 test states × 20 steps, computed in \d+\.\d s$/);
      const text = await page.$$eval('#diagnose-chart text', (ts) => ts.map((x) => x.textContent));
      for (const s of ['epoch 2: state adjoint ‖λ_n‖', "epoch 2: step n's share of the update", 'epoch 2: update norm over the horizon', 'epoch 2: update norm per layer']) assert.ok(text.includes(s), s);
      const answer = (await (await fetch(`${url}api/runs/${id}/diagnose?epoch=2`)).json()) as unknown;
      const [mine] = await diagnoseRun(store, await store.run(id), cartpole, { epochs: [2] });
      assert.deepEqual(answer, mine);
      await shot(page, '9-gradient-flow');
    });

    await t.test('a run without stored diagnoses says so; bad requests are answered 400 or 404', async () => {
      await page.goto(`${url}#/runs/${d.trained}`);
      await page.waitForSelector('#diagnose-epochs-chart .chart-message');
      assert.match((await page.textContent('#diagnose-epochs-chart'))!, /No diagnoses were stored while this run trained/);
      const get = async (q: string): Promise<[number, string]> => {
        const r = await fetch(`${url}api/runs/${id}/diagnose?${q}`);
        return [r.status, ((await r.json()) as { error: string }).error];
      };
      assert.deepEqual(await get('epoch=9'), [404, `run ${id} has no parameters of epoch 9; epochs with parameters: 0, 1, 2, 3`]);
      assert.deepEqual(await get('modes=C'), [400, 'modes: C (combined) has no adjoint of its own, it merges the fields of M and R: diagnose R,M instead']);
      assert.deepEqual(await get('batch=5'), [400, 'batch must be an integer from 1 to 4, got "5"']);
      assert.deepEqual(await get('horizons=x'), [400, 'horizons must be an integer from 0 to 20, got "x"']);
      assert.deepEqual(await get('colour=red'), [400, 'unknown query parameter "colour"; accepted: epoch, modes, horizons, batch']);
      assert.deepEqual(pageErrors, []);
    });
  } finally {
    await d.close();
  }
});
