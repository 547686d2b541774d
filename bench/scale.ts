/**
 * `npm run bench:scale`: the same small sweep grid trained by 1 and by 2 workers, on SQLite
 * (`sbptt sweep --workers k`: threads of one process) and on PostgreSQL (`sbptt sweep --workers 0`,
 * then k `sbptt worker --exit-when-idle` processes). Reports runs per minute and the efficiency
 * (speed-up / workers), and what the store saw per epoch (PostgreSQL transactions, rows, bytes of
 * checkpoint). Starts a throw-away PostgreSQL cluster (needs Debian's postgresql) unless
 * --postgres <url of an empty database> is given. Writes bench/scale-results.json.
 *
 * Usage: node dist/bench/scale.js [--runs n] [--epochs n] [--postgres url]
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import { startCluster } from '../test/helpers/pg-cluster.js';

const args = process.argv.slice(2);
const flag = (name: string, fallback: string): string => (args.includes(name) ? args[args.indexOf(name) + 1]! : fallback);
const RUNS = Number(flag('--runs', '8'));
const EPOCHS = Number(flag('--epochs', '60'));
const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const cli = join(root, 'dist', 'src', 'cli', 'main.js');
// RUNS runs: modes R,M,C,S × seeds.
const grid = (name: string): string[] => [
  'sweep', 'cartpole', '--complexity', '1', '--clip', 'NONE', '--modes', 'R,M,C,S', '--seeds', String(Math.ceil(RUNS / 4)),
  '--epochs', String(EPOCHS), '--train-size', '64', '--test-size', '16', '--steps', '100', '--width', '32', '--name', name,
];

function sbptt(argv: string[]): Promise<void> {
  return new Promise((resolve, reject) => {
    const p = spawn(process.execPath, [cli, ...argv], { stdio: ['ignore', 'ignore', 'pipe'] });
    let err = '';
    p.stderr.on('data', (d: Buffer) => (err += d.toString()));
    p.on('exit', (code) => (code === 0 ? resolve() : reject(new Error(`sbptt ${argv.join(' ')}: exit ${code}\n${err}`))));
  });
}

interface Row {
  store: string;
  workers: number;
  runs: number;
  seconds: number;
  runsPerMinute: number;
  efficiency?: number;
}

async function pgStats(url: string): Promise<Record<string, number>> {
  const c = new pg.Client({ connectionString: url });
  await c.connect();
  const row = (
    await c.query(
      `SELECT xact_commit, tup_inserted, tup_updated, tup_deleted, tup_fetched,
        (SELECT COALESCE(SUM(length(snapshot)), 0) FROM checkpoints) AS checkpoint_bytes, (SELECT COUNT(*) FROM epochs) AS epochs
       FROM pg_stat_database WHERE datname = current_database()`,
    )
  ).rows[0] as Record<string, string>;
  await c.end();
  return Object.fromEntries(Object.entries(row).map(([k, v]) => [k, Number(v)]));
}

/**
 * Milliseconds of one checkpoint write (a run at epoch EPOCHS: one record more, the whole snapshot)
 * on SQLite and on PostgreSQL, and of one look at an empty pg-boss queue (what an idle worker does
 * every --poll seconds). Medians of 100, one process, no other load from this benchmark.
 */
async function writeLatency(url: string): Promise<Record<string, number>> {
  const { RunStore } = await import('../src/runs/store.js');
  const { newOwner } = await import('../src/runs/store-schema.js');
  const { openQueue } = await import('../src/runs/queue.js');
  const { resolveTrainConfig } = await import('../src/train/config.js');
  const { cartpole } = await import('../src/physics/index.js');
  const median = (xs: number[]): number => xs.sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
  const record = (epoch: number) => ({ epoch, loss: 1 / epoch, trainLoss: 1.1 / epoch, testLoss: 1.2 / epoch, physicsLoss: 0, physicsTrainLoss: 0, physicsTestLoss: 0, gradSize: 0.1, cosSim: 0.5, time: 0.01 });
  const out: Record<string, number> = {};
  for (const [name, where] of [['sqlite', join(mkdtempSync(join(tmpdir(), 'sbptt-lat-')), 'l.sqlite')], ['postgres', url]] as const) {
    const store = await RunStore.open(where);
    const id = await store.createRun(resolveTrainConfig(cartpole, { settings: { poles: 1, width: 32 } }));
    const owner = newOwner();
    await store.claimRun(id, owner, 600);
    const params = Array.from({ length: 1200 }, (_, k) => Math.sin(k));
    const times: number[] = [];
    for (let e = 1; e <= EPOCHS + 100; e++) {
      const snapshot = { epoch: e, params, optimizer: { name: 'ADAM' as const, lr: 1e-3, t: e, slots: { m: params, v: params } }, records: Array.from({ length: e }, (_, k) => record(k + 1)) };
      const t0 = performance.now();
      await store.saveProgress(id, snapshot, owner);
      if (e > EPOCHS) times.push(performance.now() - t0);
    }
    out[`checkpoint_${name}`] = median(times);
    if (name === 'postgres') {
      const queue = await openQueue(store);
      const polls: number[] = [];
      for (let k = 0; k < 100; k++) {
        const t0 = performance.now();
        await queue.next();
        polls.push(performance.now() - t0);
      }
      out.idle_poll_postgres = median(polls);
      await queue.close();
    }
    await store.close();
  }
  process.stdout.write(
    `checkpoint write at epoch ${EPOCHS}–${EPOCHS + 100} (1200 parameters + Adam state + records): SQLite ${out.checkpoint_sqlite!.toFixed(2)} ms, ` +
      `PostgreSQL ${out.checkpoint_postgres!.toFixed(2)} ms; one idle look at the pg-boss queue ${out.idle_poll_postgres!.toFixed(2)} ms (medians)\n`,
  );
  return out;
}

