/**
 * Sweeps: the published grid (complexity × clipping × gradient mode, docs/records.md) or a
 * subset of it, as runs in the store. The sweep's name is derived from its grid, so running the
 * same command again finds the same runs: finished ones are not redone, interrupted ones resume
 * from their checkpoints. Several sweep processes (or `sbptt worker`s) may work on one sweep:
 * each run is claimed by one of them (queue.ts).
 */
import { createHash } from 'node:crypto';
import { parseFieldChoice, type FieldChoice, type Mode } from '../bptt/modes.js';
import { parseClipMode, type ClipMode } from '../optim/clip.js';
import { parseSetting, type ProblemDefinition, type SettingValue } from '../physics/index.js';
import { parsePositiveInt, resolveTrainConfig, type ResolveOptions, type TrainConfig, type TrainOverrides } from '../train/config.js';
import type { ProblemSource } from './problems.js';
import type { RunStore } from './store.js';
import { warmStartSnapshot } from '../train/warm-start.js';

export const PAPER_MODES: readonly Mode[] = ['full', 'physics', 'combined', 'stop'];
export const PAPER_CLIPS: readonly ClipMode[] = ['VALUE', 'NORM', 'NONE'];

export interface SweepAxes {
  /** Values of the problem's complexity setting; [null] when it declares none. */
  complexity: readonly (SettingValue | null)[];
  clips: readonly ClipMode[];
  /** Gradient modes, each possibly truncated ("R/10" in lists: R truncated to 10 steps). */
  modes: readonly FieldChoice[];
  /** Seeds 0 … seeds−1 (repeats). */
  seeds: number;
}

export interface SweepPlan {
  name: string;
  problem: string;
  axes: SweepAxes;
  configs: TrainConfig[];
}

const list = (text: string): string[] => text.split(',').map((s) => s.trim()).filter((s) => s !== '');

/** Parses the subset flags (comma lists) against the problem; defaults are the published grid. */
export function parseAxes(
  def: ProblemDefinition,
  o: { complexity?: string; clip?: string; modes?: string; seeds?: string | number },
): SweepAxes {
  const axis = def.complexity;
  if (!axis && o.complexity !== undefined) throw new Error(`--complexity: problem ${def.name} declares no complexity setting to vary`);
  const spec = axis ? def.settings.find((s) => s.key === axis.key)! : null;
  const complexity = !axis || !spec ? [null] : o.complexity === undefined ? axis.values : list(o.complexity).map((v) => parseSetting(spec, v));
  const clips = o.clip === undefined ? PAPER_CLIPS : list(o.clip).map((c) => wrap('clip', () => parseClipMode(c)));
  const modes = o.modes === undefined ? PAPER_MODES.map((mode) => ({ mode, truncate: null })) : list(o.modes).map((m) => wrap('modes', () => parseFieldChoice(m)));
  const seeds = o.seeds === undefined ? 1 : parsePositiveInt('seeds', o.seeds, MAX_SEEDS);
  for (const [flag, values] of [['complexity', complexity], ['clip', clips], ['modes', modes]] as const) {
    if (values.length === 0) throw new Error(`--${flag}: the list is empty`);
  }
  const distinctModes = [...new Map(modes.map((m) => [`${m.mode}/${m.truncate ?? ''}`, m])).values()];
  return { complexity: [...new Set(complexity)], clips: [...new Set(clips)], modes: distinctModes, seeds };
}

/** Most repeats of a sweep's runs. */
export const MAX_SEEDS = 10_000;

/** Sweep names: what the store, the dashboard's URLs and file names all accept. */
const SWEEP_NAME = /^[A-Za-z0-9][A-Za-z0-9._-]{0,99}$/;

export function parseSweepName(text: string): string {
  if (!SWEEP_NAME.test(text)) {
    throw new Error(`--name: got ${JSON.stringify(text.length > 40 ? text.slice(0, 40) + '…' : text)}, expected 1 to 100 letters, digits, dots, dashes or underscores, starting with a letter or digit`);
  }
  return text;
}

