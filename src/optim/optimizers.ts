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

/** The hyperparameters an optimizer may take besides lr; each optimizer reads its own (HYPERPARAMETERS). */
export interface OptimizerParams {
  /** ADAM: decay of the first moment. */
  readonly beta1: number;
  /** ADAM: decay of the second moment. */
  readonly beta2: number;
  /** ADAM, ADAGRAD, ADADELTA, RMSPROP: the ε of the denominator. */
  readonly epsilon: number;
  /** ADADELTA, RMSPROP: decay of the squared-gradient average. */
  readonly rho: number;
  /** SGD, RMSPROP: momentum μ (0: none; the SGDMOM names fix it). */
  readonly momentum: number;
  /** ADAGRAD: the accumulator's starting value. */
  readonly initialAccumulator: number;
  /** ADAM: the AMSGrad variant (the running maximum of v in the denominator). */
  readonly amsgrad: boolean;
  /** SGD: Nesterov momentum. */
  readonly nesterov: boolean;
  /** RMSPROP: normalise by the estimated variance instead of the second moment. */
  readonly centered: boolean;
}

export type OptimizerParamKey = keyof OptimizerParams;

const MOMENTUM: Partial<Record<OptimizerName, number>> = { SGDMOM080: 0.8, SGDMOM090: 0.9, SGDMOM095: 0.95 };

/**
 * Each hyperparameter: its flag, the optimizers that read it, its Keras default for each, and the
 * accepted range [min, max) (max exclusive when given; min inclusive unless `above`).
 */
export const HYPERPARAMETERS: readonly {
  readonly key: OptimizerParamKey;
  readonly flag: string;
  readonly defaults: Partial<Record<OptimizerName, number | boolean>>;
  readonly kind?: 'boolean';
  readonly min: number;
  readonly above?: boolean;
  readonly below?: number;
  readonly help: string;
}[] = [
  { key: 'beta1', flag: 'beta1', defaults: { ADAM: 0.9 }, min: 0, below: 1, help: "ADAM's β1, decay of the first moment (Keras default 0.9)" },
  { key: 'beta2', flag: 'beta2', defaults: { ADAM: 0.999 }, min: 0, below: 1, help: "ADAM's β2, decay of the second moment (Keras default 0.999)" },
  {
    key: 'epsilon',
    flag: 'epsilon',
    defaults: { ADAM: 1e-7, ADAGRAD: 1e-7, ADADELTA: 1e-7, RMSPROP: 1e-7 },
    min: 0,
    above: true,
    help: 'ε of ADAM, ADAGRAD, ADADELTA and RMSPROP (Keras default 1e-7)',
  },
  { key: 'rho', flag: 'rho', defaults: { ADADELTA: 0.95, RMSPROP: 0.9 }, min: 0, below: 1, help: 'ρ of ADADELTA (Keras default 0.95) and RMSPROP (0.9)' },
  { key: 'momentum', flag: 'momentum', defaults: { SGD: 0, RMSPROP: 0 }, min: 0, below: 1, help: 'momentum μ of SGD and RMSPROP (Keras default 0; SGD with 0.9 is SGDMOM090)' },
  { key: 'initialAccumulator', flag: 'initial-accumulator', defaults: { ADAGRAD: 0.1 }, min: 0, help: "ADAGRAD's initial accumulator value (Keras default 0.1)" },
  { key: 'amsgrad', flag: 'amsgrad', kind: 'boolean', defaults: { ADAM: false }, min: 0, help: "ADAM's AMSGrad variant (Keras default false)" },
  { key: 'nesterov', flag: 'nesterov', kind: 'boolean', defaults: { SGD: false }, min: 0, help: 'Nesterov momentum for SGD (Keras default false)' },
  { key: 'centered', flag: 'centered', kind: 'boolean', defaults: { RMSPROP: false }, min: 0, help: 'centred RMSPROP (Keras default false)' },
];

/**
 * The hyperparameters of `name`: its Keras defaults overridden by `given` (values as numbers or
 * text). A value for a hyperparameter `name` does not read is an error naming the flag.
 */
