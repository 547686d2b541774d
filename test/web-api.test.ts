import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, symlinkSync, utimesSync, writeFileSync } from 'node:fs';
import { request, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { cartpole, quantum, repulsion } from '../src/physics/index.js';
import { executeRun } from '../src/runs/execute.js';
import { RunStore } from '../src/runs/store.js';
import { resolveTrainConfig, type TrainOverrides } from '../src/train/config.js';
import type { EpochRecord } from '../src/train/record.js';
import { generateDataset } from '../src/train/trainer.js';
import { bundleState } from '../src/web/build.js';
import { answerApi, problemInfo } from '../src/web/server/api.js';
import { checkQuery, checkSweepName, HttpError, parseProblem, parseRunId, parseSampleCount, parseStatus, parseTarget } from '../src/web/server/params.js';
import { createDashboardServer, listen } from '../src/web/server/server.js';
import type { InitialStates, RunListEntry, RunDetail, SweepCurves, SweepSummary } from '../src/web/api-types.js';

const tmp = (what: string): string => mkdtempSync(join(tmpdir(), `sbptt-web-${what}-`));
const TINY: TrainOverrides = { epochs: 3, trainSize: 16, testSize: 8, settings: { poles: 1, steps: 20, duration: 0.2, width: 8 } };

/** Throws an HttpError with this status whose message matches. */
function rejects(f: () => unknown, status: number, message: RegExp): void {
  assert.throws(f, (e: unknown) => e instanceof HttpError && e.status === status && message.test(e.message));
}

/** Rejects with an HttpError with this status whose message matches. */
async function rejectsAsync(f: () => Promise<unknown>, status: number, message: RegExp): Promise<void> {
  await assert.rejects(f, (e: unknown) => e instanceof HttpError && e.status === status && message.test(e.message));
}

function record(epoch: number, testLoss: number): EpochRecord {
  return { epoch, loss: testLoss, trainLoss: testLoss, testLoss, physicsLoss: 0, physicsTrainLoss: 0, physicsTestLoss: 0, gradSize: 1, cosSim: 0.5, time: 0.01 };
}

/** A store with sweep "s1" (two runs with records, one NaN, one queued), a trained run outside sweeps. */
async function makeStore(): Promise<{ path: string; trained: number; sweepRuns: number[] }> {
  const path = join(tmp('store'), 'runs.sqlite');
  const store = await RunStore.open(path);
  const sweepRuns: number[] = [];
  for (const [mode, losses] of [['R', [3, 2, NaN]], ['C', [3, 1, 0.5]]] as const) {
    const id = await store.createRun(resolveTrainConfig(cartpole, { mode, epochs: 5, settings: { poles: 2 } }), 's1');
    await store.saveProgress(id, { epoch: 3, params: [0], optimizer: { name: 'ADAM', lr: 1e-3, t: 1, slots: {} }, records: losses.map((l, i) => record(i + 1, l)) });
    await store.finish(id, mode === 'R' ? 'diverged' : 'done', mode === 'R' ? 'non-finite evaluation loss after epoch 3' : null, null);
    sweepRuns.push(id);
  }
  sweepRuns.push(await store.createRun(resolveTrainConfig(cartpole, { mode: 'S', epochs: 5, settings: { poles: 2 } }), 's1'));
  const trained = await store.createRun(resolveTrainConfig(cartpole, { ...TINY, mode: 'C' }));
  assert.equal((await executeRun(store, trained)).status, 'done');
  await store.close();
  return { path, trained, sweepRuns };
}

test('the request target: decoded segments; traversal, NUL, backslashes and bad encodings refused', async () => {
  assert.deepEqual(parseTarget('/').segments, []);
  assert.deepEqual(parseTarget('/api/runs/3/').segments, ['api', 'runs', '3']);
  assert.deepEqual(parseTarget('/api/sweeps/a%20b%2Fc').segments, ['api', 'sweeps', 'a b/c']);
  assert.equal(parseTarget('/api/runs?sweep=x&n=2').query.get('n'), '2');
  for (const t of ['/../package.json', '/%2e%2e/package.json', '/%2E%2E/x', '/..%2fpackage.json', '/..%5cpackage.json', '/a/%2e%2e%2f%2e%2e%2fetc', '/api/sweeps/..', '/./x']) {
    rejects(() => parseTarget(t), 400, /path traversal refused/);
  }
  rejects(() => parseTarget('/a%00b'), 400, /control characters/);
  rejects(() => parseTarget('/a\\..\\b'), 400, /backslashes/);
  rejects(() => parseTarget('/%E0%A4%A'), 400, /malformed percent-encoding/);
  rejects(() => parseTarget('//etc/passwd'), 400, /empty path segment/);
  rejects(() => parseTarget('http://evil.example/x'), 400, /must be a path/);
  rejects(() => parseTarget('/' + 'a'.repeat(3000)), 400, /longer than/);
});

test('API parameters: run ids, n, status, problem, sweep names and unknown or repeated query keys', async () => {
  assert.equal(parseRunId('1'), 1);
  assert.equal(parseRunId('4096'), 4096);
  for (const bad of ['0', '-1', '03', '3.0', '+3', '1e3', 'abc', '', ' 3', '9'.repeat(16)]) rejects(() => parseRunId(bad), 400, /run id must be a positive integer/);
  assert.equal(parseSampleCount(null, 256), 4);
  assert.equal(parseSampleCount(null, 2), 2);
  assert.equal(parseSampleCount('16', 256), 16);
  for (const bad of ['0', '17', '-2', '2.5', 'x', '']) rejects(() => parseSampleCount(bad, 256), 400, /n must be an integer from 1 to 16/);
  rejects(() => parseSampleCount('9', 8), 400, /from 1 to 8/);
  assert.equal(parseStatus('running'), 'running');
  rejects(() => parseStatus('sleeping'), 400, /status must be one of queued, running, done, diverged, failed/);
  assert.equal(parseProblem('quantum'), 'quantum');
  assert.equal(parseProblem('pendulum'), 'pendulum', 'problems from modules have their own names');
  for (const bad of ['Pendulum', '__proto__', '', 'a b', 'x'.repeat(41)]) rejects(() => parseProblem(bad), 400, /problem must be a problem name/);
  assert.equal(checkSweepName('cartpole-1a2b'), 'cartpole-1a2b');
  rejects(() => checkSweepName(''), 400, /sweep must be a name/);
  rejects(() => checkSweepName('x'.repeat(201)), 400, /sweep must be a name/);
  rejects(() => checkSweepName('a\u0007b'), 400, /sweep must be a name/);
  checkQuery(new URLSearchParams('n=3'), ['n']);
  rejects(() => checkQuery(new URLSearchParams('n=3&m=1'), ['n']), 400, /unknown query parameter "m"; accepted: n/);
  rejects(() => checkQuery(new URLSearchParams('n=3&n=4'), ['n']), 400, /given more than once/);
  rejects(() => checkQuery(new URLSearchParams('x=1'), []), 400, /this route takes none/);
});

test('API answers: sweeps with progress, runs, curves with NaN as null, controller, initial states; 404 and 400', async () => {
  const { path, trained, sweepRuns } = await makeStore();
  const store = await RunStore.open(path);
  const get = async (p: string): Promise<unknown> => {
    const { segments, query } = parseTarget(p);
    assert.equal(segments[0], 'api');
    return await answerApi(store, segments.slice(1), query);
  };
  try {
    const sweeps = await get('/api/sweeps') as SweepSummary[];
    assert.deepEqual(sweeps, [
      { sweep: 's1', problem: 'cartpole', runs: 3, counts: { queued: 1, running: 0, done: 1, diverged: 1, failed: 0 }, epochsDone: 6, epochsTotal: 11 },
    ]);
    assert.deepEqual(((await get('/api/sweeps/s1')) as { runs: { id: number }[] }).runs.map((r) => r.id), sweepRuns);
    const curves = (await get('/api/sweeps/s1/curves')) as SweepCurves;
    assert.deepEqual(curves.runs[0]!.curves, { epoch: [1, 2, 3], testLoss: [3, 2, null], gradSize: [1, 1, 1], time: [0.01, 0.01, 0.01] });
    assert.deepEqual(curves.runs[2]!.curves.epoch, []);
    assert.deepEqual(curves.problemInfo.complexity, { key: 'poles', values: [1, 2, 3, 4], labels: {} }, 'cart-pole has no labels of its own');
    const list = (await get('/api/runs')) as RunListEntry[];
    assert.deepEqual(list.map((r) => r.id), [...sweepRuns, trained]);
    assert.deepEqual(list.map((r) => r.complexity), ['poles 2', 'poles 2', 'poles 2', 'poles 1']);
    // The last stored test loss: none yet, NaN (diverged) as null, else the number.
    assert.deepEqual(list.slice(0, 3).map((r) => r.lastTestLoss), [null, 0.5, null]);
    assert.equal(list[3]!.lastTestLoss, (await store.records(trained)).at(-1)!.testLoss);
    assert.deepEqual(((await get('/api/runs?status=done&problem=cartpole')) as { id: number }[]).map((r) => r.id), [sweepRuns[1], trained]);
    assert.deepEqual(((await get('/api/runs?sweep=s1&status=queued')) as { id: number }[]).map((r) => r.id), [sweepRuns[2]]);
    const detail = (await get(`/api/runs/${trained}`)) as RunDetail;
    assert.equal(detail.complexity, 'poles 1');
    assert.equal(detail.hasController, true);
    assert.equal(detail.epochsDone, 3);
    assert.equal(((await get(`/api/runs/${sweepRuns[0]}`)) as RunDetail).hasController, false);
    assert.deepEqual(await get(`/api/runs/${trained}/records`), await store.records(trained));
    assert.deepEqual(await get(`/api/runs/${trained}/controller`), await store.controller(trained));
    const x0 = await get(`/api/runs/${trained}/initial-states?n=3`) as InitialStates;
    const config = (await store.run(trained)).config;
    const expected = generateDataset(cartpole.create(config.settings), config).test;
    assert.deepEqual(x0, { run: trained, n: 3, stateSize: 4, data: Array.from(expected.subarray(0, 12)) });
    assert.equal(((await get(`/api/runs/${trained}/initial-states`)) as InitialStates).n, 4);

    await rejectsAsync(() => get('/api/runs/999'), 404, /^run 999 not found$/);
    await rejectsAsync(() => get('/api/runs/999/records'), 404, /run 999 not found/);
    await rejectsAsync(() => get(`/api/runs/${sweepRuns[0]}/controller`), 404, /has no trained controller yet \(status diverged\)/);
    await rejectsAsync(() => get('/api/sweeps/nope'), 404, /sweep "nope" not found/);
    await rejectsAsync(() => get('/api/sweeps/nope/curves'), 404, /sweep "nope" not found/);
    await rejectsAsync(() => get('/api/runs?sweep=nope'), 404, /sweep "nope" not found/);
    for (const p of ['/api', '/api/', '/api/secrets', '/api/runs/1/params', '/api/sweeps/s1/figure', '/api/runs/1/records/2', '/api/runs/abc/nope']) {
      await rejectsAsync(() => get(p), 404, /no API route .*; routes: \/api\/sweeps/);
    }
    await rejectsAsync(() => get('/api/runs/abc'), 400, /run id must be a positive integer, got "abc"/);
    await rejectsAsync(() => get('/api/runs/0'), 400, /run id/);
    await rejectsAsync(() => get(`/api/runs/${trained}/initial-states?n=9`), 400, /n must be an integer from 1 to 8/);
    await rejectsAsync(() => get(`/api/runs/${trained}/initial-states?n=2&x=1`), 400, /unknown query parameter "x"/);
    await rejectsAsync(() => get(`/api/runs/${trained}?n=2`), 400, /this route takes none/);
    await rejectsAsync(() => get('/api/runs?status=sleeping'), 400, /status must be one of/);
    await rejectsAsync(() => get('/api/runs?problem=Pendulum!'), 400, /problem must be a problem name/);
    await rejectsAsync(() => get('/api/runs?limit=3'), 400, /unknown query parameter "limit"; accepted: sweep, status, problem/);
    await rejectsAsync(() => get('/api/sweeps?x=1'), 400, /this route takes none/);
  } finally {
    await store.close();
  }
});

interface Reply {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
}

/** A raw HTTP request: the target is sent exactly as written (a browser would normalise "..").  */
function raw(port: number, target: string, method = 'GET', host = `127.0.0.1:${port}`): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, path: target, method, headers: { host }, timeout: 5000 }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => (body += c));
      res.on('end', () => resolve({ status: res.statusCode!, headers: res.headers, body }));
    });
    req.on('timeout', () => req.destroy(new Error(`timeout: ${target}`)));
    req.on('error', reject);
    req.end();
  });
}

