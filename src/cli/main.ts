#!/usr/bin/env node
/** The `sbptt` command line (src/cli/program.ts). User mistakes print one clear line and exit 2, never a stack trace. */
import { runCli } from './program.js';

// `sbptt export 3 | head`: the reader left; stop quietly instead of printing an EPIPE stack trace.
process.stdout.on('error', (e: NodeJS.ErrnoException) => {
  if (e.code === 'EPIPE') process.exit(0);
  throw e;
});

process.exitCode = await runCli(process.argv);