export function optimizerParams(name: OptimizerName, given: Readonly<Partial<Record<OptimizerParamKey, unknown>>> = {}): OptimizerParams {
  const out: Record<string, number | boolean> = {};
  for (const h of HYPERPARAMETERS) {
    const raw = given[h.key];
    const dflt = h.defaults[name];
    if (raw === undefined || raw === null) {
      out[h.key] = dflt ?? (h.kind === 'boolean' ? false : NaN);
      continue;
    }
    if (dflt === undefined) {
      const readers = Object.keys(h.defaults).join(', ');
      const hint = MOMENTUM[name] !== undefined && h.key === 'momentum' ? ` (${name} fixes it at ${MOMENTUM[name]}; use SGD --momentum ${MOMENTUM[name]})` : '';
      throw new Error(`--${h.flag}: ${name} has no ${h.flag}; it is a hyperparameter of ${readers}${hint}`);
    }
    if (h.kind === 'boolean') {
      const t = String(raw).toLowerCase();
      if (raw !== true && raw !== false && t !== 'true' && t !== 'false') throw new Error(`--${h.flag}: got "${String(raw)}", expected true or false`);
      out[h.key] = raw === true || t === 'true';
      continue;
    }
    const v = typeof raw === 'number' ? raw : typeof raw === 'string' && raw.trim() !== '' ? Number(raw) : NaN;
    const range = `${h.above ? '>' : '≥'} ${h.min}${h.below !== undefined ? ` and < ${h.below}` : ''}`;
    if (!Number.isFinite(v) || (h.above ? v <= h.min : v < h.min) || (h.below !== undefined && v >= h.below)) {
      throw new Error(`--${h.flag}: got "${String(raw)}", expected a number ${range}`);
    }
    out[h.key] = v;
  }
  return out as unknown as OptimizerParams;
}

/** The given hyperparameters that differ from `name`'s defaults, by key (what a run records). */
export function nonDefaultParams(name: OptimizerName, params: OptimizerParams): Partial<OptimizerParams> {
  const out: Partial<Record<OptimizerParamKey, number | boolean>> = {};
  for (const h of HYPERPARAMETERS) {
    const d = h.defaults[name];
    if (d !== undefined && params[h.key] !== d) out[h.key] = params[h.key];
  }
  return out as Partial<OptimizerParams>;
}

/** Slot names per optimizer and their initial value. */
const SLOT_LAYOUT: Record<OptimizerName, ReadonlyArray<readonly [string, (h: OptimizerParams) => number]>> = {
  ADAM: [['m', () => 0], ['v', () => 0]],
  SGD: [],
  SGDMOM080: [['velocity', () => 0]],
  SGDMOM090: [['velocity', () => 0]],
  SGDMOM095: [['velocity', () => 0]],
  ADAGRAD: [['accumulator', (h) => h.initialAccumulator]],
  ADADELTA: [['accumGrad', () => 0], ['accumDelta', () => 0]],
  RMSPROP: [['v', () => 0]],
};

type Slots = ReadonlyArray<readonly [string, (h: OptimizerParams) => number]>;

/** Slots the hyperparameters add, as Keras keeps them: SGD's velocity (μ > 0), AMSGrad's v̂, RMSPROP's momentum and mean. */
function slotsOf(name: OptimizerName, h: OptimizerParams): Slots {
  const zero = (): number => 0;
  if (name === 'SGD' && h.momentum !== 0) return [['velocity', zero]];
  if (name === 'ADAM' && h.amsgrad) return [...SLOT_LAYOUT.ADAM, ['vhat', zero]];
  if (name === 'RMSPROP') return [...SLOT_LAYOUT.RMSPROP, ...(h.momentum !== 0 ? [['momentum', zero] as const] : []), ...(h.centered ? [['mg', zero] as const] : [])];
  return SLOT_LAYOUT[name];
}

type Rule = (p: Float64Array, g: Float64Array, s: Float64Array[], lr: number, t: number) => void;

/**
 * ADAM (Keras form): m = β1 m + (1−β1) g; v = β2 v + (1−β2) g²;
 * θ −= lr·√(1−β2ᵗ)/(1−β1ᵗ) · m / (√v + ε). The ε sits outside the bias
 * correction, which differs slightly from the paper-of-Kingma form.
 */
