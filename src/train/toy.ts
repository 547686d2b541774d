/**
 * The 2-D illustration of toy.md (the paper's Figure 2): Adam follows the
 * gradient of L(θ) = θ₁² + θ₂², a rotated copy of it, and their sign-agreement
 * combination. The rotated field has a curl, which makes Adam orbit the minimum.
 */
import { combineSignAgreement } from '../bptt/combine.js';
import { createOptimizer } from '../optim/optimizers.js';

export type ToyFieldKind = 'gradient' | 'rotated' | 'combined';

export const TOY_FIELD_KINDS: readonly ToyFieldKind[] = ['gradient', 'rotated', 'combined'];

export interface ToyOptions {
  /** Clockwise rotation of the gradient in degrees: r = R(−angle)·g. */
  angleDeg: number;
  /** Adam learning rate. */
  lr: number;
  iterations: number;
  start: [number, number];
  /** The reported loss is the mean over this many final iterations. */
  lastMean: number;
}

export const TOY_DEFAULTS: Readonly<ToyOptions> = Object.freeze({
  angleDeg: 60,
  lr: 0.1,
  iterations: 200,
  start: [2, 4] as [number, number],
  lastMean: 50,
});

export interface ToyRun {
  /** L after each iteration (length = iterations). */
  losses: number[];
  /** θ before the first and after every iteration (length = iterations + 1). */
  trajectory: [number, number][];
  /** Mean of the last `lastMean` losses. */
  finalMeanLoss: number;
}

export type ToyResult = Record<ToyFieldKind, ToyRun> & { options: ToyOptions };

export function toyLoss(theta: ArrayLike<number>): number {
  return theta[0]! * theta[0]! + theta[1]! * theta[1]!;
}

/**
 * Writes the field of `kind` at θ into `out` (length 2) and returns it.
 * gradient g = 2θ; rotated r = R(−angle)·g; combined keeps r_i where its sign
 * agrees with g_i (r is the base, g the comparison, as in method.md).
 */
export function toyField(kind: ToyFieldKind, theta: ArrayLike<number>, angleDeg: number, out: Float64Array): Float64Array {
  if (out.length !== 2) throw new Error(`toyField: out must have length 2, got ${out.length}`);
  const g0 = 2 * theta[0]!;
  const g1 = 2 * theta[1]!;
  if (kind === 'gradient') {
    out[0] = g0;
    out[1] = g1;
    return out;
  }
  const a = (angleDeg * Math.PI) / 180;
  const cos = Math.cos(a);
  const sin = Math.sin(a);
  // R(−a) = [[cos, sin], [−sin, cos]]: a clockwise turn by a.
  const r0 = cos * g0 + sin * g1;
  const r1 = -sin * g0 + cos * g1;
  if (kind === 'rotated') {
    out[0] = r0;
    out[1] = r1;
    return out;
  }
  if (kind === 'combined') {
    return combineSignAgreement(Float64Array.of(r0, r1), Float64Array.of(g0, g1), out);
  }
  throw new Error(`toyField: unknown kind '${String(kind)}'; accepted values: ${TOY_FIELD_KINDS.join(', ')}`);
}

/** Most iterations a toy run may take (each keeps its loss and point: three fields × this many). */
export const MAX_TOY_ITERATIONS = 100_000;

function validate(opts: ToyOptions): void {
  if (!Number.isFinite(opts.angleDeg)) throw new Error(`toy option angleDeg must be a finite number (degrees), got ${opts.angleDeg}`);
  if (!Number.isFinite(opts.lr) || opts.lr <= 0) throw new Error(`toy option lr must be a finite number > 0, got ${opts.lr}`);
  if (!Number.isInteger(opts.iterations) || opts.iterations < 1 || opts.iterations > MAX_TOY_ITERATIONS) {
    throw new Error(`toy option iterations must be an integer from 1 to ${MAX_TOY_ITERATIONS}, got ${opts.iterations}`);
  }
  const s = opts.start;
  if (!Array.isArray(s) || s.length !== 2 || !s.every((x) => typeof x === 'number' && Number.isFinite(x))) {
    throw new Error(`toy option start must be two finite numbers [θ1, θ2], got ${JSON.stringify(s)}`);
  }
  if (!Number.isInteger(opts.lastMean) || opts.lastMean < 1 || opts.lastMean > opts.iterations) {
    throw new Error(`toy option lastMean must be an integer in [1, iterations=${opts.iterations}], got ${opts.lastMean}`);
  }
}

function runOne(kind: ToyFieldKind, opts: ToyOptions): ToyRun {
  const theta = Float64Array.from(opts.start);
  const field = new Float64Array(2);
  const adam = createOptimizer('ADAM', 2, opts.lr);
  const losses: number[] = [];
  const trajectory: [number, number][] = [[theta[0]!, theta[1]!]];
  for (let it = 0; it < opts.iterations; it++) {
    adam.step(theta, toyField(kind, theta, opts.angleDeg, field));
    losses.push(toyLoss(theta));
    trajectory.push([theta[0]!, theta[1]!]);
  }
  let sum = 0;
  for (let i = losses.length - opts.lastMean; i < losses.length; i++) sum += losses[i]!;
  return { losses, trajectory, finalMeanLoss: sum / opts.lastMean };
}

/** Runs Adam on all three fields from the same start; options default to TOY_DEFAULTS. */
export function runToy(opts: Partial<ToyOptions> = {}): ToyResult {
  // Copy start so the caller's array (or the frozen default) is never aliased.
  const start = opts.start === undefined ? TOY_DEFAULTS.start : opts.start;
  const full: ToyOptions = { ...TOY_DEFAULTS, ...opts, start: Array.isArray(start) ? ([...start] as [number, number]) : start };
  validate(full);
  return {
    options: full,
    gradient: runOne('gradient', full),
    rotated: runOne('rotated', full),
    combined: runOne('combined', full),
  };
}
