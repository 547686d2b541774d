/** The dashboard's diagnosis runs on a worker thread: the server answers other requests meanwhile, with the same numbers as in-process. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { cartpole } from '../src/physics/index.js';
import { diagnoseRun } from '../src/runs/diagnose-run.js';
import { executeRun } from '../src/runs/execute.js';
import { RunStore } from '../src/runs/store.js';
import { resolveTrainConfig } from '../src/train/config.js';
import { createDashboardServer, listen } from '../src/web/server/server.js';

test('a diagnosis from the dashboard does not hold up other requests, and equals the one computed in-process', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'sbptt-diagnose-thread-'));
  const store = await RunStore.open(join(dir, 'runs.sqlite'));
  // Long enough to take a second or more: 2 poles, 200 steps, 32 states, the horizon curve.
  const id = await store.createRun(resolveTrainConfig(cartpole, { epochs: 1, trainSize: 32, testSize: 32, batch: 32, settings: { poles: 2, steps: 200, width: 32 } }));
  assert.equal((await executeRun(store, id)).status, 'done');
  const server = createDashboardServer({ store, bundleDir: dir, loopbackOnly: true });
  const url = await listen(server, '127.0.0.1', 0);
  try {
    const started = performance.now();
    let pending = true;
    const diagnosis = fetch(`${url}api/runs/${id}/diagnose?epoch=last`).then(async (r) => {
      pending = false;
      assert.equal(r.status, 200);
      return r.json() as Promise<unknown>;
    });
    let answered = 0;
    while (pending) {
      const r = await fetch(`${url}api/runs`);
      assert.equal(r.status, 200);
      await r.arrayBuffer();
      if (pending) answered++;
    }
    const flow = await diagnosis;
    const seconds = (performance.now() - started) / 1000;
    assert.ok(seconds > 0.5, `the diagnosis took ${seconds.toFixed(2)} s: too short to show anything`);
    assert.ok(answered >= 10, `only ${answered} requests were answered during a diagnosis of ${seconds.toFixed(2)} s`);
    const [mine] = await diagnoseRun(store, await store.run(id), cartpole, { epochs: [1], batch: 32 });
    assert.deepEqual(flow, JSON.parse(JSON.stringify(mine)), 'the same numbers as in-process');
  } finally {
    server.close();
    await store.close();
  }
});
