/**
 * Sweeps on a shared PostgreSQL store with the pg-boss queue: several `sbptt worker` processes,
 * a SIGKILLed one, a gracefully stopped one, enqueueing twice, a diverging run, and the errors a
 * user sees for a wrong URL. A throw-away cluster (helpers/pg-cluster.ts) serves them.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import pg from 'pg';
import { cartpole } from '../src/physics/index.js';
import { executeRun } from '../src/runs/execute.js';
import { openQueue } from '../src/runs/queue.js';
import { ensureSweep, parseAxes, planSweep } from '../src/runs/sweep.js';
import { MIGRATIONS, SCHEMA_VERSION } from '../src/runs/store-schema.js';
import { RunStore } from '../src/runs/store.js';
import { sweepSummaries } from '../src/web/server/api.js';
import { resolveTrainConfig } from '../src/train/config.js';
import type { EpochRecord } from '../src/train/record.js';
import { havePostgres, NO_POSTGRES, PG_PASSWORD, startCluster, type Cluster } from './helpers/pg-cluster.js';

const CLI = ['--import', 'tsx', 'src/cli/main.ts'];
const sbptt = (args: string[], env: NodeJS.ProcessEnv = {}) => spawnSync(process.execPath, [...CLI, ...args], { encoding: 'utf8', env: { ...process.env, ...env } });
const withoutTime = (rs: readonly EpochRecord[]) => rs.map(({ time: _t, ...r }) => r);
const GRID = ['sweep', 'cartpole', '--complexity', '1', '--clip', 'NONE', '--train-size', '32', '--test-size', '8', '--steps', '50', '--width', '32'];

function startWorker(url: string, extra: string[] = []): { p: ChildProcess; exited: Promise<number | null>; out: () => string } {
  const p = spawn(process.execPath, [...CLI, 'worker', '--store', url, '--exit-when-idle', '--poll', '1', ...extra], { stdio: ['ignore', 'pipe', 'pipe'] });
  let text = '';
  p.stdout!.on('data', (d: Buffer) => (text += d.toString()));
  p.stderr!.on('data', (d: Buffer) => (text += d.toString()));
  return { p, exited: new Promise((resolve) => p.on('exit', (code) => resolve(code))), out: () => text };
}

async function query<T>(url: string, sql: string, args: unknown[] = []): Promise<T[]> {
  const c = new pg.Client({ connectionString: url });
  await c.connect();
  try {
    return (await c.query(sql, args)).rows as T[];
  } finally {
    await c.end();
  }
}

/** Polls until `f` returns a value (not undefined), or fails after `seconds`. */
async function waitFor<T>(what: string, seconds: number, f: () => Promise<T | undefined>): Promise<T> {
  const end = Date.now() + seconds * 1000;
  for (;;) {
    const v = await f();
    if (v !== undefined) return v;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await sleep(100);
  }
}

/** The run's records and controller equal those of the same config trained uninterrupted (in SQLite). */
async function assertUninterrupted(store: RunStore, id: number): Promise<void> {
  const reference = await RunStore.open(join(mkdtempSync(join(tmpdir(), 'sbptt-ref-')), 'ref.sqlite'));
  const ref = await reference.createRun((await store.run(id)).config);
  assert.equal((await executeRun(reference, ref)).status, 'done');
  assert.deepEqual(withoutTime(await store.records(id)), withoutTime(await reference.records(ref)));
  assert.deepEqual((await store.controller(id))!.params, (await reference.controller(ref))!.params);
  await reference.close();
}

