/** Starting a worker thread on one of this folder's scripts, from source (tsx) or from built code. */
import { Worker } from 'node:worker_threads';

/** The URL of the script `name` beside `from` (an import.meta.url), .ts from source and .js when built. */
export function siblingScript(name: string, from: string): URL {
  return new URL(`./${name}${from.endsWith('.ts') ? '.ts' : '.js'}`, from);
}

/**
 * A worker thread running `script` with `workerData`. Worker threads do not inherit a TypeScript
 * loader, so when running from source (tsx: tests, dev) the thread registers tsx itself before
 * importing the .ts entry; built code imports the .js.
 */
export function startThread(script: URL, workerData: unknown): Worker {
  const load = `import(${JSON.stringify(script.href)})`;
  // Resolved here, not in the thread: an eval'd worker resolves bare names from the working folder.
  const entry = script.pathname.endsWith('.ts') ? `import(${JSON.stringify(import.meta.resolve('tsx/esm/api'))}).then((m) => { m.register(); return ${load}; })` : load;
  return new Worker(entry, { eval: true, workerData });
}
