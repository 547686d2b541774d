/**
 * `defineProblem`: the one public way to define a control problem — the built-in ones use it too.
 *
 * A definition declares its settings (which become command-line flags with help and validation),
 * and `build(settings)` returns the physics: sizes, the initial-state sampler, the step
 * x_{n+1} = P(x_n, c_n) and the loss. The step and the loss term may be plain engine tensor code
 * (gradients by the engine's autodiff, recorded once per batch shape and replayed over
 * preallocated buffers) or fused typed-array code with a hand-written VJP (`fusedStep`,
 * `loss.fused`). Everything else — controller, training defaults, sweep axis, presentation —
 * has a default.
 */
import type { Rng } from '../engine/random.js';
import type { Tensor } from '../engine/tensor.js';
import type { Controller } from '../nn/controller.js';
import { Cnn, type CnnOptions } from '../nn/cnn.js';
import { Mlp } from '../nn/mlp.js';
import {
  resolveSettings,
  type ProblemDefinition,
  type ProblemInstance,
  type SettingSpec,
  type SettingValue,
  type Settings,
  type TrainingDefaults,
  type CreateOptions,
  type Presentation,
  PROBLEM_BRAND,
} from './problem.js';
import { RecordedLoss, RecordedSimulator } from './recorded.js';
import type { Loss, Simulator } from './simulator.js';

/** x_{n+1} = P(x_n, c_n) in tensor code: x [B][stateSize], c [B][controlSize] → [B][stateSize]. */
export type TensorStep = (x: Tensor, c: Tensor) => Tensor;

/**
 * The loss term of step n (1 ≤ n ≤ Nt) in tensor code: x_n [B][stateSize] → a scalar that already
 * holds the reduction over the batch (usually a mean). FINAL losses are only asked for n = Nt.
 */
export type TensorLossTerm = (x: Tensor, step: { readonly n: number; readonly Nt: number }) => Tensor;

export interface LossSpec {
  /** FINAL: only the last state counts; CONTINUOUS: the terms of every step are summed. */
  readonly kind: 'final' | 'continuous';
  /** The term as tensor code (automatic gradients). */
  readonly term?: TensorLossTerm;
  /** The same term fused, with its hand-written gradient (the fast path). */
  readonly fused?: Loss;
}

/** What `build(settings)` returns: the physics of one configuration. */
export interface PhysicsSpec {
  readonly stateSize: number;
  readonly controlSize: number;
  /** Nt, the number of unrolled steps. */
  readonly steps: number;
  /** n seeded initial states, [n][stateSize]. Same rng state ⇒ same states. */
  sample(n: number, rng: Rng): Float64Array;
  /** The step as tensor code (automatic gradients). */
  readonly step?: TensorStep;
  /** The step fused, with a hand-written VJP (used instead of `step` when both are given). */
  readonly fusedStep?: Simulator;
  readonly loss: LossSpec;
  /** Control regularisation weight rc: adds rc · mean(c²) to the loss (default 0). */
  readonly controlCost?: number;
  /** File name of a published dataset with these settings (in data/reference), or null. */
  readonly referenceDataset?: string | null;
  /** Simulated time per step, for animations (default 1). */
  readonly dt?: number;
}

/** The controller: the built-in MLP or CNN, or a function building the user's own. */
export type ControllerSpec =
  | { readonly kind: 'mlp'; readonly hidden?: readonly number[]; readonly zeroLastKernel?: boolean; readonly bias?: boolean }
  | ({ readonly kind: 'cnn' } & Omit<CnnOptions, 'gridPoints'> & { readonly gridPoints?: number })
  | ((ctx: { readonly stateSize: number; readonly controlSize: number; readonly settings: Settings }) => Controller);

export interface ProblemSpec {
  /** Lower-case name: letters, digits and dashes (it names runs and sweeps). */
  readonly name: string;
  readonly title?: string;
  /** Declared settings; each becomes a `--flag` of train and sweep. */
  readonly settings?: readonly SettingSpec[];
  /** Default: an MLP with two tanh layers of 100 (the paper's), whose width/depth become settings. */
  readonly controller?: ControllerSpec;
  /** Overrides of the training defaults (Adam 1e-3, batch 8, 256 train and test states, 100 epochs, mode C). */
  readonly training?: Partial<TrainingDefaults>;
  /** The setting a sweep varies, and its default values (default: none; sweeps vary modes and clipping only). */
  readonly complexity?: { readonly key: string; readonly values: readonly SettingValue[]; readonly label?: (value: SettingValue) => string };
  /** Whether runs report the loss without the control-regularisation part (default: when a setting named rc exists). */
  readonly reportsPhysicsLoss?: boolean;
  /** Figures add a panel of the update size (|u|²) per mode. */
  readonly updateSizePanel?: boolean;
  readonly presentation?: Presentation;
  build(settings: Settings): PhysicsSpec;
}

