/**
 * Property-based tests (fast-check) of the command line's parsers and the dashboard API's
 * parameters: random strings, numbers and flag combinations never give a stack trace, a hang, or
 * an exit code other than 2 for invalid input; the API never answers 500. Bounded in time: the
 * command line runs in this process (runCli), each case well under a second.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, writeFileSync } from 'node:fs';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { cliHere } from './helpers/cli.js';
import { cartpole, parseDecimal, parseSetting, quantum, repulsion } from '../src/physics/index.js';
import { RunStore } from '../src/runs/store.js';
import { resolveTrainConfig } from '../src/train/config.js';
import { createDashboardServer, listen } from '../src/web/server/server.js';

const DECIMAL = /^[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?$/;

/** Text that is no decimal number: random strings, and the spellings Number() would accept. */
const notDecimal = fc.oneof(
  fc.string({ maxLength: 20 }),
  fc.constantFrom('', ' ', '0x2', '0b11', '0o7', 'Infinity', '-Infinity', 'NaN', ' 3', '3 ', '1_0', '1e', '٣', '１'),
  fc.integer().map((n) => `0x${Math.abs(n).toString(16)}`),
).filter((s) => !DECIMAL.test(s) && !s.startsWith('-'));

/** Numbers no count or size accepts: fractions, zero or less, or far above every bound. */
const badCount = fc.oneof(
  fc.double({ min: 0.01, max: 1e6, noNaN: true }).filter((x) => !Number.isInteger(x)).map(String),
  fc.integer({ min: -1e9, max: 0 }).map(String),
  fc.integer({ min: 11, max: 300 }).map((e) => `1e${e}`),
);
/** … for counts that may be 0 (--seed, --workers, --port). */
const badCount0 = fc.oneof(
  fc.double({ min: 0.01, max: 1e6, noNaN: true }).filter((x) => !Number.isInteger(x)).map(String),
  fc.integer({ min: -1e9, max: -1 }).map(String),
  fc.integer({ min: 11, max: 300 }).map((e) => `1e${e}`),
);
/** … for positive real numbers (learning rate, durations). */
const badPositive = fc.oneof(fc.constant('0'), fc.double({ min: -1e300, max: -1e-300, noNaN: true }).map(String));
const badAngle = fc.constantFrom('1e5', '-1e5', '361', '-400.5');

const COUNT0 = new Set(['--seed', '--workers', '--port']);
const POSITIVE = new Set(['--lr', '--clip-value', '--duration', '--dt']);
/** A value `flag` refuses. */
const badFor = (flag: string): fc.Arbitrary<string> =>
  fc.oneof(notDecimal, flag === '--angle' ? badAngle : POSITIVE.has(flag) ? badPositive : COUNT0.has(flag) ? badCount0 : badCount);

const cli = cliHere;

// A store that cannot exist (its folder is a file): input wrongly accepted fails fast at the store
// with a message about it, instead of training here.
const scratch = mkdtempSync(join(tmpdir(), 'sbptt-prop-'));
writeFileSync(join(scratch, 'a-file'), '');
const store = join(scratch, 'a-file', 'never.sqlite');

/** Each command with the flags that take a number, and flags that are valid alongside. */
const COMMANDS: { cmd: string[]; numeric: string[]; valid: string[][] }[] = [
  {
    cmd: ['train', 'cartpole', '--store', store],
    numeric: ['--epochs', '--batch', '--train-size', '--test-size', '--seed', '--lr', '--clip-value', '--poles', '--steps', '--duration', '--width', '--depth'],
    valid: [['--mode', 'R'], ['--clip', 'NORM'], ['--epochs', '3'], ['--quiet'], ['--dataset', 'generated'], ['--optimizer', 'SGD']],
  },
  { cmd: ['train', 'quantum', '--store', store], numeric: ['--nx', '--steps', '--dt', '--target', '--width', '--epochs'], valid: [['--mode', 'C'], ['--quiet']] },
  { cmd: ['train', 'repulsion', '--store', store], numeric: ['--drivers', '--evaders', '--steps', '--duration', '--batch'], valid: [['--mode', 'M'], ['--clip', 'VALUE']] },
  { cmd: ['sweep', 'cartpole', '--store', store], numeric: ['--seeds', '--workers', '--lease', '--checkpoint-every', '--epochs', '--lr'], valid: [['--modes', 'R,C'], ['--clip', 'NONE']] },
  { cmd: ['check', 'cartpole'], numeric: ['--samples', '--seed', '--steps', '--poles'], valid: [['--width', '4']] },
  { cmd: ['toy'], numeric: ['--angle', '--lr', '--iterations'], valid: [['--json']] },
  { cmd: ['plot', 'x', '--store', store], numeric: ['--window'], valid: [] },
  { cmd: ['animate', '1', '--store', store], numeric: ['--samples', '--every'], valid: [] },
  { cmd: ['serve', '--store', store], numeric: ['--port'], valid: [] },
  { cmd: ['worker', '--store', store], numeric: ['--concurrency', '--poll', '--checkpoint-every'], valid: [] },
];

function assertUserError(r: { code: number; out: string; err: string }, args: string[]): void {
  const what = `sbptt ${args.map((a) => JSON.stringify(a)).join(' ')}`;
  assert.equal(r.code, 2, `${what}: exit ${r.code}\n${r.err}${r.out}`);
  assert.doesNotMatch(r.err, /\n\s+at /, `${what}: stack trace`);
  assert.match(r.err, /^(sbptt: )?error: /m, `${what}: ${r.err}`);
  assert.doesNotMatch(r.err, /run store/, `${what}: the input was accepted (it reached the store)`);
}

