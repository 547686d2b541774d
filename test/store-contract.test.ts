import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { cartpole } from '../src/physics/index.js';
import Database from 'better-sqlite3';
import { MIGRATIONS, newOwner, SCHEMA_VERSION } from '../src/runs/store-schema.js';
import { LeaseLostError, RunStore } from '../src/runs/store.js';
import { resolveTrainConfig } from '../src/train/config.js';
import type { EpochRecord } from '../src/train/record.js';
import type { TrainSnapshot } from '../src/train/trainer.js';
import { havePostgres, NO_POSTGRES, startCluster, type Cluster } from './helpers/pg-cluster.js';

const record = (epoch: number, v: number): EpochRecord => ({
  epoch, loss: v, trainLoss: v / 3, testLoss: v / 7, physicsLoss: 0.1, physicsTrainLoss: 0.2, physicsTestLoss: 0.3, gradSize: 1e-300 * v, cosSim: -0.25, time: 0.001,
});
const snapshot = (epochs: number): TrainSnapshot => ({
  epoch: epochs, params: [0.1, -2.5e-17, 3], optimizer: { name: 'ADAM', lr: 1e-3, t: epochs, slots: { m: [0.5] } },
  records: Array.from({ length: epochs }, (_, k) => record(k + 1, Math.PI * (k + 1))),
});
const config = (seed = 0) => resolveTrainConfig(cartpole, { epochs: 5, seed });

