/**
 * The run store of a command: a SQLite file or a postgres:// URL. Commands that only read (runs,
 * export, plot, animate, serve) and workers never create one: a missing store is one line saying
 * where it was looked for.
 */
import { existsSync } from 'node:fs';
import { defaultStorePath, isPostgresUrl, RunStore } from '../runs/store.js';

export const STORE_FLAG = '--store <file|url>';
export const STORE_HELP = 'run store: a SQLite file or a postgres:// URL (default $SBPTT_STORE or ./sbptt.sqlite)';

/** The location of an existing store (from --store, $SBPTT_STORE or ./sbptt.sqlite), or an error; URLs are checked on opening. */
export function existingStorePath(flag: string | undefined): string {
  const path = defaultStorePath(flag);
  if (!isPostgresUrl(path) && !existsSync(path)) {
    const where = flag !== undefined ? '--store' : process.env.SBPTT_STORE !== undefined ? '$SBPTT_STORE' : 'the default';
    throw new Error(`no run store at ${path} (${where}); \`sbptt train\`, \`sbptt sweep\` or \`sbptt demo\` create one, --store <file> names another`);
  }
  return path;
}

/** Opens an existing store for reading. */
export function openExistingStore(flag: string | undefined): Promise<RunStore> {
  return RunStore.open(existingStorePath(flag), { create: false });
}
