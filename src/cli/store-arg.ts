/**
 * The run store of a command. Commands that only read (runs, export, plot, animate, serve)
 * never create one: a missing store is one line saying where it was looked for.
 */
import { existsSync } from 'node:fs';
import { defaultStorePath, RunStore } from '../runs/store.js';

export const STORE_FLAG = '--store <file>';
export const STORE_HELP = 'run store (default $SBPTT_STORE or ./sbptt.sqlite)';

/** The path of an existing store (from --store, $SBPTT_STORE or ./sbptt.sqlite), or an error. */
export function existingStorePath(flag: string | undefined): string {
  const path = defaultStorePath(flag);
  if (!existsSync(path)) {
    const where = flag !== undefined ? '--store' : process.env.SBPTT_STORE !== undefined ? '$SBPTT_STORE' : 'the default';
    throw new Error(`no run store at ${path} (${where}); \`sbptt train\`, \`sbptt sweep\` or \`sbptt demo\` create one, --store <file> names another`);
  }
  return path;
}

/** Opens an existing store for reading. */
export function openExistingStore(flag: string | undefined): RunStore {
  return RunStore.open(existingStorePath(flag));
}
