/**
 * A newcomer's path, run as written in an empty folder with the default store: the demo and
 * every `Next:` command it prints, then the README's command-line block in order (commands that
 * train get `--epochs 1`, `serve` gets `--port 0` and is stopped once it answers).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

const TSX = import.meta.resolve('tsx');
const MAIN = resolve('src/cli/main.ts');
const ENV = { ...process.env };
delete ENV.SBPTT_STORE;

interface Result {
  code: number;
  out: string;
  err: string;
}

function sbptt(cwd: string, args: readonly string[]): Result {
  const r = spawnSync(process.execPath, ['--import', TSX, MAIN, ...args], { cwd, encoding: 'utf8', env: ENV, timeout: 240_000 });
  return { code: r.status ?? -1, out: r.stdout, err: r.stderr };
}

/** `sbptt serve …` until it prints its address and answers; then stopped. */
async function serveOnce(cwd: string, args: readonly string[]): Promise<string> {
  const child = spawn(process.execPath, ['--import', TSX, MAIN, ...args], { cwd, env: ENV });
  try {
    let out = '', err = '';
    child.stderr.on('data', (c: Buffer) => (err += c));
    const url = await new Promise<string>((ok, fail) => {
      child.stdout.on('data', (c: Buffer) => {
        out += c;
        const m = /dashboard: (http:\/\/\S+)/.exec(out);
        if (m) ok(m[1]!);
      });
      child.on('exit', (code) => fail(new Error(`serve exited (${code}): ${err}`)));
      setTimeout(() => fail(new Error(`serve did not start: ${out} ${err}`)), 120_000);
    });
    const res = await fetch(new URL('/api/runs', url));
    assert.equal(res.status, 200);
    return (await res.json() as unknown[]).length.toString();
  } finally {
    child.kill('SIGTERM');
  }
}

/** Shell words (no quotes appear in these commands). */
const words = (line: string): string[] => line.trim().split(/\s+/);

test('the demo states its duration, uses the default store, and every Next: command works as printed', { timeout: 600_000 }, async () => {
  const dir = mkdtempSync(join(tmpdir(), 'sbptt-newcomer-'));
  try {
    const demo = sbptt(dir, ['demo', '--epochs', '2']);
    assert.equal(demo.code, 0, demo.err);
    assert.match(demo.out.split('\n')[0]!, /^stable-bptt demo: expected duration about \d/);
    assert.ok(existsSync(join(dir, 'sbptt.sqlite')), 'the runs are in ./sbptt.sqlite');
    assert.match(demo.out, /The table averages the last 30 epochs/);
    assert.match(demo.out, /R in blue and C in green/);
    const next = demo.out.split('\nNext:\n')[1]!.split('\n').filter((l) => l.startsWith('  npx sbptt '));
    assert.ok(next.length >= 4, demo.out);
    for (const line of next) {
      const args = words(line.split(/\s{3,}/)[0]!).slice(2);
      if (args[0] === 'serve') {
        assert.equal(await serveOnce(dir, [...args, '--port', '0']), '2');
        continue;
      }
      const r = sbptt(dir, args);
      assert.equal(r.code, 0, `${line}\n${r.err}`);
      assert.ok(r.out.length > 0, line);
    }
    for (const f of ['figures/toy.png', 'figures/demo-cartpole4-2.png', 'figures/demo-cartpole4-2.md']) assert.ok(existsSync(join(dir, f)), f);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test("the README's commands run as written in an empty folder", { timeout: 600_000 }, async () => {
  const readme = readFileSync('README.md', 'utf8');
  const block = /## Command line[\s\S]*?```sh\n([\s\S]*?)```/.exec(readme)![1]!;
  const commands = block
    .replace(/\\\n\s*/g, ' ')
    .split('\n')
    .map((l) => l.replace(/\s#.*$/, '').trim())
    .filter((l) => l.startsWith('npx sbptt '));
  assert.ok(commands.length >= 13, commands.join('\n'));
  const dir = mkdtempSync(join(tmpdir(), 'sbptt-readme-cli-'));
  try {
    for (const line of commands) {
      let args = words(line).slice(2);
      if (args[0] === 'demo') continue; // the test above runs it, and every command it prints
      if (args[0] === 'serve') {
        await serveOnce(dir, [...args, '--port', '0']);
        continue;
      }
      const trains = (args[0] === 'train' && !args.includes('--help') && !args.includes('--config')) || args[0] === 'sweep';
      if (trains) args = [...args, '--epochs', '1'];
      const r = sbptt(dir, args);
      assert.equal(r.code, 0, `${line}\n${r.err}`);
      if (args[0] === 'export') assert.match(r.out, /^run,problem,complexity,mode,clip,seed,epoch,/);
      if (args[0] === 'animate') assert.ok(existsSync(join(dir, 'figures/run-3.gif')));
    }
    // The rerun from config.json gave the same numbers (all but the time column).
    const noTime = (f: string): string => readFileSync(join(dir, f), 'utf8').replace(/,[^,\n]*$/gm, '');
    assert.equal(noTime('runs/r2-again/records.csv'), noTime('runs/r2/records.csv'));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