export const DEFAULT_TRAINING: TrainingDefaults = {
  epochs: 100,
  lr: 1e-3,
  batch: 8,
  trainSize: 256,
  testSize: 256,
  optimizer: 'ADAM',
  clip: 'NONE',
  clipValue: 1,
  mode: 'combined',
};

const NAME = /^[a-z][a-z0-9-]{0,39}$/;

/** The MLP's settings, with this problem's defaults. */
function mlpSettings(hidden: readonly number[], zeroLastKernel: boolean, bias: boolean): SettingSpec[] {
  const uniform = hidden.length > 0 && hidden.every((w) => w === hidden[0]);
  const shape: SettingSpec[] = uniform
    ? [
        { key: 'width', flag: 'width', kind: 'int', default: hidden[0]!, min: 1, max: 4096, help: 'hidden layer width of the MLP controller' },
        { key: 'depth', flag: 'depth', kind: 'int', default: hidden.length, min: 1, max: 8, help: 'number of tanh hidden layers' },
      ]
    : [];
  return [
    ...shape,
    {
      key: 'hidden',
      flag: 'hidden',
      kind: 'ints',
      default: uniform ? '' : hidden.join(','),
      min: 1,
      max: 4096,
      implicit: true,
      help: uniform
        ? 'per-layer widths of the tanh hidden layers, e.g. 100,50 (overrides --width and --depth; default: --depth layers of --width)'
        : 'per-layer widths of the tanh hidden layers, e.g. 100,50',
    },
    {
      key: 'zeroLastKernel',
      flag: 'zero-last-kernel',
      kind: 'boolean',
      default: zeroLastKernel,
      help: "zero-initialise the last layer's kernel (the published runs' quirk); false = Glorot-uniform",
    },
    { key: 'bias', flag: 'bias', kind: 'boolean', default: bias, help: 'dense layers with biases (false: the published code\'s bias=False)' },
  ];
}

function controllerBuilder(spec: ProblemSpec): { settings: SettingSpec[]; build: (p: PhysicsSpec, s: Settings) => Controller } {
  const c = spec.controller ?? { kind: 'mlp' };
  if (typeof c === 'function') return { settings: [], build: (p, s) => c({ stateSize: p.stateSize, controlSize: p.controlSize, settings: s }) };
  if (c.kind === 'cnn') {
    return { settings: [], build: (p) => new Cnn({ ...c, gridPoints: c.gridPoints ?? p.stateSize / 2 }) };
  }
  const hidden = c.hidden ?? [100, 100];
  const settings = mlpSettings(hidden, c.zeroLastKernel ?? true, c.bias ?? true);
  const uniform = settings.some((s) => s.key === 'width');
  const widths = (s: Settings): number[] => {
    const given = String(s.hidden ?? '');
    if (given !== '') return given.split(',').map(Number);
    return uniform ? Array.from({ length: s.depth as number }, () => s.width as number) : [...hidden];
  };
  return {
    settings,
    build: (p, s) =>
      new Mlp({
        inputSize: p.stateSize,
        hidden: widths(s),
        outputSize: p.controlSize,
        zeroLastKernel: s.zeroLastKernel as boolean,
        bias: s.bias as boolean,
      }),
  };
}

function checkSize(name: string, what: string, v: unknown): number {
  if (!Number.isInteger(v) || (v as number) < 1) throw new Error(`problem ${name}: ${what} must be a positive integer, got ${String(v)}`);
  return v as number;
}

