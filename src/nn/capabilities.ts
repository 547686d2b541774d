/**
 * Optional controller capabilities the unroll uses when a controller has them (feature-tested,
 * so the Controller interface itself stays as it is).
 */
import type { Precision } from '../kernels/module.js';
import type { Adjoints, Controller } from './controller.js';

/**
 * For networks with one output number per row: every adjoint the backward pass produces is
 * linear in that row's output cotangent ĉ, so the adjoints for ĉ are ĉ times those for 1 (the
 * row's Jacobian at the forward pass's activations). One backward pass with ĉ = 1 over all Nt·B
 * rows then serves every backward sweep of every mode (mode C's two included), batched instead of
 * step by step; each sweep only scales rows. The network's input Jacobian (∂N/∂x, inputSize
 * numbers per row) comes from the same pass and is all a sweep's time loop needs of the network.
 */
export interface AdjointScaling {
  /**
   * Rows r0 … r0+n−1 of `dst` = s[sOff + r − r0] × the same rows of `src`: the adjoints for output
   * cotangent s, given `src` = the adjoints for output cotangent 1.
   */
  scaleAdjoints(src: Adjoints, s: Float64Array, sOff: number, r0: number, n: number, dst: Adjoints): void;
}

/** True when `c` has one output per row and can scale its adjoints. */
export function scalesAdjoints(c: Controller): c is Controller & AdjointScaling {
  return c.outputSize === 1 && typeof (c as Partial<AdjointScaling>).scaleAdjoints === 'function';
}

/**
 * A controller that can keep θ in a faster form (e.g. copied into WebAssembly memory) across the
 * many calls of one pass. Between bind and release every call receives exactly `params`, and
 * nobody writes to it.
 */
export interface ParamBinding {
  bindParams(params: Float64Array): void;
  releaseParams(): void;
}

export function bindsParams(c: Controller): c is Controller & ParamBinding {
  const b = c as Partial<ParamBinding>;
  return typeof b.bindParams === 'function' && typeof b.releaseParams === 'function';
}

/** A controller that can be rebuilt with its products in another precision (same architecture and θ layout). */
export interface PrecisionChoice {
  readonly precision: Precision;
  withPrecision(precision: Precision): Controller;
}

export function choosesPrecision(c: Controller): c is Controller & PrecisionChoice {
  return typeof (c as Partial<PrecisionChoice>).withPrecision === 'function';
}

/**
 * `c` with its products in `precision`: itself when it already is (or f64 is asked of a controller
 * without the choice); an error when f32 is asked of one that cannot.
 */
export function atPrecision(c: Controller, precision: Precision): Controller {
  if (choosesPrecision(c)) return c.precision === precision ? c : c.withPrecision(precision);
  if (precision === 'f64') return c;
  throw new Error(`--precision: this controller computes in f64 only`);
}