test('HTTP: GET/HEAD only, JSON errors for the API, the 404 page, files only from the bundle, Host checked', async () => {
  const { path, trained } = await makeStore();
  const dir = tmp('bundle');
  const bundle = join(dir, 'web');
  mkdirSync(join(bundle, 'sub'), { recursive: true });
  writeFileSync(join(bundle, 'index.html'), '<!doctype html><title>app</title>');
  writeFileSync(join(bundle, 'app.js'), 'console.log(1)');
  writeFileSync(join(bundle, 'sub', 'a.css'), 'body{}');
  writeFileSync(join(bundle, '.build-info.json'), '{"secret":1}');
  writeFileSync(join(bundle, 'notes.txt'), 'untyped');
  writeFileSync(join(dir, 'secret.js'), 'SECRET-OUTSIDE');
  symlinkSync(join(dir, 'secret.js'), join(bundle, 'link.js'));
  const store = await RunStore.open(path);
  const server: Server = createDashboardServer({ store, bundleDir: bundle, loopbackOnly: true });
  const url = await listen(server, '127.0.0.1', 0);
  const port = Number(new URL(url).port);
  try {
    assert.match(url, /^http:\/\/127\.0\.0\.1:\d+\/$/);
    const index = await raw(port, '/');
    assert.equal(index.status, 200);
    assert.match(String(index.headers['content-type']), /^text\/html/);
    assert.match(String(index.headers['content-security-policy']), /default-src 'self'/);
    assert.equal(index.headers['x-content-type-options'], 'nosniff');
    assert.equal((await raw(port, '/app.js')).headers['content-type'], 'text/javascript; charset=utf-8');
    assert.equal((await raw(port, '/sub/a.css')).status, 200);
    const head = await raw(port, '/app.js', 'HEAD');
    assert.equal(head.status, 200);
    assert.equal(head.body, '');
    assert.equal(head.headers['content-length'], '14');

    const api = await raw(port, '/api/sweeps');
    assert.equal(api.status, 200);
    assert.equal(api.headers['cache-control'], 'no-store');
    assert.equal((JSON.parse(api.body) as SweepSummary[])[0]!.sweep, 's1');
    assert.equal((JSON.parse((await raw(port, `/api/runs/${trained}`)).body) as RunDetail).id, trained);
    for (const [target, status, error] of [
      ['/api/runs/999', 404, /^run 999 not found$/],
      ['/api/nope', 404, /no API route/],
      ['/api/runs/x', 400, /run id must be a positive integer/],
      ['/api/sweeps/%2e%2e', 400, /path traversal refused/],
    ] as const) {
      const r = await raw(port, target);
      assert.equal(r.status, status, target);
      assert.match(String(r.headers['content-type']), /^application\/json/);
      assert.match((JSON.parse(r.body) as { error: string }).error, error);
    }
    for (const method of ['POST', 'PUT', 'DELETE', 'PATCH', 'OPTIONS']) {
      const r = await raw(port, '/api/sweeps', method);
      assert.equal(r.status, 405, method);
      assert.equal(r.headers.allow, 'GET, HEAD');
    }
    const missing = await raw(port, '/no/such/page');
    assert.equal(missing.status, 404);
    assert.match(missing.body, /<h1>404<\/h1>/);
    assert.match(String(missing.headers['content-type']), /^text\/html/);
    for (const target of ['/.build-info.json', '/notes.txt', '/link.js', '/sub', '/secret.js', '/index.html/x']) {
      const r = await raw(port, target);
      assert.equal(r.status, 404, target);
      assert.doesNotMatch(r.body, /SECRET-OUTSIDE|"secret"/, target);
    }
    for (const target of ['/../secret.js', '/%2e%2e/secret.js', '/%2e%2e%2fsecret.js', '/sub/..%2f..%2fsecret.js', '/..%5csecret.js', '/sub/%2E%2E/%2E%2E/secret.js', '//etc/passwd', '/secret.js%00.html']) {
      const r = await raw(port, target);
      assert.equal(r.status, 400, target);
      assert.doesNotMatch(r.body, /SECRET-OUTSIDE/, target);
    }
    const rebinding = await raw(port, '/api/sweeps', 'GET', 'evil.example:80');
    assert.equal(rebinding.status, 403);
    assert.equal((await raw(port, '/api/sweeps', 'GET', `localhost:${port}`)).status, 200);
  } finally {
    server.closeAllConnections();
    await new Promise((r) => server.close(r));
    await store.close();
  }
});