/** The problem's physics of one configuration, with the gradients chosen. */
function instantiate(spec: ProblemSpec, physics: PhysicsSpec, opts: CreateOptions): Pick<ProblemInstance, 'simulator' | 'loss' | 'gradients'> {
  const S = checkSize(spec.name, 'stateSize', physics.stateSize);
  const C = checkSize(spec.name, 'controlSize', physics.controlSize);
  const want = opts.gradients ?? 'auto';
  const stepAuto = physics.step ? new RecordedSimulator(physics.step, S, C) : null;
  const lossAuto = physics.loss.term ? new RecordedLoss(physics.loss.term, physics.loss.kind, S) : null;
  if (!physics.fusedStep && !stepAuto) throw new Error(`problem ${spec.name}: build() must return a step (tensor code) or a fusedStep`);
  if (!physics.loss.fused && !lossAuto) throw new Error(`problem ${spec.name}: the loss needs a term (tensor code) or a fused Loss`);
  if (physics.loss.fused && physics.loss.fused.kind !== physics.loss.kind) {
    throw new Error(`problem ${spec.name}: loss.kind is ${physics.loss.kind} but the fused loss is ${physics.loss.fused.kind}`);
  }
  if (physics.fusedStep && (physics.fusedStep.stateSize !== S || physics.fusedStep.controlSize !== C)) {
    throw new Error(`problem ${spec.name}: the fused step has sizes ${physics.fusedStep.stateSize}/${physics.fusedStep.controlSize}, build() says ${S}/${C}`);
  }
  if (want === 'automatic') {
    if (!stepAuto || !lossAuto) throw new Error(`problem ${spec.name} has no tensor-code ${stepAuto ? 'loss term' : 'step'}: automatic gradients are not available`);
    return { simulator: stepAuto, loss: lossAuto, gradients: 'automatic' };
  }
  if (want === 'fused' && (!physics.fusedStep || !physics.loss.fused)) {
    throw new Error(`problem ${spec.name} has no fused ${physics.fusedStep ? 'loss' : 'step'}: use automatic gradients`);
  }
  const simulator = physics.fusedStep ?? stepAuto!;
  const loss = physics.loss.fused ?? lossAuto!;
  return { simulator, loss, gradients: simulator === physics.fusedStep && loss === physics.loss.fused ? 'fused' : 'automatic' };
}

/** Defines a problem from a spec; see docs/custom-problems.md. */
export function defineProblem(spec: ProblemSpec): ProblemDefinition {
  if (typeof spec !== 'object' || spec === null) throw new Error('defineProblem needs a spec object');
  if (typeof spec.name !== 'string' || !NAME.test(spec.name)) {
    throw new Error(`defineProblem: name "${String(spec.name)}" must be lower-case letters, digits and dashes, starting with a letter (at most 40)`);
  }
  if (typeof spec.build !== 'function') throw new Error(`problem ${spec.name}: build(settings) is missing`);
  const controller = controllerBuilder(spec);
  const own = spec.settings ?? [];
  const settings = [...own, ...controller.settings.filter((c) => !own.some((s) => s.key === c.key))];
  const keys = new Set<string>();
  for (const s of settings) {
    if (keys.has(s.key)) throw new Error(`problem ${spec.name}: setting "${s.key}" is declared twice`);
    keys.add(s.key);
  }
  const complexity = spec.complexity ?? null;
  if (complexity && !keys.has(complexity.key)) throw new Error(`problem ${spec.name}: complexity key "${complexity.key}" is not a declared setting`);
  const def: ProblemDefinition = {
    [PROBLEM_BRAND]: true,
    name: spec.name,
    title: spec.title ?? spec.name,
    settings,
    complexity,
    reportsPhysicsLoss: spec.reportsPhysicsLoss ?? keys.has('rc'),
    updateSizePanel: spec.updateSizePanel ?? false,
    training: { ...DEFAULT_TRAINING, ...spec.training },
    presentation: spec.presentation ?? {},
    create(given: Settings, opts: CreateOptions = {}): ProblemInstance {
      const s = resolveSettings(def, given);
      const physics = spec.build(s);
      const steps = checkSize(spec.name, 'steps', physics.steps);
      const chosen = instantiate(spec, physics, opts);
      const instance: ProblemInstance = {
        ...chosen,
        definition: def,
        settings: s,
        steps,
        controller: controller.build(physics, s),
        rc: physics.controlCost ?? 0,
        sample: (n, rng) => physics.sample(n, rng),
        referenceDataset: physics.referenceDataset ?? null,
        dt: physics.dt ?? 1,
        physics,
      };
      if (instance.controller.inputSize !== physics.stateSize || instance.controller.outputSize !== physics.controlSize) {
        throw new Error(
          `problem ${spec.name}: the controller maps ${instance.controller.inputSize} → ${instance.controller.outputSize} numbers, ` +
            `the physics needs ${physics.stateSize} → ${physics.controlSize}`,
        );
      }
      return instance;
    },
  };
  return def;
}