function adam({ beta1, beta2, epsilon, amsgrad }: OptimizerParams): Rule {
  if (amsgrad) return adamAmsgrad(beta1, beta2, epsilon);
  return (p, g, [m, v], lr, t) => {
    const lrT = (lr * Math.sqrt(1 - Math.pow(beta2, t))) / (1 - Math.pow(beta1, t));
    for (let i = 0; i < p.length; i++) {
      const gi = g[i]!;
      const mi = beta1 * m![i]! + (1 - beta1) * gi;
      const vi = beta2 * v![i]! + (1 - beta2) * gi * gi;
      m![i] = mi;
      v![i] = vi;
      p[i] = p[i]! - (lrT * mi) / (Math.sqrt(vi) + epsilon);
    }
  };
}

/** AMSGrad (Keras' fused kernel): as ADAM, with v̂ = max(v̂, v) in the denominator. */
function adamAmsgrad(beta1: number, beta2: number, epsilon: number): Rule {
  return (p, g, [m, v, vhat], lr, t) => {
    const lrT = (lr * Math.sqrt(1 - Math.pow(beta2, t))) / (1 - Math.pow(beta1, t));
    for (let i = 0; i < p.length; i++) {
      const gi = g[i]!;
      const mi = m![i]! + (gi - m![i]!) * (1 - beta1);
      const vi = v![i]! + (gi * gi - v![i]!) * (1 - beta2);
      const hi = Math.max(vhat![i]!, vi);
      m![i] = mi;
      v![i] = vi;
      vhat![i] = hi;
      p[i] = p[i]! - (mi * lrT) / (Math.sqrt(hi) + epsilon);
    }
  };
}

/** SGD: θ −= lr g. */
const sgd: Rule = (p, g, _s, lr) => {
  for (let i = 0; i < p.length; i++) p[i] = p[i]! - lr * g[i]!;
};

/** SGD with momentum μ (Keras): v = μ v − lr g; θ += v, or with Nesterov θ += μ v − lr g. */
function momentum(mu: number, nesterov = false): Rule {
  return (p, g, [vel], lr) => {
    for (let i = 0; i < p.length; i++) {
      const vi = mu * vel![i]! - lr * g[i]!;
      vel![i] = vi;
      p[i] = p[i]! + (nesterov ? mu * vi - lr * g[i]! : vi);
    }
  };
}

/** ADAGRAD: acc (starts at the initial accumulator, 0.1) += g²; θ −= lr g / (√acc + ε). */
function adagrad({ epsilon }: OptimizerParams): Rule {
  return (p, g, [acc], lr) => {
    for (let i = 0; i < p.length; i++) {
      const gi = g[i]!;
      const ai = acc![i]! + gi * gi;
      acc![i] = ai;
      p[i] = p[i]! - (lr * gi) / (Math.sqrt(ai) + epsilon);
    }
  };
}

/**
 * ADADELTA: accG = ρ accG + (1−ρ) g²; Δ = √(accΔ + ε)/√(accG + ε) · g;
 * accΔ = ρ accΔ + (1−ρ) Δ²; θ −= lr Δ. (Keras keeps an lr factor, unlike Zeiler.)
 */
function adadelta({ rho, epsilon }: OptimizerParams): Rule {
  return (p, g, [accG, accD], lr) => {
    for (let i = 0; i < p.length; i++) {
      const gi = g[i]!;
      const ag = rho * accG![i]! + (1 - rho) * gi * gi;
      accG![i] = ag;
      const delta = (Math.sqrt(accD![i]! + epsilon) / Math.sqrt(ag + epsilon)) * gi;
      accD![i] = rho * accD![i]! + (1 - rho) * delta * delta;
      p[i] = p[i]! - lr * delta;
    }
  };
}

/**
 * RMSPROP (Keras): v = ρ v + (1−ρ) g²; centred: mg = ρ mg + (1−ρ) g and d = v − mg², else d = v.
 * Without momentum θ −= lr g / (√d + ε); with momentum μ (Keras' fused kernels, ε inside the root)
 * mom = μ mom + lr g / √(d + ε); θ −= mom.
 */