/** The same behaviour from both backends. */
function contract(backend: string, location: () => Promise<string>): void {
  describe(`store contract (${backend})`, () => {
    test('round trip: runs, filters, records bit for bit, checkpoint, controller, sweeps', async () => {
      const store = await RunStore.open(await location());
      const a = await store.createRun(config(0), 'sweep-a');
      const b = await store.createRun(config(1), 'sweep-b');
      const c = await store.createRun(config(2));
      assert.deepEqual([a, b, c].map((id) => id - a), [0, 1, 2]);
      const owner = newOwner();
      assert.equal(await store.claimRun(a, owner, 60), true);
      await store.saveProgress(a, snapshot(4), owner);
      await store.saveProgress(a, snapshot(3), owner); // a checkpoint from before: later epochs go
      assert.deepEqual(await store.records(a), snapshot(3).records);
      assert.deepEqual(await store.checkpoint(a), snapshot(3));
      await store.saveProgress(a, snapshot(5), owner);
      const controller = { format: 'x', params: [{ name: 'w', data: [1.5] }] } as never;
      await store.finish(a, 'done', null, controller, owner);
      const run = await store.run(a);
      assert.equal(run.status, 'done');
      assert.equal(run.epochsDone, 5);
      assert.equal(run.sweep, 'sweep-a');
      assert.deepEqual(run.config, config(0));
      assert.ok(run.startedAt && run.finishedAt && Math.abs(run.trainSeconds - 0.005) < 1e-12);
      assert.deepEqual(await store.records(a), snapshot(5).records);
      assert.deepEqual(await store.controller(a), controller);
      assert.equal(await store.controller(b), null);
      assert.equal(await store.checkpoint(b), null);
      assert.deepEqual((await store.runs({ status: 'queued' })).map((r) => r.id), [b, c]);
      assert.deepEqual((await store.runs({ sweep: 'sweep-b' })).map((r) => r.id), [b]);
      assert.deepEqual((await store.runs({ problem: 'cartpole', status: 'done' })).map((r) => r.id), [a]);
      assert.deepEqual(await store.sweeps(), [{ sweep: 'sweep-a', runs: 1, done: 1 }, { sweep: 'sweep-b', runs: 1, done: 0 }]);
      await store.finish(c, 'failed', 'broken', null);
      await store.requeue(c);
      assert.equal((await store.run(c)).status, 'queued');
      await assert.rejects(store.run(999999), /no run with id 999999/);
      await store.close();
    });

    test('diagnoses: stored apart from the checkpoint, θ on request, later epochs dropped with a checkpoint from before', async () => {
      const store = await RunStore.open(await location());
      const id = await store.createRun(config());
      const flow = (e: number) => ({ steps: 2, batch: 1, loss: e, modes: [{ mode: 'full' as const, letter: 'R', adjointNorms: [e, 1e-300], stepGradNorms: [2, e], gradNorm: 3, layerNorms: [{ layer: 'dense_0', norm: 3 }], horizon: [] }] });
      const diagnosed = (epochs: number): TrainSnapshot => ({
        ...snapshot(epochs),
        diagnoses: [0, 2, 4].filter((e) => e <= epochs).map((e) => ({ epoch: e, flow: flow(e), params: [e, -0.5, 1 / 3] })),
      });
      await store.saveProgress(id, diagnosed(4));
      assert.deepEqual(await store.diagnoses(id), [0, 2, 4].map((e) => ({ epoch: e, flow: flow(e) })));
      assert.deepEqual((await store.diagnoses(id, { params: true })).map((d) => d.params), [[0, -0.5, 1 / 3], [2, -0.5, 1 / 3], [4, -0.5, 1 / 3]]);
      assert.deepEqual(await store.checkpoint(id), snapshot(4), 'the checkpoint holds no diagnoses');
      await store.saveProgress(id, diagnosed(3)); // resumed from an earlier checkpoint: epoch 4 goes
      assert.deepEqual((await store.diagnoses(id)).map((d) => d.epoch), [0, 2]);
      await store.saveProgress(id, diagnosed(5));
      assert.deepEqual((await store.diagnoses(id)).map((d) => d.epoch), [0, 2, 4]);
      assert.deepEqual(await store.diagnoses(await store.createRun(config())), []);
      await store.close();
    });

    test('claims: one owner at a time; a taken-over owner cannot write; hand back; an expired lease frees the run', async () => {
      const store = await RunStore.open(await location());
      const id = await store.createRun(config());
      const [x, y] = [newOwner(), newOwner()];
      assert.equal(await store.claimRun(id, x, 60), true);
      assert.equal(await store.claimRun(id, y, 60), false, 'held by a live owner');
      assert.equal(await store.claimRun(id, y, 60, true), true, 'takeover by the holder of the run\'s job');
      await assert.rejects(store.saveProgress(id, snapshot(1), x), LeaseLostError);
      await assert.rejects(store.finish(id, 'done', null, null, x), LeaseLostError);
      assert.equal(await store.checkpoint(id), null, 'nothing of the old owner was written');
      await store.saveProgress(id, snapshot(2), y, 0); // lease ends now
      assert.equal(await store.claimRun(id, x, 60), true, 'an expired lease frees the run');
      await store.release(id, x);
      const r = await store.run(id);
      assert.equal(r.status, 'queued');
      assert.equal(r.epochsDone, 2, 'the checkpoint stays');
      await store.finish(id, 'diverged', 'non-finite', null);
      assert.equal(await store.claimRun(id, y, 60, true), false, 'a finished run is not claimed again');
      await store.close();
    });

    test('a run whose process is gone is interrupted; a malformed row is skipped with its id; a train run keeps its folder', async () => {
      const store = await RunStore.open(await location());
      const [live, dead, expired, broken] = [
        await store.createRun(config(0), null, undefined, '/runs/a'),
        await store.createRun(config(1)),
        await store.createRun(config(2)),
        await store.createRun(config(3)),
      ];
      assert.equal((await store.run(live)).outDir, '/runs/a');
      assert.equal((await store.run(dead)).outDir, null);
      // A process that has exited: its pid is gone on this host.
      const gone = await new Promise<number>((resolve) => {
        const p = spawn(process.execPath, ['-e', '']);
        p.on('exit', () => resolve(p.pid!));
      });
      await store.claimRun(live, newOwner(), 60);
      await store.claimRun(dead, { ...newOwner(), pid: gone }, 60);
      const owner = newOwner();
      await store.claimRun(expired, owner, 60);
      await store.saveProgress(expired, snapshot(1), owner, 0); // its lease ends now
      const shown = new Map((await store.runs()).map((r) => [r.id, [r.status, r.interrupted]]));
      assert.deepEqual([live, dead, expired, broken].map((id) => shown.get(id)), [['running', false], ['running', true], ['running', true], ['queued', false]]);
      assert.equal(await store.claimRun(dead, newOwner(), 60), true, 'a run of a dead process is claimed again');

      const raw = (sql: string): Promise<unknown> =>
        store.kind === 'sqlite' ? Promise.resolve((store as unknown as { db: { exec(s: string): void } }).db.exec(sql)) : (store as unknown as { pool: { query(s: string): Promise<unknown> } }).pool.query(sql);
      await raw(`UPDATE runs SET config = '{"epochs": "many"' WHERE id = ${broken}`);
      const skipped: string[] = [];
      const ids = (await store.runs({ onSkip: (e) => skipped.push(`${e.run}: ${e.message}`) })).map((r) => r.id);
      assert.deepEqual(ids, [live, dead, expired]);
      assert.equal(skipped.length, 1);
      assert.match(skipped[0]!, new RegExp(`^${broken}: run ${broken} in .+ is malformed \\(its config is not valid JSON: .*\\); it is skipped in listings$`));
      await raw(`UPDATE runs SET config = '{"epochs": "many"}' WHERE id = ${broken}`);
      await assert.rejects(store.run(broken), new RegExp(`^Error: run ${broken} in .+ is malformed \\(its config is not a training config\\)`));
      await store.close();
    });

    test('two processes creating one sweep at once make its runs once', async () => {
      const where = await location();
      await (await RunStore.open(where)).close();
      const create = (): Promise<number[]> =>
        new Promise((resolve, reject) => {
          let out = '';
          const p = spawn(process.execPath, ['--import', 'tsx', 'test/helpers/store-worker.ts', 'sweep', where], { stdio: ['ignore', 'pipe', 'inherit'] });
          p.stdout!.on('data', (d: Buffer) => (out += d.toString()));
          p.on('exit', (code) => (code === 0 ? resolve(JSON.parse(out) as number[]) : reject(new Error(`exit ${code}`))));
        });
      const [a, b] = await Promise.all([create(), create()]);
      assert.equal(a.length, 8);
      assert.deepEqual(a, b, 'both see the same runs');
      const store = await RunStore.open(where);
      assert.equal((await store.runs({ sweep: 'at-once' })).length, 8);
      await store.close();
    });

    test('two processes writing one store at once lose nothing', async () => {
      const where = await location();
      await (await RunStore.open(where)).close();
      const worker = (): Promise<number> =>
        new Promise((resolve) => {
          const p = spawn(process.execPath, ['--import', 'tsx', 'test/helpers/store-worker.ts', 'write', where, '12', '6'], { stdio: 'inherit' });
          p.on('exit', (code) => resolve(code ?? -1));
        });
      assert.deepEqual(await Promise.all([worker(), worker()]), [0, 0]);
      const store = await RunStore.open(where);
      const runs = await store.runs({ sweep: 'concurrent' });
      assert.equal(runs.length, 24);
      for (const r of runs) {
        assert.equal(r.status, 'done');
        assert.deepEqual((await store.records(r.id)).map((e) => e.testLoss), Array(6).fill(r.id));
      }
      await store.close();
    });
  });
}