test('parseDecimal accepts exactly decimal notation, and agrees with Number() there', () => {
  fc.assert(
    fc.property(fc.string({ maxLength: 30 }), (s) => {
      const v = parseDecimal(s);
      if (DECIMAL.test(s)) assert.ok(Object.is(v, Number(s)), s);
      else assert.ok(Number.isNaN(v), JSON.stringify(s));
    }),
    { numRuns: 2000 },
  );
  fc.assert(fc.property(fc.double({ noNaN: true, noDefaultInfinity: true }), (x) => assert.ok(parseDecimal(String(x)) === x, String(x))), { numRuns: 500 });
});

test('settings and training options: any text either resolves within bounds or throws one line naming the flag', () => {
  const defs = [cartpole, repulsion, quantum];
  fc.assert(
    fc.property(fc.constantFrom(...defs), fc.nat(), fc.oneof(fc.string({ maxLength: 12 }), fc.double().map(String), badCount), (def, k, raw) => {
      const spec = def.settings[k % def.settings.length]!;
      try {
        const v = parseSetting(spec, raw);
        if (typeof v === 'number') assert.ok(Number.isFinite(v) && (spec.max === undefined || v <= spec.max) && (spec.min === undefined || v >= spec.min));
      } catch (e) {
        assert.match((e as Error).message, new RegExp(`^--${spec.flag}: got .*, expected [^\\n]+$`));
      }
    }),
    { numRuns: 1000 },
  );
  const keys = ['epochs', 'batch', 'trainSize', 'testSize', 'seed', 'lr', 'clipValue', 'mode', 'clip', 'optimizer', 'dataset', 'precision'] as const;
  fc.assert(
    fc.property(fc.dictionary(fc.constantFrom(...keys), fc.oneof(fc.string({ maxLength: 10 }), notDecimal, badCount), { maxKeys: 4 }), (o) => {
      try {
        const c = resolveTrainConfig(cartpole, { ...o, settings: { steps: 5, width: 4 } }, { availableBytes: 2 ** 30 });
        assert.ok(c.epochs <= 1_000_000 && c.trainSize % c.batch === 0);
      } catch (e) {
        assert.match((e as Error).message, /^--[a-z-]+:? [^\n]+$|^this run needs/);
      }
    }),
    { numRuns: 1000 },
  );
});

test('random invalid numbers and flag combinations: exit 2, one error line, no stack trace, no hang, no store created', async () => {
  await fc.assert(
    fc.asyncProperty(
      fc.constantFrom(...COMMANDS).chain((c) => fc.tuple(fc.constant(c), fc.constantFrom(...c.numeric).chain((flag) => fc.tuple(fc.constant(flag), badFor(flag))))),
      fc.subarray([0, 1, 2, 3, 4, 5]),
      async ([c, [flag, bad]], extra) => {
        const valid = extra.flatMap((i) => c.valid[i] ?? []);
        const args = [...c.cmd, ...valid, flag, bad];
        assertUserError(await cli(args), args);
      },
    ),
    { numRuns: 300 },
  );
  await fc.assert(
    // Unknown commands with options and arguments of every kind (but asking for help or the version is valid).
    fc.asyncProperty(fc.array(fc.string({ maxLength: 8 }).filter((w) => !/^-[^-]*[hV]/.test(w) && !/^--(help|version)(=|$)/.test(w)), { minLength: 1, maxLength: 4 }), async (words) => {
      const args = [`x${words[0]}`, ...words.slice(1)];
      const r = await cli(args);
      assertUserError(r, args);
    }),
    { numRuns: 100 },
  );
  assert.equal(existsSync(store), false);
});

test('random API paths and parameters never answer 500: 200, or a 4xx naming the problem', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'sbptt-prop-api-'));
  const runs = await RunStore.open(join(dir, 'runs.sqlite'));
  await runs.createRun(resolveTrainConfig(cartpole, { epochs: 2 }), 'grid');
  const server = createDashboardServer({ store: runs, bundleDir: dir, loopbackOnly: true });
  const url = new URL(await listen(server, '127.0.0.1', 0));
  const get = (path: string): Promise<{ status: number; body: string }> =>
    new Promise((resolve, reject) => {
      const req = request({ host: '127.0.0.1', port: url.port, path, headers: { Host: 'localhost' } }, (res) => {
        let body = '';
        res.on('data', (d: Buffer) => (body += d));
        res.on('end', () => resolve({ status: res.statusCode!, body }));
      });
      req.on('error', reject);
      req.end();
    });
  const segment = fc.oneof(fc.constantFrom('runs', 'sweeps', '1', '2', '0', 'grid', 'records', 'rollout', 'controller', 'figure', '..', '%00', '%2e%2e'), fc.string({ maxLength: 10 }));
  const param = fc.tuple(fc.constantFrom('status', 'problem', 'sweep', 'samples', 'window', 'ids', 'x'), fc.oneof(notDecimal, badCount, fc.string({ maxLength: 8 })));
  try {
    await fc.assert(
      fc.asyncProperty(fc.array(segment, { maxLength: 4 }), fc.array(param, { maxLength: 3 }), async (segments, params) => {
        const query = new URLSearchParams(params).toString();
        const path = `/api/${segments.map(encodeURIComponent).join('/')}${query ? `?${query}` : ''}`;
        const r = await get(path);
        assert.ok(r.status === 200 || (r.status >= 400 && r.status < 500), `${path}: ${r.status} ${r.body}`);
        if (r.status !== 200) assert.match((JSON.parse(r.body) as { error: string }).error, /\S/);
      }),
      { numRuns: 500 },
    );
  } finally {
    server.close();
    server.closeAllConnections();
    await runs.close();
  }
});
