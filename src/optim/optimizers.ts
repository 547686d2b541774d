/**
 * Optimizers with the Keras (TF2) default constants, in float64. Each one takes
 * the *update* field in place of a gradient (the field may be modified, see
 * method.md) and changes the parameters in place without allocating.
 */

export type OptimizerName =
  | 'ADAM'
  | 'SGD'
  | 'SGDMOM080'
  | 'SGDMOM090'
  | 'SGDMOM095'
  | 'ADAGRAD'
  | 'ADADELTA'
  | 'RMSPROP';

export const OPTIMIZER_NAMES: readonly OptimizerName[] = [
  'ADAM',
  'SGD',
  'SGDMOM080',
  'SGDMOM090',
  'SGDMOM095',
  'ADAGRAD',
  'ADADELTA',
  'RMSPROP',
];

/** Plain-JSON snapshot of an optimizer, enough to resume bit-identically. */
export interface OptimizerState {
  name: OptimizerName;
  lr: number;
  t: number;
  slots: Record<string, number[]>;
}

export interface Optimizer {
  readonly name: OptimizerName;
  readonly lr: number;
  /** Number of steps taken so far. */
  readonly t: number;
  /** θ ← θ − (rule applied to `update`), in place. */
  step(params: Float64Array, update: Float64Array): void;
  state(): OptimizerState;
}

/** Case-insensitive; throws an Error naming the value and the accepted names. */
export function parseOptimizer(text: string): OptimizerName {
  const upper = String(text).trim().toUpperCase();
  const found = OPTIMIZER_NAMES.find((n) => n === upper);
  if (found === undefined) {
    throw new Error(`unknown optimizer '${text}'; accepted values: ${OPTIMIZER_NAMES.join(', ')}`);
  }
  return found;
}

const EPSILON = 1e-7;
const ADAM_BETA1 = 0.9;
const ADAM_BETA2 = 0.999;
const ADAGRAD_INITIAL = 0.1;
const ADADELTA_RHO = 0.95;
const RMSPROP_RHO = 0.9;
const MOMENTUM: Partial<Record<OptimizerName, number>> = { SGDMOM080: 0.8, SGDMOM090: 0.9, SGDMOM095: 0.95 };

/** Slot names per optimizer and their initial value. */
const SLOT_LAYOUT: Record<OptimizerName, ReadonlyArray<readonly [string, number]>> = {
  ADAM: [['m', 0], ['v', 0]],
  SGD: [],
  SGDMOM080: [['velocity', 0]],
  SGDMOM090: [['velocity', 0]],
  SGDMOM095: [['velocity', 0]],
  ADAGRAD: [['accumulator', ADAGRAD_INITIAL]],
  ADADELTA: [['accumGrad', 0], ['accumDelta', 0]],
  RMSPROP: [['v', 0]],
};

type Rule = (p: Float64Array, g: Float64Array, s: Float64Array[], lr: number, t: number) => void;

/**
 * ADAM (Keras form): m = β1 m + (1−β1) g; v = β2 v + (1−β2) g²;
 * θ −= lr·√(1−β2ᵗ)/(1−β1ᵗ) · m / (√v + ε). The ε sits outside the bias
 * correction, which differs slightly from the paper-of-Kingma form.
 */
const adam: Rule = (p, g, [m, v], lr, t) => {
  const lrT = (lr * Math.sqrt(1 - Math.pow(ADAM_BETA2, t))) / (1 - Math.pow(ADAM_BETA1, t));
  for (let i = 0; i < p.length; i++) {
    const gi = g[i]!;
    const mi = ADAM_BETA1 * m![i]! + (1 - ADAM_BETA1) * gi;
    const vi = ADAM_BETA2 * v![i]! + (1 - ADAM_BETA2) * gi * gi;
    m![i] = mi;
    v![i] = vi;
    p[i] = p[i]! - (lrT * mi) / (Math.sqrt(vi) + EPSILON);
  }
};

/** SGD: θ −= lr g. */
const sgd: Rule = (p, g, _s, lr) => {
  for (let i = 0; i < p.length; i++) p[i] = p[i]! - lr * g[i]!;
};

/** SGD with momentum μ (Keras, not Nesterov): v = μ v − lr g; θ += v. */
function momentum(mu: number): Rule {
  return (p, g, [vel], lr) => {
    for (let i = 0; i < p.length; i++) {
      const vi = mu * vel![i]! - lr * g[i]!;
      vel![i] = vi;
      p[i] = p[i]! + vi;
    }
  };
}

/** ADAGRAD: acc (starts at 0.1) += g²; θ −= lr g / (√acc + ε). */
const adagrad: Rule = (p, g, [acc], lr) => {
  for (let i = 0; i < p.length; i++) {
    const gi = g[i]!;
    const ai = acc![i]! + gi * gi;
    acc![i] = ai;
    p[i] = p[i]! - (lr * gi) / (Math.sqrt(ai) + EPSILON);
  }
};