describe('distributed sweeps on PostgreSQL', { skip: havePostgres() ? false : NO_POSTGRES }, () => {
  let cluster: Cluster;
  let dbs = 0;
  const database = (): Promise<string> => cluster.createDatabase(`dist${++dbs}`);
  before(async () => {
    cluster = (await startCluster())!;
  });
  after(() => cluster.stop());

  test('three workers, one killed with SIGKILL mid-run: every run done, each epoch stored once, the killed run equals an uninterrupted one', async () => {
    const url = await database();
    const epochs = 80;
    const queued = sbptt([...GRID, '--modes', 'R,C,S', '--epochs', String(epochs), '--workers', '0', '--lease', '4', '--store', url]);
    assert.equal(queued.status, 0, queued.stderr);
    assert.match(queued.stdout, /3 runs .*, 3 newly queued, 0 worker\(s\)/);
    const workers = [startWorker(url), startWorker(url), startWorker(url)];
    // The victim: a worker process holding a run with some epochs stored.
    const victim = await waitFor('a run in progress', 60, async () => {
      const rows = await query<{ id: string; pid: number }>(url, "SELECT r.id, r.owner_pid AS pid FROM runs r WHERE status = 'running' AND (SELECT COUNT(*) FROM epochs e WHERE e.run_id = r.id) BETWEEN 5 AND 60");
      return rows[0];
    });
    const killed = workers.find((w) => w.p.pid === victim.pid);
    assert.ok(killed, 'the owner pid is one of the workers');
    killed.p.kill('SIGKILL');
    const codes = await Promise.all(workers.map((w) => w.exited));
    assert.deepEqual(codes.filter((c) => c !== null), [0, 0], workers.map((w) => w.out()).join('\n'));
    const store = await RunStore.open(url, { create: false });
    const runs = await store.runs();
    assert.deepEqual(runs.map((r) => r.status), ['done', 'done', 'done']);
    const perEpoch = await query<{ n: string; distinct: string }>(url, 'SELECT COUNT(*) AS n, COUNT(DISTINCT (run_id, epoch)) AS distinct FROM epochs');
    assert.deepEqual(perEpoch[0], { n: String(3 * epochs), distinct: String(3 * epochs) });
    await assertUninterrupted(store, Number(victim.id));
    await store.close();
  });

  test('SIGTERM: the worker checkpoints and hands its run back at once; another finishes it with the uninterrupted numbers', async () => {
    const url = await database();
    assert.equal(sbptt([...GRID, '--modes', 'C', '--epochs', '120', '--workers', '0', '--store', url]).status, 0);
    const first = startWorker(url);
    await waitFor('epochs stored', 60, async () => ((await query(url, 'SELECT 1 FROM epochs LIMIT 1')).length ? true : undefined));
    first.p.kill('SIGTERM');
    assert.equal(await first.exited, 0, first.out());
    assert.match(first.out(), /handing the runs back/);
    const store = await RunStore.open(url, { create: false });
    const [run] = await store.runs();
    assert.equal(run!.status, 'queued', 'handed back');
    assert.ok(run!.epochsDone > 0 && run!.epochsDone < 120, `stopped mid-run (${run!.epochsDone} epochs)`);
    const jobs = await query<{ state: string }>(url, "SELECT state FROM pgboss.job WHERE name = 'sbptt-runs' ORDER BY created_on");
    assert.deepEqual(jobs.map((j) => j.state), ['completed', 'created'], 'its job completed and a continuation queued, no waiting for an expiry');
    const second = startWorker(url);
    assert.equal(await second.exited, 0, second.out());
    assert.equal((await store.run(run!.id)).status, 'done');
    await assertUninterrupted(store, run!.id);
    await store.close();
  });

  test('enqueueing twice adds nothing; a diverged run is recorded once and not retried; failed runs are requeued', async () => {
    const url = await database();
    const args = [...GRID, '--modes', 'R,C', '--epochs', '3', '--workers', '0', '--store', url];
    assert.match(sbptt(args).stdout, /2 runs .*, 2 newly queued/);
    assert.match(sbptt(args).stdout, /2 runs .*, 0 newly queued/);
    // A run that diverges at once (a huge SGD step), in its own sweep.
    const badPlan = planSweep(
      cartpole,
      { epochs: 3, trainSize: 32, testSize: 8, optimizer: 'SGD', lr: 1e12, settings: { steps: 50, width: 32, zeroLastKernel: false } },
      parseAxes(cartpole, { complexity: '1', modes: 'R', clip: 'NONE' }),
      'bad',
    );
    const enqueueBad = async (): Promise<number> => {
      const s = await RunStore.open(url);
      const queue = await openQueue(s);
      const added = await queue.enqueue(await ensureSweep(s, badPlan));
      await queue.close();
      await s.close();
      return added;
    };
    assert.equal(await enqueueBad(), 1);
    // And one that fails (an error: no published dataset for 7 poles), outside any sweep but queued.
    const s0 = await RunStore.open(url);
    const broken = await s0.createRun({ ...badPlan.configs[0]!, optimizer: 'ADAM', lr: 1e-3, dataset: 'reference', settings: { ...badPlan.configs[0]!.settings, poles: 7 } }, 'broken');
    const q0 = await openQueue(s0);
    assert.equal(await q0.enqueue([broken]), 1);
    await q0.close();
    await s0.close();
    const w = startWorker(url, ['--concurrency', '2']);
    assert.equal(await w.exited, 4, `a run failed: exit code 4, as for sweep\n${w.out()}`);
    const store = await RunStore.open(url, { create: false });
    const runs = await store.runs();
    assert.equal(runs.length, 4, 'no duplicate runs');
    const failed = runs.find((r) => r.id === broken)!;
    assert.equal(failed.status, 'failed');
    assert.match(failed.reason!, /no published dataset/);
    const diverged = runs.find((r) => r.sweep === 'bad')!;
    assert.equal(diverged.status, 'diverged');
    assert.match(diverged.reason!, /non-finite/);
    const jobs = await query<{ key: string; state: string; retries: number }>(url, "SELECT singleton_key AS key, state, retry_count AS retries FROM pgboss.job WHERE name = 'sbptt-runs'");
    assert.equal(jobs.length, 4, 'one job per run: the diverged and the failed run were not retried');
    assert.ok(jobs.every((j) => j.state === 'completed' && j.retries === 0), JSON.stringify(jobs));
    assert.equal(await enqueueBad(), 0, 'the diverged run is not queued again');
    // The readers work on it as on a file: the dashboard's summaries, export.
    const summaries = await sweepSummaries(store);
    assert.deepEqual(summaries.map((x) => [x.sweep, x.counts.done, x.counts.diverged, x.epochsDone]), [['bad', 0, 1, 0], ['broken', 0, 0, 0], [runs[0]!.sweep!, 2, 0, 6]]);
    const csv = sbptt(['export', runs[0]!.sweep!, '--store', url]).stdout.trim().split('\n');
    assert.equal(csv.length, 1 + 6);
    assert.equal(Number(csv[3]!.split(',')[9]), (await store.records(runs[0]!.id))[2]!.testLoss); // test_loss, after run,problem,complexity,mode,clip,seed,epoch,loss,train_loss
    // A failed run (an error, not a divergence) is queued again by the same command.
    await store.finish(runs[0]!.id, 'failed', 'a disk was full', null);
    assert.match(sbptt(args).stdout, /1 newly queued/);
    assert.equal((await store.run(runs[0]!.id)).status, 'queued');
    await store.close();
  });

  test('unreachable server, wrong password, no password, missing database, old schema: one clear line, no password', async () => {
    const url = await database();
    assert.equal(sbptt([...GRID, '--modes', 'R', '--epochs', '1', '--workers', '0', '--store', url]).status, 0);
    const secret = 'S3cret-of-the-test';
    const wrong = cluster.url(`dist${dbs}`, secret);
    const closedPort = url.replace(`:${cluster.port}/`, ':1/').replace(PG_PASSWORD, secret);
    const opening = async (where: string, message: RegExp, env: NodeJS.ProcessEnv = {}): Promise<void> => {
      const saved = { ...process.env };
      Object.assign(process.env, env);
      try {
        await assert.rejects(RunStore.open(where, { create: false }), (e: Error) => {
          assert.match(e.message, message);
          assert.ok(!e.message.includes('\n') && !e.message.includes(secret) && !e.message.includes(PG_PASSWORD), e.message);
          return true;
        });
      } finally {
        process.env = saved;
      }
    };
    await opening(closedPort, /^cannot reach the PostgreSQL server of postgres:\/\/sbptt:\*\*\*@127\.0\.0\.1:1\/dist\d+ \(ECONNREFUSED\)/);
    await opening(wrong, /^PostgreSQL refused user "sbptt" at postgres:\/\/sbptt:\*\*\*@.*: wrong user or password/);
    await opening(cluster.url(`dist${dbs}`, null), /wants a password for user "sbptt"|refused user "sbptt"/, { PGPASSWORD: '', PGPASSFILE: '/nonexistent' });
    await opening(cluster.url('nosuchdb'), /^database "nosuchdb" does not exist .*create it first/);
    // On the command line: one line on stderr, exit code 2, no stack, no password.
    for (const cmd of ['runs', 'worker']) {
      const r = sbptt([cmd, '--store', wrong]);
      assert.equal(r.status, 2, r.stderr);
      assert.match(r.stderr, /^sbptt: error: PostgreSQL refused user "sbptt" at postgres:\/\/sbptt:\*\*\*@/);
      assert.equal(r.stderr.trim().split('\n').length, 1, r.stderr);
      assert.ok(!r.stderr.includes(secret), r.stderr);
    }
    // A store of an older schema (version 1, as the first releases wrote it): readers and workers
    // refuse with the way out; migrate upgrades it and keeps its runs.
    const v1 = await database();
    await query(v1, `CREATE TABLE sbptt_schema (version INTEGER NOT NULL); INSERT INTO sbptt_schema VALUES (1); ${MIGRATIONS[0]!('postgres')}`);
    await query(v1, "INSERT INTO runs (problem, config, seed, status, created_at, code_version) VALUES ('cartpole', $1, 0, 'queued', 'then', '0.0.1')", [JSON.stringify(resolveTrainConfig(cartpole))]);
    const old = sbptt(['worker', '--store', v1]);
    assert.equal(old.status, 2);
    assert.match(old.stderr, new RegExp(`has schema version 1, this sbptt needs ${SCHEMA_VERSION}: upgrade it once with \`sbptt migrate --store <it>\``));
    assert.ok(!old.stderr.includes(PG_PASSWORD));
    const migrated = sbptt(['migrate', '--store', v1]);
    assert.match(migrated.stdout, new RegExp(`^run store postgres://sbptt:\\*\\*\\*@.*: schema version ${SCHEMA_VERSION}$`, 'm'));
    assert.equal((await query<{ version: number }>(v1, 'SELECT version FROM sbptt_schema'))[0]!.version, SCHEMA_VERSION);
    const upgraded = await RunStore.open(v1, { create: false });
    assert.deepEqual((await upgraded.runs()).map((r) => [r.status, r.codeVersion, r.problemSource]), [['queued', '0.0.1', { kind: 'builtin', name: 'cartpole' }]]);
    await upgraded.close();
    await query(v1, 'UPDATE sbptt_schema SET version = 99');
    await opening(v1, new RegExp(`schema version 99, newer than this sbptt knows \\(${SCHEMA_VERSION}\\): update sbptt`));
  });
});
