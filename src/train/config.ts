/**
 * A training run's full configuration, resolved from defaults (the problem's published
 * preset) and user overrides, every field validated with a message naming the flag.
 */
import { parseMode, parseSchedule, parseTruncation, type BaseMode, type Mode } from '../bptt/modes.js';
import { parsePrecision, type Precision } from '../kernels/module.js';
import { parseClipMode, type ClipMode } from '../optim/clip.js';
import { nonDefaultParams, optimizerParams, parseOptimizer, type OptimizerName, type OptimizerParams } from '../optim/optimizers.js';
import { parseDecimal, parseIntIn, shown } from '../physics/numbers.js';
import { recordedSettings, resolveSettings, type ProblemDefinition, type Settings } from '../physics/problem.js';
import { checkRunMemory } from './memory.js';

export type DatasetKind = 'generated' | 'reference';

export interface TrainConfig {
  problem: string;
  settings: Settings;
  mode: Mode;
  /** Optional per-step schedule of base modes ("R*50,M*50"); overrides `mode` when set. */
  schedule: string | null;
  optimizer: OptimizerName;
  lr: number;
  clip: ClipMode;
  clipValue: number;
  epochs: number;
  batch: number;
  trainSize: number;
  testSize: number;
  seed: number;
  /** Draw initial states from the seed, or use the published datasets (data/reference). */
  dataset: DatasetKind;
  /** The number type of the controller's products: 'f64', or 'f32' (f32x4 SIMD; the physics stays f64). */
  precision: Precision;
  /** Diagnose the gradient flow at the start and after every k-th epoch (train/diagnoses.ts); absent or 0: never. */
  diagnoseEvery?: number;
  /**
   * Truncated BPTT: feedback flows back at most this many steps (1 … Nt; docs/method.md), on top
   * of the mode or schedule. Absent: no truncation (so configs without it keep their identity).
   */
  truncate?: number;
  /** The optimizer's hyperparameters that differ from its Keras defaults; absent when none do. */
  optimizerParams?: Partial<OptimizerParams>;
  /**
   * A warm start: the run's initial weights come from a controller file or a stored run (`from`)
   * instead of the seed; `sha256` identifies the weights (the run's epoch-0 checkpoint holds them).
   */
  init?: { from: string; sha256: string };
}

/** User overrides as parsed values or raw command-line text. */
export type TrainOverrides = Partial<Record<Exclude<keyof TrainConfig, 'settings' | 'problem' | 'optimizerParams'>, unknown>> & {
  settings?: Readonly<Record<string, unknown>>;
  optimizerParams?: Readonly<Record<string, unknown>>;
};

/**
 * Upper bounds of the counts and sizes (documented in docs/cli.md): beyond them a run is refused
 * before anything is stored. Steps and the controller's size are the problem's settings (each
 * declares its own range); the memory a whole run needs is checked by checkRunMemory.
 */
export const LIMITS = {
  epochs: 1_000_000,
  /** batch, train-size and test-size */
  setSize: 10_000_000,
  /** lr and clip-value */
  positive: 1e300,
} as const;

/** A flag's value as a positive integer (decimal notation) at most `max`; the error names the flag. */
export function parsePositiveInt(flag: string, v: unknown, max: number = Number.MAX_SAFE_INTEGER): number {
  return parseIntIn(flag, v, 1, max);
}

function positiveNumber(flag: string, v: unknown): number {
  const n = parseDecimal(v);
  if (!Number.isFinite(n) || n <= 0 || n > LIMITS.positive) throw new Error(`--${flag}: got ${shown(v)}, expected a positive number in decimal notation (e.g. 1e-3)`);
  return n;
}

function withFlag<T>(flag: string, f: () => T): T {
  try {
    return f();
  } catch (e) {
    throw new Error(`--${flag}: ${(e as Error).message}`);
  }
}

export interface ResolveOptions {
  /**
   * Bytes of memory the run may use: when given, a run whose sizes need more is refused here
   * (checkRunMemory), before anything is stored. The CLI passes the machine's memory.
   */
  availableBytes?: number;
}

