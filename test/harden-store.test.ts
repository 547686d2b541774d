/** Stores fail loudly and precisely: empty paths, corrupt files, malformed rows, read-only folders. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync, type SpawnOptions } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, truncateSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { cartpole } from '../src/physics/index.js';
import { RunStore } from '../src/runs/store.js';
import { createDashboardServer, listen } from '../src/web/server/server.js';
import { resolveTrainConfig } from '../src/train/config.js';
import { runSbptt, type CliResult } from './helpers/cli.js';

interface Result {
  code: number;
  out: string;
  err: string;
}

const sbptt = (args: string[], opts: SpawnOptions = {}): Promise<CliResult> => runSbptt(args, opts);

const oneLine = (r: Result, what: string): void => {
  assert.equal(r.code, 2, `${what}: ${r.err}`);
  assert.match(r.err, /^sbptt: error: [^\n]+\n$/, what);
};
const escape = (s: string): string => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/** A store with two finished-looking runs (queued ones suffice for listings). */
async function twoRuns(path: string): Promise<void> {
  const store = await RunStore.open(path);
  await store.createRun(resolveTrainConfig(cartpole, { epochs: 3 }));
  await store.createRun(resolveTrainConfig(cartpole, { epochs: 4 }));
  await store.close();
}

test('empty store paths are errors, and read-only commands never create a store', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'sbptt-empty-'));
  const typo = join(dir, 'typo.sqlite');
  const results = await Promise.all([
    sbptt(['train', 'cartpole', '--epochs', '1', '--store', '']),
    sbptt(['runs', '--store', '']),
    sbptt(['train', 'cartpole', '--epochs', '1'], { env: { ...process.env, SBPTT_STORE: '' } }),
    sbptt(['runs'], { env: { ...process.env, SBPTT_STORE: '' } }),
    sbptt(['export', 'x', '--store', typo]),
    sbptt(['plot', 'x', '--store', typo]),
  ]);
  for (const r of results.slice(0, 2)) {
    oneLine(r, 'empty --store');
    assert.match(r.err, /--store: got "", expected a SQLite file or a postgres:\/\/ URL/);
  }
  for (const r of results.slice(2, 4)) {
    oneLine(r, 'empty $SBPTT_STORE');
    assert.match(r.err, /\$SBPTT_STORE is set but empty/);
  }
  for (const r of results.slice(4)) {
    oneLine(r, 'typo');
    assert.match(r.err, new RegExp(`no run store at ${escape(typo)}`));
  }
  assert.ok(!existsSync(typo));
});

test('a corrupt, truncated or unopenable store is one line naming the file and what to do', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'sbptt-corrupt-'));
  const garbage = join(dir, 'garbage.sqlite');
  writeFileSync(garbage, 'this is not a database, only text long enough to have a header. '.repeat(20));
  const truncated = join(dir, 'truncated.sqlite');
  await twoRuns(truncated);
  truncateSync(truncated, 1000);
  const folder = join(dir, 'folder.sqlite');
  mkdirSync(folder);
  const results = await Promise.all([
    sbptt(['runs', '--store', garbage]),
    sbptt(['train', 'cartpole', '--epochs', '1', '--out', join(dir, 'o'), '--store', garbage]),
    sbptt(['runs', '--store', truncated]),
    sbptt(['runs', '--store', folder]),
  ]);
  for (const [r, file] of [[results[0]!, garbage], [results[1]!, garbage], [results[2]!, truncated]] as const) {
    oneLine(r, file);
    assert.match(r.err, new RegExp(`the run store ${escape(file)} is not a readable SQLite database \\(.*\\): check --store / \\$SBPTT_STORE, or move the file aside`));
  }
  oneLine(results[3]!, 'folder');
  assert.match(results[3]!.err, new RegExp(`the run store ${escape(folder)} is a folder, expected a SQLite file`));
  assert.ok(!existsSync(join(dir, 'o', 'records.json')), 'nothing trained');
});

