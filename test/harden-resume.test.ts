/** Every `train` run is resumable: killed mid-run, it shows as interrupted and resumes to the uninterrupted numbers. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const CLI = ['--import', 'tsx', 'src/cli/main.ts'];
const sbptt = (...args: string[]): { code: number; out: string; err: string } => {
  const r = spawnSync(process.execPath, [...CLI, ...args], { encoding: 'utf8' });
  return { code: r.status ?? -1, out: r.stdout, err: r.stderr };
};

/** Starts `train` and kills it (SIGKILL) once it has reported epoch `at`. */
function trainKilledAt(args: string[], at: number): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [...CLI, ...args], { stdio: ['ignore', 'ignore', 'pipe'] });
    let err = '';
    child.stderr.on('data', (d: Buffer) => {
      err += d.toString();
      if (new RegExp(`epoch +${at}/`).test(err)) child.kill('SIGKILL');
    });
    child.on('exit', (_code, signal) => (signal === 'SIGKILL' ? resolve() : reject(new Error(`train ended before epoch ${at}: ${err}`))));
  });
}

/** The records without their wall times, as stored bits (JSON keeps every float64 exactly). */
const numbers = (dir: string): string => JSON.stringify((JSON.parse(readFileSync(join(dir, 'records.json'), 'utf8')).records as { time: number }[]).map((r) => ({ ...r, time: 0 })));

const FLAGS = ['cartpole', '--poles', '1', '--steps', '20', '--width', '8', '--epochs', '30', '--train-size', '16', '--test-size', '8'];

test('a killed train run is listed as interrupted, and the same command or `sbptt resume` continues it to the uninterrupted records, bit for bit', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'sbptt-resume-'));
  const store = join(dir, 'runs.sqlite');
  const ref = sbptt('train', ...FLAGS, '--quiet', '--out', join(dir, 'ref'), '--store', store);
  assert.equal(ref.code, 0, ref.err);

  await trainKilledAt(['train', ...FLAGS, '--out', join(dir, 'again'), '--store', store], 5);
  await trainKilledAt(['train', ...FLAGS, '--out', join(dir, 'resumed'), '--store', store], 5);
  const listed = sbptt('runs', '--status', 'interrupted', '--store', store);
  assert.equal(listed.code, 0, listed.err);
  assert.match(listed.out, /^ +2 .* interrupted .*$/m);
  assert.match(listed.out, /^ +3 .* interrupted .*$/m);
  assert.doesNotMatch(sbptt('runs', '--store', store).out, /\brunning\b/);

  const again = sbptt('train', ...FLAGS, '--quiet', '--out', join(dir, 'again'), '--store', store);
  assert.equal(again.code, 0, again.err);
  assert.match(again.err, /unfinished run 2 with this config: resuming it/);
  const resumed = sbptt('resume', '3', '--quiet', '--store', store);
  assert.equal(resumed.code, 0, resumed.err);
  assert.match(resumed.out, /done: run 3/);

  assert.equal(numbers(join(dir, 'again')), numbers(join(dir, 'ref')));
  assert.equal(numbers(join(dir, 'resumed')), numbers(join(dir, 'ref')));
  const runs = JSON.parse(sbptt('runs', '--json', '--store', store).out) as { id: number; status: string; epochsDone: number }[];
  assert.deepEqual(runs.map((r) => [r.id, r.status, r.epochsDone]), [[1, 'done', 30], [2, 'done', 30], [3, 'done', 30]]);
  // Finished: nothing to resume.
  const twice = sbptt('resume', '3', '--store', store);
  assert.equal(twice.code, 2);
  assert.match(twice.err, /^sbptt: error: run 3 in .* is done already: nothing to resume\n$/);
});
