/**
 * A problem bundles what training needs from physics: a simulator, its loss, a seeded
 * initial-state generator and the controller the paper uses, built from validated settings.
 * Settings are declared (name, type, range, default) so the CLI, sweeps and the web app all
 * derive their flags, validation and help from one place.
 */
import type { Rng } from '../engine/random.js';
import type { Controller } from '../nn/controller.js';
import { parseDecimal, shown } from './numbers.js';
import type { Presentation } from './presentation.js';
import type { Loss, Simulator } from './simulator.js';

export type { Presentation } from './presentation.js';

export type SettingValue = number | string | boolean;
export type Settings = Readonly<Record<string, SettingValue>>;

export interface SettingSpec {
  /** Key in the settings object (camelCase). */
  readonly key: string;
  /** Command-line flag without dashes (kebab-case). */
  readonly flag: string;
  /** 'ints': a comma-separated list of integers (each within min … max), held as normalised text "100,50"; '' = none given. */
  readonly kind: 'int' | 'number' | 'choice' | 'boolean' | 'ints';
  readonly default: SettingValue;
  readonly help: string;
  readonly min?: number;
  readonly max?: number;
  readonly choices?: readonly string[];
  /**
   * A setting added after runs were stored with the problem: at its default it is left out of a
   * run's recorded settings (recordedSettings), so configs made before it existed keep their
   * identity (sweep names, finding a sweep's runs again).
   */
  readonly implicit?: boolean;
}

/** How a problem's step and loss get their gradients: hand-written (fused) or by the engine's autodiff. */
export type Gradients = 'fused' | 'automatic';

export interface CreateOptions {
  /** 'auto' (default): the fused path where the problem has one, else automatic. */
  readonly gradients?: Gradients | 'auto';
}

export interface ProblemInstance {
  /** The definition this instance was made from. */
  readonly definition: ProblemDefinition;
  /** The resolved settings it was made with. */
  readonly settings: Settings;
  readonly simulator: Simulator;
  /** Which path `simulator` and `loss` are. */
  readonly gradients: Gradients;
  readonly loss: Loss;
  /** Nt, the number of unrolled steps. */
  readonly steps: number;
  readonly controller: Controller;
  /** Control regularisation weight rc (0 for none). */
  readonly rc: number;
  /** n seeded initial states, [n][stateSize]. */
  sample(n: number, rng: Rng): Float64Array;
  /** File name of the published dataset with these settings (in data/reference), or null. */
  readonly referenceDataset: string | null;
  /** Simulated time per step (for animations). */
  readonly dt: number;
  /** What the definition's build() returned (tensor-code forms included, for `check`). */
  readonly physics: import('./define.js').PhysicsSpec;
}

/** The paper's training settings for a problem (validated by the training layer). */
export interface TrainingDefaults {
  readonly epochs: number;
  readonly lr: number;
  readonly batch: number;
  readonly trainSize: number;
  readonly testSize: number;
  readonly optimizer: string;
  readonly clip: string;
  readonly clipValue: number;
  readonly mode: string;
}

/** Marks objects made by defineProblem (a registered symbol, so two copies of the package agree). */
export const PROBLEM_BRAND: unique symbol = Symbol.for('stable-bptt/problem') as never;

export interface Complexity {
  readonly key: string;
  readonly values: readonly SettingValue[];
  /** How a value is labelled in figures and tables (default: the value). */
  readonly label?: (value: SettingValue) => string;
}

/** A problem as `defineProblem` returns it; pass it to Trainer, sweeps, check, the CLI. */
export interface ProblemDefinition {
  readonly [PROBLEM_BRAND]: true;
  readonly name: string;
  readonly title: string;
  readonly settings: readonly SettingSpec[];
  /** The setting a sweep varies (poles, rc, target), or null when sweeps vary only mode and clipping. */
  readonly complexity: Complexity | null;
  /** Whether records carry the physics-only loss columns (the loss has a regularisation part). */
  readonly reportsPhysicsLoss: boolean;
  /** Whether figures add a panel of the update size per mode. */
  readonly updateSizePanel: boolean;
  readonly training: TrainingDefaults;
  readonly presentation: Presentation;
  create(settings: Settings, options?: CreateOptions): ProblemInstance;
}

export function isProblemDefinition(x: unknown): x is ProblemDefinition {
  return typeof x === 'object' && x !== null && (x as Record<symbol, unknown>)[PROBLEM_BRAND] === true;
}

function describe(spec: SettingSpec): string {
  if (spec.kind === 'choice') return `one of ${spec.choices!.join(', ')}`;
  if (spec.kind === 'boolean') return 'true or false';
  const what = spec.kind === 'int' ? 'an integer' : spec.kind === 'ints' ? 'comma-separated integers, each' : 'a number';
  if (spec.min !== undefined && spec.max !== undefined) return `${what} from ${spec.min} to ${spec.max}`;
  if (spec.min !== undefined) return `${what} ≥ ${spec.min}`;
  if (spec.max !== undefined) return `${what} ≤ ${spec.max}`;
  return what;
}

/** Parses one setting from text or a value; the error names the flag and what is accepted. */
export function parseSetting(spec: SettingSpec, raw: unknown): SettingValue {
  const bad = (): Error => new Error(`--${spec.flag}: got ${shown(raw)}, expected ${describe(spec)}`);
  if (spec.kind === 'boolean') {
    if (typeof raw === 'boolean') return raw;
    const t = String(raw).toLowerCase();
    if (t === 'true' || t === '1' || t === 'yes') return true;
    if (t === 'false' || t === '0' || t === 'no') return false;
    throw bad();
  }
  if (spec.kind === 'ints') {
    const t = String(raw).trim();
    if (t === '') return '';
    const parts = t.split(',').map((p) => p.trim());
    const values = parts.map((p) => (/^-?\d+$/.test(p) ? Number(p) : NaN));
    if (values.some((v) => !Number.isSafeInteger(v) || (spec.min !== undefined && v < spec.min) || (spec.max !== undefined && v > spec.max))) throw bad();
    return values.join(',');
  }
  if (spec.kind === 'choice') {
    const t = String(raw);
    const hit = spec.choices!.find((c) => c.toLowerCase() === t.toLowerCase());
    if (hit === undefined) throw bad();
    return hit;
  }
  const v = parseDecimal(raw);
  if (!Number.isFinite(v) || (spec.kind === 'int' && !Number.isInteger(v))) throw bad();
  if ((spec.min !== undefined && v < spec.min) || (spec.max !== undefined && v > spec.max)) throw bad();
  return v;
}

/** Resolved settings as a run records them: implicit settings at their default are left out. */
export function recordedSettings(problem: ProblemDefinition, settings: Settings): Settings {
  const out: Record<string, SettingValue> = {};
  for (const [key, value] of Object.entries(settings)) {
    const spec = problem.settings.find((s) => s.key === key);
    if (!(spec?.implicit && value === spec.default)) out[key] = value;
  }
  return out;
}

/** Defaults overridden by `given` (by key), each validated; unknown keys are an error. */
export function resolveSettings(problem: ProblemDefinition, given: Readonly<Record<string, unknown>> = {}): Settings {
  const out: Record<string, SettingValue> = {};
  for (const key of Object.keys(given)) {
    if (!problem.settings.some((s) => s.key === key)) {
      throw new Error(`unknown ${problem.name} setting "${key}"; accepted: ${problem.settings.map((s) => s.key).join(', ')}`);
    }
  }
  for (const spec of problem.settings) {
    const raw = given[spec.key];
    out[spec.key] = raw === undefined ? spec.default : parseSetting(spec, raw);
  }
  return out;
}
