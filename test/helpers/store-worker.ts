/**
 * A second process for the store tests. Usage:
 *   store-worker.ts write <store> <runs> <epochs>   — creates runs and saves fake progress
 *   store-worker.ts train <store> <runId> <killAfterEpoch>  — trains a stored run, SIGKILLs itself after that epoch
 */
import { RunStore } from '../../src/runs/store.js';
import { newOwner } from '../../src/runs/store-schema.js';
import { executeRun } from '../../src/runs/execute.js';
import { cartpole } from '../../src/physics/index.js';
import { resolveTrainConfig } from '../../src/train/config.js';
import type { EpochRecord } from '../../src/train/record.js';

const [cmd, path, a, b] = process.argv.slice(2);
const store = await RunStore.open(path!);
if (cmd === 'write') {
  const config = resolveTrainConfig(cartpole, { epochs: Number(b), seed: process.pid % 1000 });
  const owner = newOwner();
  for (let k = 0; k < Number(a); k++) {
    const id = await store.createRun(config, 'concurrent');
    if (!(await store.claimRun(id, owner, 60))) throw new Error(`could not claim run ${id}`);
    const records: EpochRecord[] = [];
    for (let e = 1; e <= Number(b); e++) {
      records.push({ epoch: e, loss: e, trainLoss: e, testLoss: id, physicsLoss: e, physicsTrainLoss: e, physicsTestLoss: e, gradSize: 1, cosSim: 0, time: 0.01 });
      await store.saveProgress(id, { epoch: e, params: [id, e], optimizer: { name: 'ADAM', lr: 1e-3, t: e, slots: {} }, records }, owner, 60);
    }
    await store.finish(id, 'done', null, null, owner);
  }
} else if (cmd === 'train') {
  await executeRun(store, Number(a), {
    onEpoch: ({ epoch }) => {
      if (epoch === Number(b)) process.kill(process.pid, 'SIGKILL');
    },
  });
}
await store.close();