const rows: Row[] = [];
const row = (store: string, workers: number, seconds: number): void => {
  const r: Row = { store, workers, runs: RUNS, seconds, runsPerMinute: (RUNS / seconds) * 60 };
  const one = rows.find((x) => x.store === store && x.workers === 1);
  if (one) r.efficiency = r.runsPerMinute / (one.runsPerMinute * workers);
  rows.push(r);
  const eff = r.efficiency === undefined ? '' : `  efficiency ${(r.efficiency * 100).toFixed(0)}%`;
  process.stdout.write(`${store} ${workers} worker(s)  ${RUNS} runs × ${EPOCHS} epochs in ${seconds.toFixed(1)} s  ${r.runsPerMinute.toFixed(1)} runs/min${eff}\n`);
};

for (const k of [1, 2]) {
  const file = join(mkdtempSync(join(tmpdir(), 'sbptt-scale-')), 'runs.sqlite');
  const t0 = performance.now();
  await sbptt([...grid(`sqlite-${k}`), '--workers', String(k), '--store', file]);
  row('SQLite', k, (performance.now() - t0) / 1000);
}

const given = args.includes('--postgres') ? flag('--postgres', '') : null;
const cluster = given ? null : await startCluster();
if (!given && !cluster) {
  process.stdout.write('PostgreSQL: skipped (no PostgreSQL binaries; install Debian\'s postgresql or give --postgres <url>)\n');
} else {
  const perEpoch: Record<string, number>[] = [];
  for (const k of [1, 2]) {
    const url = given ?? (await cluster!.createDatabase(`scale${k}`));
    await sbptt([...grid(`pg-${k}`), '--workers', '0', '--store', url]);
    const before = await pgStats(url);
    const t0 = performance.now();
    await Promise.all(Array.from({ length: k }, () => sbptt(['worker', '--exit-when-idle', '--poll', '1', '--store', url])));
    row('PostgreSQL', k, (performance.now() - t0) / 1000);
    const after = await pgStats(url);
    const epochs = after.epochs! - before.epochs!;
    perEpoch.push(Object.fromEntries(Object.keys(after).filter((key) => key !== 'epochs').map((key) => [key, (after[key]! - (key === 'checkpoint_bytes' ? 0 : before[key]!)) / epochs])));
    if (given) break; // one database given: one measurement
  }
  if (!given) {
    // The same with a checkpoint every 10 epochs: what the per-epoch write costs.
    const url = await cluster!.createDatabase('scale-every10');
    await sbptt([...grid('pg-every10'), '--workers', '0', '--store', url]);
    const t0 = performance.now();
    await sbptt(['worker', '--exit-when-idle', '--poll', '1', '--checkpoint-every', '10', '--store', url]);
    row('PostgreSQL, checkpoint every 10 epochs', 1, (performance.now() - t0) / 1000);
  }
  const latency = await writeLatency(given ?? (await cluster!.createDatabase('latency')));
  cluster?.stop();
  const p = perEpoch[0]!;
  process.stdout.write(
    `PostgreSQL per trained epoch (1 worker, a checkpoint every epoch): ${p.xact_commit!.toFixed(2)} transactions, ` +
      `${p.tup_inserted!.toFixed(2)} rows inserted, ${p.tup_updated!.toFixed(2)} updated, ${p.tup_deleted!.toFixed(2)} deleted, ` +
      `final checkpoint of a run ${(p.checkpoint_bytes! * (EPOCHS / 1024)).toFixed(1)} KiB (rewritten at every checkpoint; it holds every record so far)\n`,
  );
  rows.push({ store: 'PostgreSQL per epoch', workers: 1, runs: RUNS, seconds: NaN, runsPerMinute: NaN, ...p } as Row);
  rows.push({ store: 'latency ms', workers: 1, runs: 0, seconds: NaN, runsPerMinute: NaN, ...latency } as Row);
}
const out = join(root, 'bench', 'scale-results.json');
writeFileSync(out, JSON.stringify(rows, null, 2) + '\n');
process.stdout.write(`wrote ${out}\n`);