test('bundle freshness: missing files or a source newer than the build make it stale', async () => {
  const dir = tmp('fresh');
  assert.equal(bundleState(dir).fresh, false);
  const src = join(dir, 'input.ts');
  writeFileSync(src, 'x');
  for (const f of ['app.js', 'index.html', 'style.css']) writeFileSync(join(dir, f), '');
  const builtAt = Date.now();
  utimesSync(src, new Date(builtAt - 10_000), new Date(builtAt - 10_000));
  writeFileSync(join(dir, '.build-info.json'), JSON.stringify({ builtAt, inputs: [src] }));
  assert.deepEqual(bundleState(dir), { fresh: true, reason: 'up to date' });
  utimesSync(src, new Date(builtAt + 5_000), new Date(builtAt + 5_000));
  assert.deepEqual(bundleState(dir), { fresh: false, reason: `${src} changed` });
  writeFileSync(join(dir, '.build-info.json'), JSON.stringify({ builtAt, inputs: [join(dir, 'gone.ts')] }));
  assert.match(bundleState(dir).reason, /gone\.ts is gone/);
});

test('CLI: serve validates its flags in one line (exit 2); it builds the missing bundle and serves on 127.0.0.1', { timeout: 40_000 }, async () => {
  const { path } = await makeStore();
  const sbptt = (...args: string[]) => spawnSync(process.execPath, ['--import', 'tsx', 'src/cli/main.ts', 'serve', ...args], { encoding: 'utf8', timeout: 20_000 });
  for (const [args, message] of [
    [['--port', '70000', '--store', path], /^sbptt: error: --port: got "70000", expected an integer from 0 to 65535/],
    [['--port', 'http', '--store', path], /--port: got "http"/],
    [['--host', 'a b', '--store', path], /--host: got "a b"/],
    [['--store', join(tmp('none'), 'missing.sqlite')], /no run store at .*missing\.sqlite/],
  ] as [string[], RegExp][]) {
    const r = sbptt(...args);
    assert.equal(r.status, 2, args.join(' '));
    assert.equal(r.stderr.trim().split('\n').length, 1, r.stderr);
    assert.match(r.stderr, message);
  }
  const bundle = join(tmp('serve'), 'web');
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/cli/main.ts', 'serve', '--store', path, '--port', '0', '--bundle', bundle], { stdio: ['ignore', 'pipe', 'pipe'] });
  try {
    const url = await new Promise<string>((resolve, reject) => {
      let out = '', err = '';
      const timer = setTimeout(() => reject(new Error(`no URL within 30 s; stdout ${out}; stderr ${err}`)), 30_000);
      child.stderr.on('data', (c: Buffer) => (err += c));
      child.stdout.on('data', (c: Buffer) => {
        out += c;
        const m = /dashboard: (http:\/\/127\.0\.0\.1:\d+\/)/.exec(out);
        if (m) clearTimeout(timer), resolve(m[1]!);
      });
      child.on('exit', (code) => reject(new Error(`serve exited with ${code}: ${err}`)));
    });
    const port = Number(new URL(url).port);
    const page = await raw(port, '/');
    assert.equal(page.status, 200);
    assert.match(page.body, /<script type="module" src="\/app\.js"><\/script>/);
    const app = await raw(port, '/app.js');
    assert.equal(app.status, 200);
    assert.ok(app.body.length > 100_000, `bundle of ${app.body.length} bytes`);
    assert.equal(bundleState(bundle).fresh, true);
    assert.equal((JSON.parse((await raw(port, '/api/sweeps')).body) as SweepSummary[]).length, 1);
  } finally {
    child.kill('SIGTERM');
  }
});

test('problem descriptions for the page: a problem\'s own complexity labels travel, built-ins are marked', () => {
  const q = problemInfo(quantum, []);
  assert.deepEqual(q.complexity?.labels, { '3': 'target 3 (paper: 2)', '4': 'target 4 (paper: 3)', '5': 'target 5 (paper: 4)' });
  assert.deepEqual([q.builtin, q.hasScene, q.updateSizePanel, q.reportsPhysicsLoss], [true, true, true, false]);
  const r = problemInfo(repulsion, []);
  assert.deepEqual([r.complexity?.key, r.complexity?.labels, r.reportsPhysicsLoss, r.updateSizePanel], ['rc', {}, true, false]);
});