export function resolveTrainConfig(problem: ProblemDefinition, o: TrainOverrides = {}, opts: ResolveOptions = {}): TrainConfig {
  const d = problem.training;
  const settings = resolveSettings(problem, o.settings ?? {});
  const seed = o.seed === undefined ? 0 : parseIntIn('seed', o.seed, 0, 2 ** 32 - 1);
  const dataset = String(o.dataset ?? 'generated');
  if (dataset !== 'generated' && dataset !== 'reference') throw new Error(`--dataset: got "${dataset}", expected generated or reference`);
  const config: TrainConfig = {
    problem: problem.name,
    settings: recordedSettings(problem, settings),
    mode: withFlag('mode', () => parseMode(String(o.mode ?? d.mode))),
    schedule: o.schedule === undefined || o.schedule === null ? null : String(o.schedule),
    optimizer: withFlag('optimizer', () => parseOptimizer(String(o.optimizer ?? d.optimizer))),
    lr: positiveNumber('lr', o.lr ?? d.lr),
    clip: withFlag('clip', () => parseClipMode(String(o.clip ?? d.clip))),
    clipValue: positiveNumber('clip-value', o.clipValue ?? d.clipValue),
    epochs: parsePositiveInt('epochs', o.epochs ?? d.epochs, LIMITS.epochs),
    batch: parsePositiveInt('batch', o.batch ?? d.batch, LIMITS.setSize),
    trainSize: parsePositiveInt('train-size', o.trainSize ?? d.trainSize, LIMITS.setSize),
    testSize: parsePositiveInt('test-size', o.testSize ?? d.testSize, LIMITS.setSize),
    seed,
    dataset,
    precision: parsePrecision(o.precision ?? 'f64'),
  };
  // Only when asked: configs stored without it stay as they were.
  if (o.diagnoseEvery !== undefined) {
    // 0 (or leaving it out) diagnoses nothing.
    const every = parseIntIn('diagnose-every', o.diagnoseEvery, 0, LIMITS.epochs);
    if (every > 0) config.diagnoseEvery = every;
  }
  if (config.trainSize % config.batch !== 0) {
    throw new Error(`--train-size (${config.trainSize}) must be a multiple of --batch (${config.batch}): batches are cut in a fixed order`);
  }
  const hyper = nonDefaultParams(config.optimizer, optimizerParams(config.optimizer, o.optimizerParams ?? {}));
  if (Object.keys(hyper).length > 0) config.optimizerParams = hyper;
  const truncate = o.truncate === undefined || o.truncate === null ? null : withFlag('truncate', () => parseTruncation(String(o.truncate)));
  if (config.schedule !== null || truncate !== null || opts.availableBytes !== undefined) {
    const instance = problem.create(settings);
    if (config.schedule !== null) withFlag('schedule', () => parseSchedule(config.schedule!, instance.steps));
    if (truncate !== null) {
      if (truncate > instance.steps) throw new Error(`--truncate: got ${truncate}, expected a whole number of steps from 1 to Nt = ${instance.steps}`);
      config.truncate = truncate;
    }
    if (opts.availableBytes !== undefined) checkRunMemory(instance, config, opts.availableBytes);
  }
  if (o.init !== undefined && o.init !== null) config.init = parseInitRecord(o.init);
  return config;
}

function parseInitRecord(v: unknown): { from: string; sha256: string } {
  const r = v as { from?: unknown; sha256?: unknown } | null;
  if (typeof r !== 'object' || r === null || typeof r.from !== 'string' || typeof r.sha256 !== 'string' || !/^[0-9a-f]{16,64}$/.test(r.sha256)) {
    throw new Error(`init: got ${JSON.stringify(v)}, expected { from: <controller file or run id>, sha256: <hex digest of the weights> }`);
  }
  return { from: r.from, sha256: r.sha256 };
}

/** The field the optimizer follows: a mode, or the parsed per-step schedule. */
export function flowOf(config: TrainConfig, steps: number): Mode | BaseMode[] {
  return config.schedule === null ? config.mode : parseSchedule(config.schedule, steps);
}