test('a malformed row is reported with its run id and skipped in listings, in the CLI and the API (no 500s)', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'sbptt-malformed-'));
  const path = join(dir, 'runs.sqlite');
  await twoRuns(path);
  const db = new Database(path);
  db.prepare("UPDATE runs SET config = '{oops' WHERE id = 1").run();
  db.close();
  const listed = await sbptt(['runs', '--store', path]);
  assert.equal(listed.code, 0, listed.err);
  assert.match(listed.err, new RegExp(`^sbptt: warning: run 1 in ${escape(path)} is malformed \\(its config is not valid JSON: .*\\); it is skipped in listings\\n$`));
  assert.match(listed.out, /^ +2 +cartpole/m);
  assert.doesNotMatch(listed.out, /^ +1 +cartpole/m);

  const store = await RunStore.open(path, { create: false });
  const server = createDashboardServer({ store, bundleDir: dir, loopbackOnly: true });
  const url = await listen(server, '127.0.0.1', 0);
  try {
    const list = await fetch(`${url}api/runs`);
    assert.equal(list.status, 200);
    assert.equal(list.headers.get('x-skipped-runs'), '1');
    assert.deepEqual(((await list.json()) as { id: number }[]).map((r) => r.id), [2]);
    const one = await fetch(`${url}api/runs/1`);
    assert.equal(one.status, 422);
    assert.match(((await one.json()) as { error: string }).error, /^run 1 in .* is malformed \(its config is not valid JSON/);
    assert.equal((await fetch(`${url}api/sweeps`)).status, 200);
  } finally {
    server.close();
    server.closeAllConnections();
    await store.close();
  }
});

/**
 * Root writes anywhere, so as root the commands run as an unprivileged user (65534): that user
 * must be able to read the repository (a checkout inside a private temporary folder is not).
 */
function readOnlySkip(): string | false {
  if (process.platform === 'win32') return 'no POSIX permissions';
  if (process.getuid?.() !== 0) return false;
  const probe = spawnSync(process.execPath, ['-e', `require('fs').accessSync(${JSON.stringify(join(process.cwd(), 'node_modules', 'tsx', 'package.json'))})`], { uid: 65534, gid: 65534 });
  return probe.status === 0 ? false : `running as root, and uid 65534 cannot read this checkout (${process.cwd()}) to act as the unprivileged user`;
}

test('a store in a read-only folder is listed and served read-only', { skip: readOnlySkip() }, async () => {
  const dir = mkdtempSync(join(tmpdir(), 'sbptt-ro-'));
  chmodSync(dir, 0o755);
  const path = join(dir, 'runs.sqlite');
  await twoRuns(path);
  chmodSync(path, 0o644);
  chmodSync(dir, 0o555);
  // root writes anywhere: run the commands as an unprivileged user then.
  const as: SpawnOptions = process.getuid?.() === 0 ? { uid: 65534, gid: 65534, env: { ...process.env, HOME: tmpdir() } } : {};
  const listed = await sbptt(['runs', '--store', path], as);
  assert.equal(listed.code, 0, listed.err);
  assert.match(listed.out, /^ +1 +cartpole/m);
  assert.match(listed.out, /^ +2 +cartpole/m);
  // The dashboard's server over it (in a process of that user; the page bundle is not needed for the API).
  const script = `
    import { RunStore } from ${JSON.stringify(join(process.cwd(), 'src/runs/store.ts'))};
    import { createDashboardServer, listen } from ${JSON.stringify(join(process.cwd(), 'src/web/server/server.ts'))};
    const store = await RunStore.open(${JSON.stringify(path)}, { create: false });
    const server = createDashboardServer({ store, bundleDir: ${JSON.stringify(dir)}, loopbackOnly: true });
    const url = await listen(server, '127.0.0.1', 0);
    const body = await (await fetch(url + 'api/runs')).text();
    process.stdout.write(JSON.stringify({ snapshotOnly: store.snapshotOnly, body }));
    server.close(); server.closeAllConnections(); await store.close();`;
  const served = await new Promise<Result>((resolve) => {
    const p = spawn(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], { ...as, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '', err = '';
    p.stdout!.on('data', (d: Buffer) => (out += d));
    p.stderr!.on('data', (d: Buffer) => (err += d));
    p.on('close', (code) => resolve({ code: code ?? -1, out, err }));
  });
  assert.equal(served.code, 0, served.err);
  const answer = JSON.parse(served.out) as { snapshotOnly: boolean; body: string };
  assert.equal(answer.snapshotOnly, true);
  assert.deepEqual((JSON.parse(answer.body) as { id: number }[]).map((r) => r.id), [1, 2]);
  chmodSync(dir, 0o755);
  assert.deepEqual(readFileSync(path).subarray(0, 15).toString(), 'SQLite format 3');
});
