/**
 * The paper's study as sweeps in the store (docs/reproduction.md): for each problem the published
 * grid, complexity × clipping {VALUE, NORM, NONE} × mode {R, M, C, S}, with the paper's
 * hyperparameters (each problem's training defaults) and the published reference datasets, run in
 * two sweeps so that the part every conclusion rests on finishes first:
 *
 *   core — the highest complexity, NORM clipping, every mode, `seeds` seeds;
 *   rest — the highest complexity with VALUE and NONE (`seeds` seeds), every other complexity
 *          with all three clipping modes (one seed, as the paper).
 *
 * `quick` keeps the core with one seed and fewer epochs (QUICK_EPOCHS): a check of the whole
 * pipeline in about 15 minutes on two cores, not a reproduction.
 */
import { createHash } from 'node:crypto';
import type { Mode } from '../../bptt/modes.js';
import type { Precision } from '../../kernels/module.js';
import type { ClipMode } from '../../optim/clip.js';
import { cartpole, quantum, repulsion, type ProblemDefinition, type SettingValue } from '../../physics/index.js';
import { resolveTrainConfig, type ResolveOptions, type TrainConfig, type TrainOverrides } from '../../train/config.js';
import { PAPER_CLIPS, PAPER_MODES, type SweepPlan } from '../sweep.js';

/** The problems of the paper's study, in its order. */
export const STUDY_PROBLEMS: readonly ProblemDefinition[] = [cartpole, repulsion, quantum];

/** Epochs of `--quick` per problem: measured 22, 10 and 31 minutes of update time (4 runs each, f32) on a busy two-core machine. */
export const QUICK_EPOCHS: Readonly<Record<string, number>> = { cartpole: 300, repulsion: 200, quantum: 100 };

/** Seeds at the highest complexity (the paper ran one; its claims are about that panel). */
export const STUDY_SEEDS = 3;

export interface StudyOptions {
  quick?: boolean;
  /** Seeds at the highest complexity (default STUDY_SEEDS; quick: 1). */
  seeds?: number;
  /** Default f32: the published code computes in float32, and it halves the study's time. */
  precision?: Precision;
  /** Test-only: smaller sizes (epochs, data, settings such as steps) on top of the paper's. */
  sizes?: TrainOverrides;
  /** Memory one run may use: a larger need is refused before anything is stored (resolveTrainConfig). */
  availableBytes?: number;
}

/** The study of one problem: its two sweeps (quick: the core only). */
export interface StudyPlan {
  problem: ProblemDefinition;
  quick: boolean;
  seeds: number;
  precision: Precision;
  core: SweepPlan;
  rest: SweepPlan | null;
}

/** The problem's highest complexity value (its last), or null when it declares no axis. */
export function highestComplexity(def: ProblemDefinition): SettingValue | null {
  return def.complexity ? def.complexity.values[def.complexity.values.length - 1]! : null;
}

function configsOf(def: ProblemDefinition, base: TrainOverrides, complexity: SettingValue | null, clips: readonly ClipMode[], seeds: number, resolve: ResolveOptions): TrainConfig[] {
  const settings = complexity === null || !def.complexity ? { ...base.settings } : { ...base.settings, [def.complexity.key]: complexity };
  const out: TrainConfig[] = [];
  for (const clip of clips)
    for (const mode of PAPER_MODES as readonly Mode[])
      // Memory depends on the settings only: checked for the first run of each.
      for (let seed = 0; seed < seeds; seed++) out.push(resolveTrainConfig(def, { ...base, settings, clip, mode, seed, schedule: null }, out.length === 0 ? resolve : {}));
  return out;
}

/**
 * A plan named after its part and a digest of its configs (in clip, mode, seed order): the same
 * options find the same sweep. Its runs are created seed by seed — every mode's seed 0 first — so
 * that a study stopped part-way has all four modes to compare, with fewer seeds.
 */
function sweepOf(def: ProblemDefinition, part: string, canonical: TrainConfig[]): SweepPlan {
  const digest = createHash('sha256').update(JSON.stringify(canonical)).digest('hex').slice(0, 8);
  const configs = [...canonical].sort((a, b) => a.seed - b.seed);
  const complexity = [...new Set(configs.map((c) => (def.complexity ? c.settings[def.complexity.key]! : null)))];
  const clips = [...new Set(configs.map((c) => c.clip))];
  const seeds = Math.max(...configs.map((c) => c.seed)) + 1;
  return { name: `reproduce-${def.name}-${part}-${digest}`, problem: def.name, axes: { complexity, clips, modes: PAPER_MODES.map((mode) => ({ mode, truncate: null })), seeds }, configs };
}

export function planStudy(def: ProblemDefinition, opts: StudyOptions = {}): StudyPlan {
  const quick = opts.quick ?? false;
  const seeds = opts.seeds ?? (quick ? 1 : STUDY_SEEDS);
  const precision = opts.precision ?? 'f32';
  const base: TrainOverrides = {
    dataset: 'reference',
    precision,
    ...(quick && { epochs: QUICK_EPOCHS[def.name] ?? def.training.epochs }),
    ...opts.sizes,
  };
  const top = highestComplexity(def);
  const resolve: ResolveOptions = opts.availableBytes === undefined ? {} : { availableBytes: opts.availableBytes };
  const core = sweepOf(def, quick ? 'quick' : 'core', configsOf(def, base, top, ['NORM'], seeds, resolve));
  if (quick) return { problem: def, quick, seeds, precision, core, rest: null };
  const others = def.complexity ? def.complexity.values.slice(0, -1) : [];
  const rest = [
    ...configsOf(def, base, top, PAPER_CLIPS.filter((c) => c !== 'NORM'), seeds, {}),
    ...others.flatMap((value) => configsOf(def, base, value, PAPER_CLIPS, 1, resolve)),
  ];
  return { problem: def, quick, seeds, precision, core, rest: rest.length ? sweepOf(def, 'rest', rest) : null };
}

/** The sweeps of the plans in the order they run: every core first, then the rest. */
export function studySweeps(plans: readonly StudyPlan[]): SweepPlan[] {
  return [...plans.map((p) => p.core), ...plans.flatMap((p) => (p.rest ? [p.rest] : []))];
}

/** The problem names `reproduce` accepts. */
export function parseStudyProblems(text: string): ProblemDefinition[] {
  if (text === 'all') return [...STUDY_PROBLEMS];
  const def = STUDY_PROBLEMS.find((p) => p.name === text);
  if (!def) throw new Error(`reproduce: unknown problem "${text}"; accepted: ${STUDY_PROBLEMS.map((p) => p.name).join(', ')}, all`);
  return [def];
}
