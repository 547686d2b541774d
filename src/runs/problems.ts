/**
 * Where a problem comes from: a built-in name, or a user's module file (TypeScript or JavaScript,
 * default export = the problem made by defineProblem). A run records its problem's source — the
 * module's absolute path and a SHA-256 of its contents — so later commands find the problem again
 * and can tell when the file is gone or has changed since the run.
 */
import { createHash } from 'node:crypto';
import { existsSync, readFileSync, statSync } from 'node:fs';
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { BUILTIN_PROBLEMS, isProblemDefinition, type ProblemDefinition } from '../physics/index.js';

export type ProblemSource = { kind: 'builtin'; name: string } | { kind: 'module'; path: string; sha256: string };

export interface LoadedProblem {
  definition: ProblemDefinition;
  source: ProblemSource;
}

const MODULE_EXT = /\.(ts|mts|cts|js|mjs|cjs)$/;

/** A problem argument is a module path when it looks like a file, not a name. */
export function isModuleRef(ref: string): boolean {
  return ref.includes('/') || ref.includes('\\') || MODULE_EXT.test(ref);
}

export function builtinProblem(name: string): ProblemDefinition {
  const def = BUILTIN_PROBLEMS.find((p) => p.name === name);
  if (!def) {
    throw new Error(
      `unknown problem "${name}"; accepted: ${BUILTIN_PROBLEMS.map((p) => p.name).join(', ')}, or a module path such as ./my-problem.ts`,
    );
  }
  return def;
}

export function sha256File(path: string): string {
  return createHash('sha256').update(readFileSync(path)).digest('hex');
}

let tsxRegistered = false;

/** Imports a module file; TypeScript through tsx's loader, registered once for the process (shared module instances). */
async function importModule(abs: string): Promise<Record<string, unknown>> {
  const url = pathToFileURL(abs).href;
  try {
    return (await import(url)) as Record<string, unknown>;
  } catch (e) {
    const code = (e as { code?: string }).code;
    if (tsxRegistered || (code !== 'ERR_UNKNOWN_FILE_EXTENSION' && code !== 'ERR_UNSUPPORTED_ESM_URL_SCHEME')) throw e;
  }
  const { register } = await import('tsx/esm/api');
  register();
  tsxRegistered = true;
  return (await import(url)) as Record<string, unknown>;
}

/** Loads a problem module; every failure is one line naming the file. */
export async function loadProblemModule(ref: string): Promise<LoadedProblem> {
  const path = resolve(ref);
  if (!existsSync(path) || !statSync(path).isFile()) throw new Error(`problem module ${ref}: no such file (${path})`);
  if (!MODULE_EXT.test(path)) throw new Error(`problem module ${ref}: expected a .ts, .mts, .js or .mjs file`);
  const sha256 = sha256File(path);
  let mod: Record<string, unknown>;
  try {
    mod = await importModule(path);
  } catch (e) {
    const first = String((e as Error).message ?? e).split('\n')[0];
    throw new Error(`problem module ${ref} failed to load: ${first}`);
  }
  const def = mod.default;
  if (!isProblemDefinition(def)) {
    const got = def === undefined ? 'no default export' : `a default export that is not made by defineProblem (${typeof def})`;
    throw new Error(`problem module ${ref}: expected \`export default defineProblem({...})\`, found ${got}`);
  }
  return { definition: def, source: { kind: 'module', path, sha256 } };
}

/** A built-in problem by name, or a module by path. */
export async function loadProblem(ref: string): Promise<LoadedProblem> {
  if (isModuleRef(ref)) return loadProblemModule(ref);
  const definition = builtinProblem(ref);
  return { definition, source: { kind: 'builtin', name: definition.name } };
}

export interface RunProblemRef {
  id: number;
  problem: string;
  problemSource: ProblemSource;
}

/**
 * The problem a stored run was made with. A module that is gone is an error; one that changed
 * since the run is an error unless `allowChanged` (read-only views may still show it, with a warning).
 */
export async function problemOfRun(
  run: RunProblemRef,
  opts: { allowChanged?: boolean; warn?: (line: string) => void } = {},
): Promise<ProblemDefinition> {
  const src = run.problemSource;
  if (src.kind === 'builtin') return builtinProblem(run.problem);
  if (!existsSync(src.path)) {
    throw new Error(`run ${run.id}: its problem module ${src.path} is gone; restore the file (or check it out again) to use this run`);
  }
  const now = sha256File(src.path);
  if (now !== src.sha256) {
    const what = `run ${run.id}: its problem module ${src.path} has changed since the run (sha256 ${src.sha256.slice(0, 12)}… then, ${now.slice(0, 12)}… now)`;
    if (!opts.allowChanged) throw new Error(`${what}; restore that version, or start a new run or sweep with the changed problem`);
    opts.warn?.(`warning: ${what}; showing it with the current file`);
  }
  const { definition } = await loadProblemModule(src.path);
  if (definition.name !== run.problem) {
    throw new Error(`run ${run.id}: its problem module ${src.path} now defines "${definition.name}", the run was "${run.problem}"`);
  }
  return definition;
}

/**
 * The problem of each run (a module's loaded once per source); null where it cannot be loaded
 * (a module that is gone): listings still show the run, without what only the problem knows.
 */
export async function problemsOf(runs: readonly RunProblemRef[]): Promise<Map<number, ProblemDefinition | null>> {
  const bySource = new Map<string, Promise<ProblemDefinition | null>>();
  const out = new Map<number, ProblemDefinition | null>();
  for (const r of runs) {
    const key = JSON.stringify(r.problemSource) + r.problem;
    if (!bySource.has(key)) bySource.set(key, problemOfRun(r, { allowChanged: true }).catch(() => null));
    out.set(r.id, await bySource.get(key)!);
  }
  return out;
}