/**
 * ADADELTA: accG = ρ accG + (1−ρ) g²; Δ = √(accΔ + ε)/√(accG + ε) · g;
 * accΔ = ρ accΔ + (1−ρ) Δ²; θ −= lr Δ. (Keras keeps an lr factor, unlike Zeiler.)
 */
const adadelta: Rule = (p, g, [accG, accD], lr) => {
  const rho = ADADELTA_RHO;
  for (let i = 0; i < p.length; i++) {
    const gi = g[i]!;
    const ag = rho * accG![i]! + (1 - rho) * gi * gi;
    accG![i] = ag;
    const delta = (Math.sqrt(accD![i]! + EPSILON) / Math.sqrt(ag + EPSILON)) * gi;
    accD![i] = rho * accD![i]! + (1 - rho) * delta * delta;
    p[i] = p[i]! - lr * delta;
  }
};

/** RMSPROP (no momentum, not centred): v = ρ v + (1−ρ) g²; θ −= lr g / (√v + ε). */
const rmsprop: Rule = (p, g, [v], lr) => {
  const rho = RMSPROP_RHO;
  for (let i = 0; i < p.length; i++) {
    const gi = g[i]!;
    const vi = rho * v![i]! + (1 - rho) * gi * gi;
    v![i] = vi;
    p[i] = p[i]! - (lr * gi) / (Math.sqrt(vi) + EPSILON);
  }
};

const RULES: Record<OptimizerName, Rule> = {
  ADAM: adam,
  SGD: sgd,
  SGDMOM080: momentum(MOMENTUM.SGDMOM080!),
  SGDMOM090: momentum(MOMENTUM.SGDMOM090!),
  SGDMOM095: momentum(MOMENTUM.SGDMOM095!),
  ADAGRAD: adagrad,
  ADADELTA: adadelta,
  RMSPROP: rmsprop,
};

class SlotOptimizer implements Optimizer {
  private steps: number;
  private readonly slots: Float64Array[];
  private readonly rule: Rule;

  constructor(
    readonly name: OptimizerName,
    private readonly paramCount: number,
    readonly lr: number,
    state?: OptimizerState,
  ) {
    this.rule = RULES[name];
    const layout = SLOT_LAYOUT[name];
    this.slots = layout.map(([, init]) => new Float64Array(paramCount).fill(init));
    this.steps = 0;
    if (state !== undefined) this.restore(state);
  }

  get t(): number {
    return this.steps;
  }

  step(params: Float64Array, update: Float64Array): void {
    if (params.length !== this.paramCount || update.length !== this.paramCount) {
      throw new Error(
        `${this.name}.step: expected ${this.paramCount} parameters, got params ${params.length}, update ${update.length}`,
      );
    }
    this.steps += 1;
    this.rule(params, update, this.slots, this.lr, this.steps);
  }

  state(): OptimizerState {
    const slots: Record<string, number[]> = {};
    SLOT_LAYOUT[this.name].forEach(([key], k) => {
      slots[key] = Array.from(this.slots[k]!);
    });
    return { name: this.name, lr: this.lr, t: this.steps, slots };
  }

  private restore(state: OptimizerState): void {
    if (state.name !== this.name) throw new Error(`optimizer state is for ${state.name}, not ${this.name}`);
    if (state.lr !== this.lr) throw new Error(`optimizer state has lr ${state.lr}, not ${this.lr}`);
    if (!Number.isInteger(state.t) || state.t < 0) throw new Error(`optimizer state step t must be an integer >= 0, got ${state.t}`);
    SLOT_LAYOUT[this.name].forEach(([key], k) => {
      const saved = state.slots?.[key];
      if (!Array.isArray(saved) || saved.length !== this.paramCount) {
        throw new Error(`optimizer state slot '${key}' must hold ${this.paramCount} numbers`);
      }
      this.slots[k]!.set(saved);
    });
    this.steps = state.t;
  }
}

/** A fresh optimizer, or one resumed from `state` (which must match name, lr and size). */
export function createOptimizer(name: OptimizerName, paramCount: number, lr: number, state?: OptimizerState): Optimizer {
  if (!OPTIMIZER_NAMES.includes(name)) {
    throw new Error(`unknown optimizer '${String(name)}'; accepted values: ${OPTIMIZER_NAMES.join(', ')}`);
  }
  if (!Number.isInteger(paramCount) || paramCount < 0) {
    throw new Error(`paramCount must be an integer >= 0, got ${paramCount}`);
  }
  if (!Number.isFinite(lr) || lr <= 0) throw new Error(`learning rate must be a finite number > 0, got ${lr}`);
  return new SlotOptimizer(name, paramCount, lr, state);
}
