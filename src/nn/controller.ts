import type { Rng } from '../engine/random.js';

/**
 * The controller interface the unroll drives: an architecture (θ lives outside, as in JAX) with a fused forward and a
 * hand-written backward over many rows (samples × steps) at once.
 *
 * Rows are addressed by index into preallocated workspaces so that the time loop
 * never allocates: step n of a batch of B owns rows [n·B, (n+1)·B).
 */

/** One named parameter array inside the flat parameter vector (Keras layouts). */
export interface ParamSpec {
  readonly name: string;
  readonly shape: readonly number[];
  readonly offset: number;
  readonly size: number;
}

/** Activations of `rows` rows: whatever the network needs to go backwards. Opaque to callers. */
export interface Activations {
  readonly rows: number;
}

/** Per-row adjoints (pre-activation cotangents) of `rows` rows. Opaque to callers. */
export interface Adjoints {
  readonly rows: number;
}

export interface Controller {
  /** Numbers per row in and out. */
  readonly inputSize: number;
  readonly outputSize: number;
  /** Where each named parameter array sits in the flat parameter vector θ. */
  readonly layout: readonly ParamSpec[];
  readonly paramCount: number;
  /** A fresh θ drawn as the architecture's initialisers say. */
  initParams(rng: Rng): Float64Array;
  /** Total multiply-adds of one forward row (for FLOP counts). */
  readonly macsPerRow: number;
  createActivations(rows: number): Activations;
  createAdjoints(rows: number): Adjoints;
  /**
   * y[n][out] = N(x[n][in]) for rows r0 … r0+n−1 of `acts`; x and y start at the given offsets.
   */
  forward(params: Float64Array, x: Float64Array, xOff: number, y: Float64Array, yOff: number, r0: number, n: number, acts: Activations): void;
  /**
   * From output cotangents yBar[n][out] (at yOff) of rows r0…: fills `adj` at those rows and,
   * when xBar is given, ADDS the input cotangent (∂N/∂x)ᵀ·yBar into xBar[n][in] at xOff.
   */
  backward(
    params: Float64Array,
    yBar: Float64Array,
    yOff: number,
    r0: number,
    n: number,
    acts: Activations,
    adj: Adjoints,
    xBar: Float64Array | null,
    xOff: number,
  ): void;
  /**
   * grads[k] += Σ over rows r0… of (∂N/∂θ)ᵀ (the cotangent stored in adjs[k]). Several adjoint
   * sets share one pass over the activations (mode C carries two).
   */
  accumulateParamGrad(acts: Activations, adjs: readonly Adjoints[], r0: number, n: number, grads: readonly Float64Array[]): void;
  /**
   * Gives a set made by createActivations / createAdjoints back (controllers that keep sets in
   * memory of their own; the set is unusable after). Without it a set lives as long as the
   * controller.
   */
  release?(set: Activations | Adjoints): void;
}

/** Lays out named parameter shapes in one flat vector. */
export function layoutParams(specs: readonly { name: string; shape: readonly number[] }[]): ParamSpec[] {
  let offset = 0;
  return specs.map(({ name, shape }) => {
    const size = shape.reduce((a, b) => a * b, 1);
    const spec = { name, shape, offset, size };
    offset += size;
    return spec;
  });
}

export function paramCount(layout: readonly ParamSpec[]): number {
  return layout.reduce((a, p) => a + p.size, 0);
}
