/**
 * The run store of a command: a SQLite file or a postgres:// URL. Commands that only read (runs,
 * export, plot, animate, serve) never create one: a missing store is one line saying where it was
 * looked for.
 */
import { existsSync } from 'node:fs';
import { defaultStorePath, isPostgresUrl, RunStore, STORE_HELP } from '../runs/store.js';

export const STORE_FLAG = '--store <file|url>';
export { STORE_HELP };

/** The location of an existing store (from --store, $SBPTT_STORE or ./sbptt.sqlite), or an error. */
export function existingStorePath(flag: string | undefined): string {
  const path = defaultStorePath(flag);
  if (!isPostgresUrl(path) && !existsSync(path)) {
    const where = flag !== undefined ? '--store' : process.env.SBPTT_STORE !== undefined ? '$SBPTT_STORE' : 'the default';
    throw new Error(`no run store at ${path} (${where}); \`sbptt train\`, \`sbptt sweep\` or \`sbptt demo\` create one, --store <file|url> names another`);
  }
  return path;
}

/** Opens an existing store for reading (an older schema is an error that says how to migrate). */
export function openExistingStore(flag: string | undefined): Promise<RunStore> {
  return RunStore.open(existingStorePath(flag), { create: false });
}