function wrap<T>(flag: string, f: () => T): T {
  try {
    return f();
  } catch (e) {
    throw new Error(`--${flag}: ${(e as Error).message}`);
  }
}

/** A window longer than a run's Nt is named as the sweep list's entry. */
function wrapTruncate<T>(f: () => T): T {
  try {
    return f();
  } catch (e) {
    const m = (e as Error).message;
    throw new Error(m.startsWith('--truncate') ? `--modes: ${m.replace(/^--truncate: /, 'truncation window: ')}` : m);
  }
}

/** Every run of the grid, in the order they are executed (complexity, clip, mode, seed). */
export function planSweep(def: ProblemDefinition, base: TrainOverrides, axes: SweepAxes, name?: string, opts: ResolveOptions = {}): SweepPlan {
  if (name !== undefined) parseSweepName(name);
  const configs: TrainConfig[] = [];
  for (const value of axes.complexity)
    for (const clip of axes.clips)
      for (const { mode, truncate } of axes.modes)
        for (let seed = 0; seed < axes.seeds; seed++) {
          const settings = value === null || !def.complexity ? { ...base.settings } : { ...base.settings, [def.complexity.key]: value };
          // Memory depends on the settings, not the seed: checked once per setting.
          const check = seed === 0 && clip === axes.clips[0] && mode === axes.modes[0]!.mode && truncate === axes.modes[0]!.truncate ? opts : {};
          configs.push(wrapTruncate(() => resolveTrainConfig(def, { ...base, settings, clip, mode, seed, schedule: null, truncate }, check)));
        }
  const digest = createHash('sha256').update(JSON.stringify(configs)).digest('hex').slice(0, 8);
  return { name: name ?? `${def.name}-${digest}`, problem: def.name, axes, configs };
}

/**
 * The run ids of the sweep's configs, creating (queued) those the store does not have yet.
 * Failed runs (an error, not a divergence) are queued again: they resume from their checkpoint.
 */
export async function ensureSweep(
  store: RunStore,
  plan: SweepPlan,
  source: ProblemSource = { kind: 'builtin', name: plan.problem },
  initial: Float64Array | null = null,
): Promise<number[]> {
  // Two sweep commands started at once must not both create the grid.
  return store.serialized(`sweep:${plan.name}`, () => createMissing(store, plan, source, initial));
}

/** Creates the runs the store lacks; warm-started ones (config.init) get `initial` as their epoch-0 checkpoint. */
async function createMissing(store: RunStore, plan: SweepPlan, source: ProblemSource, initial: Float64Array | null): Promise<number[]> {
  const runs = await store.runs({ sweep: plan.name });
  for (const r of runs) {
    const was = r.problemSource;
    if (was.kind !== source.kind || (was.kind === 'module' && source.kind === 'module' && (was.path !== source.path || was.sha256 !== source.sha256))) {
      const then = was.kind === 'module' ? `${was.path} (sha256 ${was.sha256.slice(0, 12)}…)` : `the built-in ${r.problem}`;
      const now = source.kind === 'module' ? `${source.path} (sha256 ${source.sha256.slice(0, 12)}…)` : `the built-in ${plan.problem}`;
      throw new Error(`sweep ${plan.name} was made with ${then}, not ${now}: the problem has changed since; give --name to start a new sweep`);
    }
  }
  const existing = new Map(runs.map((r) => [JSON.stringify(r.config), r]));
  const ids: number[] = [];
  for (const c of plan.configs) {
    const run = existing.get(JSON.stringify(c));
    if (!run) {
      if (c.init && !initial) throw new Error(`sweep ${plan.name}: its runs start from ${c.init.from}; give --init ${c.init.from} to create them`);
      const id = await store.createRun(c, plan.name, source);
      if (c.init) await store.saveProgress(id, warmStartSnapshot(c, initial!));
      ids.push(id);
    } else {
      if (run.status === 'failed') await store.requeue(run.id);
      ids.push(run.id);
    }
  }
  return ids;
}
