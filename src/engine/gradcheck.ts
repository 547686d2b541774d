/**
 * Gradient check: the VJP of `f` against central finite differences in float64.
 *
 * A random cotangent w reduces f to the scalar s(x) = ⟨w, f(x)⟩, so one pullback
 * gives ∇s for every input and each element is compared with
 * (s(x + h·e_i) − s(x − h·e_i)) / 2h.
 */
import { Tensor, vjp } from './tensor.js';
import { Rng } from './random.js';

export interface GradcheckOptions {
  /** Finite-difference step (default 1e-6). */
  h?: number;
  /** Seed of the random cotangent (default 1). */
  seed?: number;
}

export interface GradcheckResult {
  /** max |analytic − numeric| / max(|numeric|∞, 1e-12), over every input. */
  maxRelError: number;
  /** Per input: analytic and numeric gradients of ⟨w, f⟩. */
  perInput: { analytic: Float64Array; numeric: Float64Array; relError: number }[];
}

export function gradcheck(f: (...xs: Tensor[]) => Tensor, inputs: readonly Tensor[], opts: GradcheckOptions = {}): GradcheckResult {
  const h = opts.h ?? 1e-6;
  const rng = new Rng(opts.seed ?? 1);
  const { value, pullback } = vjp(f, inputs);
  const w = new Float64Array(value.size);
  for (let i = 0; i < w.length; i++) w[i] = rng.uniform(-1, 1);
  const analytic = pullback(w);
  const scalar = (xs: Tensor[]): number => {
    const y = f(...xs).data;
    let s = 0;
    for (let i = 0; i < y.length; i++) s += w[i]! * y[i]!;
    return s;
  };
  const perInput = inputs.map((x, k) => {
    const numeric = new Float64Array(x.size);
    for (let i = 0; i < x.size; i++) {
      const shifted = (delta: number): Tensor[] =>
        inputs.map((y, j) => {
          if (j !== k) return y;
          const d = Float64Array.from(y.data);
          d[i]! += delta;
          return new Tensor(d, y.shape);
        });
      numeric[i] = (scalar(shifted(h)) - scalar(shifted(-h))) / (2 * h);
    }
    let scale = 1e-12;
    let err = 0;
    for (let i = 0; i < numeric.length; i++) {
      scale = Math.max(scale, Math.abs(numeric[i]!));
      err = Math.max(err, Math.abs(numeric[i]! - analytic[k]![i]!));
    }
    return { analytic: analytic[k]!, numeric, relError: err / scale };
  });
  return { maxRelError: Math.max(0, ...perInput.map((p) => p.relError)), perInput };
}
