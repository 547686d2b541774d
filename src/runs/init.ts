/**
 * `--init <controller.json | run id>`: finds the weights of a warm start — a saved controller
 * file, or a stored run (its final controller, or its latest checkpoint while it is unfinished) —
 * checks they fit the run's controller, and identifies them by a SHA-256 of their numbers, which
 * the run records (config.init) so a rerun can tell whether the source still holds the same weights.
 */
import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import type { ProblemDefinition, ProblemInstance } from '../physics/problem.js';
import { controllerFromJson } from '../train/controller-file.js';
import { namedArraysOf, warmStartParams } from '../train/warm-start.js';
import type { NamedArray } from '../nn/serialize.js';
import type { RunStore } from './store.js';

export interface WarmStart {
  params: Float64Array;
  record: { from: string; sha256: string };
}

/** SHA-256 (hex) of the weights' float64 bytes. */
export function weightsDigest(params: Float64Array): string {
  return createHash('sha256').update(new Uint8Array(params.buffer, params.byteOffset, params.byteLength)).digest('hex');
}

async function arraysFromRun(store: RunStore, id: number, def: ProblemDefinition): Promise<NamedArray[]> {
  let run;
  try {
    run = await store.run(id);
  } catch {
    throw new Error(`--init: no run ${id} in ${store.path}; give a stored run's id or a controller file (controller.json)`);
  }
  if (run.problem !== def.name) throw new Error(`--init: run ${id} is a run of "${run.problem}", not "${def.name}"`);
  const saved = await store.controller(id);
  if (saved) return saved.params;
  const checkpoint = await store.checkpoint(id);
  if (!checkpoint) throw new Error(`--init: run ${id} has no weights yet (no epoch finished); give a finished run or a controller file`);
  return namedArraysOf(def.create(run.config.settings), checkpoint.params);
}

function arraysFromFile(path: string, def: ProblemDefinition): NamedArray[] {
  if (!existsSync(path)) throw new Error(`--init: ${path} is neither a file nor a run id (a whole number)`);
  let json: unknown;
  try {
    json = JSON.parse(readFileSync(path, 'utf8'));
  } catch (e) {
    throw new Error(`--init: cannot read ${path}: ${(e as Error).message.split('\n')[0]}`);
  }
  try {
    return controllerFromJson(json, def).file.params;
  } catch (e) {
    throw new Error(`--init: ${path}: ${(e as Error).message}`);
  }
}

/** The warm start named by `ref` for a run of `problem` (a stored run's id needs `store`). */
export async function resolveWarmStart(ref: string, problem: ProblemInstance, store: RunStore | null): Promise<WarmStart> {
  const def = problem.definition;
  const text = ref.trim();
  const id = /^(?:run\s+)?(\d+)$/.exec(text)?.[1];
  if (id !== undefined && !store) throw new Error(`--init: run ${id} needs a run store`);
  const arrays = id !== undefined ? await arraysFromRun(store!, Number(id), def) : arraysFromFile(text, def);
  const params = warmStartParams(problem, arrays, id !== undefined ? `run ${id}` : text);
  return { params, record: { from: id !== undefined ? `run ${id}` : resolve(text), sha256: weightsDigest(params) } };
}

/**
 * The warm start a run recorded (config.init), found again at its source; an error when the source
 * now holds other weights than the run started from.
 */
export async function recordedWarmStart(init: { from: string; sha256: string }, problem: ProblemInstance, store: RunStore | null): Promise<WarmStart> {
  const found = await resolveWarmStart(init.from, problem, store);
  if (found.record.sha256 !== init.sha256) {
    throw new Error(`--init: ${init.from} now holds other weights (sha256 ${found.record.sha256.slice(0, 12)}…) than the run started from (${init.sha256.slice(0, 12)}…)`);
  }
  return found;
}
