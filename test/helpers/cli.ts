/**
 * The `sbptt` command line as the tests run it: in this process (runCli, fast enough for many
 * cases), or from source in a child process.
 */
import { spawn, spawnSync, type SpawnOptions } from 'node:child_process';
import { runCli } from '../../src/cli/program.js';

export interface CliResult {
  code: number;
  out: string;
  err: string;
}

/** Resolves with the exit code and what was written; rejects if it takes longer than `timeoutMs` (a hang). */
export async function cliHere(args: readonly string[], timeoutMs = 5000): Promise<CliResult> {
  const write = { out: process.stdout.write, err: process.stderr.write };
  let out = '', err = '';
  process.stdout.write = ((chunk: string | Uint8Array) => ((out += String(chunk)), true)) as typeof process.stdout.write;
  process.stderr.write = ((chunk: string | Uint8Array) => ((err += String(chunk)), true)) as typeof process.stderr.write;
  const saved = process.exitCode;
  let timer: NodeJS.Timeout | undefined;
  try {
    const code = await Promise.race([
      runCli(['node', 'sbptt', ...args]),
      new Promise<number>((_, reject) => (timer = setTimeout(() => reject(new Error(`hang: sbptt ${args.join(' ')}`)), timeoutMs))),
    ]);
    return { code, out, err };
  } finally {
    clearTimeout(timer);
    process.stdout.write = write.out;
    process.stderr.write = write.err;
    process.exitCode = saved;
  }
}

const ARGS = ['--conditions=stable-bptt-source', '--import', 'tsx', 'src/cli/main.ts'];

/** Runs `sbptt <args>` and waits for it without blocking the test process (servers, kills). */
export function runSbptt(args: readonly string[], opts: SpawnOptions = {}): Promise<CliResult> {
  return new Promise((resolve) => {
    const p = spawn(process.execPath, [...ARGS, ...args], { ...opts, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '', err = '';
    p.stdout!.on('data', (d: Buffer) => (out += d));
    p.stderr!.on('data', (d: Buffer) => (err += d));
    p.on('close', (code) => resolve({ code: code ?? -1, out, err }));
  });
}

/** Runs `sbptt <args>` to its end. */
export function runSbpttSync(args: readonly string[]): CliResult {
  const r = spawnSync(process.execPath, [...ARGS, ...args], { encoding: 'utf8' });
  return { code: r.status ?? -1, out: r.stdout, err: r.stderr };
}