test('a SQLite store of the first releases (schema 1): readers say how to upgrade; migrate keeps its runs', async () => {
  const path = join(mkdtempSync(join(tmpdir(), 'sbptt-v1-')), 'old.sqlite');
  const db = new Database(path);
  db.exec(MIGRATIONS[0]!('sqlite'));
  db.prepare("INSERT INTO runs (problem, config, seed, status, created_at, code_version) VALUES ('cartpole', ?, 0, 'done', 'then', '0.0.1')").run(JSON.stringify(config()));
  db.close();
  await assert.rejects(RunStore.open(path, { create: false }), new RegExp(`has schema version 1, this sbptt needs ${SCHEMA_VERSION}: upgrade it once with \`sbptt migrate --store <it>\``));
  const store = await RunStore.open(path, { create: true });
  assert.deepEqual((await store.runs()).map((r) => [r.status, r.codeVersion]), [['done', '0.0.1']]);
  await store.close();
  const reader = await RunStore.open(path, { create: false });
  assert.equal((await reader.runs()).length, 1);
  await reader.close();
  await assert.rejects(RunStore.open(join(path, '..', 'missing.sqlite'), { create: false }), /^Error: no run store at .*missing\.sqlite/);
});

contract('SQLite', async () => join(mkdtempSync(join(tmpdir(), 'sbptt-contract-')), 'runs.sqlite'));

describe('PostgreSQL', { skip: havePostgres() ? false : NO_POSTGRES }, () => {
  let cluster: Cluster;
  let dbs = 0;
  before(async () => {
    cluster = (await startCluster())!;
  });
  after(() => cluster.stop());
  contract('PostgreSQL', async () => cluster.createDatabase(`contract${++dbs}`));
});
