/** The command line run in this process (runCli), its output captured: fast enough for many cases. */
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