function rmsprop({ rho, epsilon, momentum: mu, centered }: OptimizerParams): Rule {
  if (mu === 0 && !centered) {
    return (p, g, [v], lr) => {
      for (let i = 0; i < p.length; i++) {
        const gi = g[i]!;
        const vi = rho * v![i]! + (1 - rho) * gi * gi;
        v![i] = vi;
        p[i] = p[i]! - (lr * gi) / (Math.sqrt(vi) + epsilon);
      }
    };
  }
  return (p, g, slots, lr) => {
    const v = slots[0]!;
    const mom = mu !== 0 ? slots[1]! : null;
    const mg = centered ? slots[mu !== 0 ? 2 : 1]! : null;
    for (let i = 0; i < p.length; i++) {
      const gi = g[i]!;
      if (mom) v[i] = v[i]! + (gi * gi - v[i]!) * (1 - rho);
      else v[i] = rho * v[i]! + (1 - rho) * gi * gi;
      let d = v[i]!;
      if (mg) {
        mg[i] = mom ? mg[i]! + (gi - mg[i]!) * (1 - rho) : rho * mg[i]! + (1 - rho) * gi;
        d -= mg[i]! * mg[i]!;
      }
      if (mom) {
        mom[i] = mom[i]! * mu + (gi * lr) / Math.sqrt(d + epsilon);
        p[i] = p[i]! - mom[i]!;
      } else p[i] = p[i]! - (lr * gi) / (Math.sqrt(d) + epsilon);
    }
  };
}

const RULES: Record<OptimizerName, (h: OptimizerParams) => Rule> = {
  ADAM: adam,
  SGD: (h) => (h.momentum === 0 ? sgd : momentum(h.momentum, h.nesterov)),
  SGDMOM080: () => momentum(MOMENTUM.SGDMOM080!),
  SGDMOM090: () => momentum(MOMENTUM.SGDMOM090!),
  SGDMOM095: () => momentum(MOMENTUM.SGDMOM095!),
  ADAGRAD: adagrad,
  ADADELTA: adadelta,
  RMSPROP: rmsprop,
};

class SlotOptimizer implements Optimizer {
  private steps: number;
  private readonly slots: Float64Array[];
  private readonly rule: Rule;
  private readonly layout: Slots;

  constructor(
    readonly name: OptimizerName,
    private readonly paramCount: number,
    readonly lr: number,
    hyper: OptimizerParams,
    state?: OptimizerState,
  ) {
    this.rule = RULES[name](hyper);
    this.layout = slotsOf(name, hyper);
    this.slots = this.layout.map(([, init]) => new Float64Array(paramCount).fill(init(hyper)));
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
    this.layout.forEach(([key], k) => {
      slots[key] = Array.from(this.slots[k]!);
    });
    return { name: this.name, lr: this.lr, t: this.steps, slots };
  }

  private restore(state: OptimizerState): void {
    if (state.name !== this.name) throw new Error(`optimizer state is for ${state.name}, not ${this.name}`);
    if (state.lr !== this.lr) throw new Error(`optimizer state has lr ${state.lr}, not ${this.lr}`);
    if (!Number.isInteger(state.t) || state.t < 0) throw new Error(`optimizer state step t must be an integer >= 0, got ${state.t}`);
    this.layout.forEach(([key], k) => {
      const saved = state.slots?.[key];
      if (!Array.isArray(saved) || saved.length !== this.paramCount) {
        throw new Error(`optimizer state slot '${key}' must hold ${this.paramCount} numbers`);
      }
      this.slots[k]!.set(saved);
    });
    this.steps = state.t;
  }
}

/**
 * A fresh optimizer, or one resumed from `state` (which must match name, lr and size), with the
 * Keras defaults of its hyperparameters overridden by `params` (see optimizerParams).
 */
export function createOptimizer(
  name: OptimizerName,
  paramCount: number,
  lr: number,
  state?: OptimizerState,
  params: Readonly<Partial<Record<OptimizerParamKey, unknown>>> = {},
): Optimizer {
  if (!OPTIMIZER_NAMES.includes(name)) {
    throw new Error(`unknown optimizer '${String(name)}'; accepted values: ${OPTIMIZER_NAMES.join(', ')}`);
  }
  if (!Number.isInteger(paramCount) || paramCount < 0) {
    throw new Error(`paramCount must be an integer >= 0, got ${paramCount}`);
  }
  if (!Number.isFinite(lr) || lr <= 0) throw new Error(`learning rate must be a finite number > 0, got ${lr}`);
  return new SlotOptimizer(name, paramCount, lr, optimizerParams(name, params), state);
}
