/**
 * Element-wise binary ops with NumPy broadcasting. The plan maps every output element to
 * the element of each input it reads (an index map, shared for same-shape and scalar
 * inputs); the backward adds through the same maps, which sums each input's cotangent over
 * the axes it was broadcast along.
 */
import { registerKernel, runKernel, type Kernel } from '../kernel.js';
import { Tensor, sizeOf, tensor } from '../tensor.js';
import { broadcastIndex, broadcastShapes } from './indexing.js';


export type TensorLike = Tensor | number;

export function asTensor(x: TensorLike): Tensor {
  return typeof x === 'number' ? tensor(x) : x;
}

/** out[k] = f(a[ia[k]], b[ib[k]]) for k < out.length. */
type Forward = (a: Float64Array, b: Float64Array, out: Float64Array, ia: Int32Array, ib: Int32Array) => void;
/** Adds the cotangents through the maps into ga and/or gb (either may be null). */
type Backward = (
  g: Float64Array, a: Float64Array, b: Float64Array, out: Float64Array,
  ia: Int32Array, ib: Int32Array, ga: Float64Array | null, gb: Float64Array | null,
) => void;

/** Registers a broadcasting binary kernel; `backward` null marks a non-differentiable op (comparisons). */
export function binaryKernel(name: string, forward: Forward, backward: Backward | null): Kernel {
  return registerKernel({
    name,
    ...(backward ? {} : { noGradientInputs: [0, 1] }),
    plan: ([sa, sb]) => {
      const outShape = broadcastShapes(sa!, sb!);
      const ia = broadcastIndex(sa!, outShape);
      const ib = broadcastIndex(sb!, outShape);
      return {
        outShape,
        // Element-wise loops over k add a's term before b's; a broadcast input gets several.
        singleTerm: [ia.length === sizeOf(sa!), ib.length === sizeOf(sb!)],
        forward: (ins, out) => forward(ins[0]!, ins[1]!, out, ia, ib),
        backward: (g, ins, out, bars) => {
          if (backward && (bars[0] || bars[1])) backward(g, ins[0]!, ins[1]!, out, ia, ib, bars[0] ?? null, bars[1] ?? null);
        },
      };
    },
  });
}

function binary(name: string, forward: Forward, backward: Backward | null): (a: TensorLike, b: TensorLike) => Tensor {
  const kernel = binaryKernel(name, forward, backward);
  return (a, b) => runKernel(kernel, [asTensor(a), asTensor(b)], undefined);
}

export const add = binary(
  'Add',
  (a, b, out, ia, ib) => { for (let k = 0; k < out.length; k++) out[k] = a[ia[k]!]! + b[ib[k]!]!; },
  (g, _a, _b, _y, ia, ib, ga, gb) => {
    for (let k = 0; k < g.length; k++) {
      if (ga) ga[ia[k]!]! += g[k]!;
      if (gb) gb[ib[k]!]! += g[k]!;
    }
  },
);

export const sub = binary(
  'Sub',
  (a, b, out, ia, ib) => { for (let k = 0; k < out.length; k++) out[k] = a[ia[k]!]! - b[ib[k]!]!; },
  (g, _a, _b, _y, ia, ib, ga, gb) => {
    for (let k = 0; k < g.length; k++) {
      if (ga) ga[ia[k]!]! += g[k]!;
      if (gb) gb[ib[k]!]! += g[k]! * -1;
    }
  },
);

export const mul = binary(
  'Mul',
  (a, b, out, ia, ib) => { for (let k = 0; k < out.length; k++) out[k] = a[ia[k]!]! * b[ib[k]!]!; },
  (g, a, b, _y, ia, ib, ga, gb) => {
    for (let k = 0; k < g.length; k++) {
      if (ga) ga[ia[k]!]! += g[k]! * b[ib[k]!]!;
      if (gb) gb[ib[k]!]! += g[k]! * a[ia[k]!]!;
    }
  },
);

export const div = binary(
  'Div',
  (a, b, out, ia, ib) => { for (let k = 0; k < out.length; k++) out[k] = a[ia[k]!]! / b[ib[k]!]!; },
  (g, a, b, _y, ia, ib, ga, gb) => {
    for (let k = 0; k < g.length; k++) {
      const bv = b[ib[k]!]!;
      if (ga) ga[ia[k]!]! += g[k]! * (1 / bv);
      if (gb) gb[ib[k]!]! += g[k]! * (-a[ia[k]!]! / (bv * bv));
    }
  },
);

/**
 * a^b. ∂/∂a = b·a^(b−1); ∂/∂b = a^b·ln a, taken as 0 where a = 0 (the limit for b > 0) and
 * NaN for a < 0, where a^b is not real for general b.
 */
export const pow = binary(
  'Pow',
  (a, b, out, ia, ib) => { for (let k = 0; k < out.length; k++) out[k] = Math.pow(a[ia[k]!]!, b[ib[k]!]!); },
  (g, a, b, y, ia, ib, ga, gb) => {
    for (let k = 0; k < g.length; k++) {
      const av = a[ia[k]!]!;
      const bv = b[ib[k]!]!;
      if (ga) ga[ia[k]!]! += g[k]! * (bv * Math.pow(av, bv - 1));
      if (gb) gb[ib[k]!]! += av === 0 ? 0 : g[k]! * (y[k]! * Math.log(av));
    }
  },
);

/** The angle of the point (x, y): atan2(y, x) in (−π, π]. */
export const atan2 = binary(
  'Atan2',
  (y, x, out, iy, ix) => { for (let k = 0; k < out.length; k++) out[k] = Math.atan2(y[iy[k]!]!, x[ix[k]!]!); },
  (g, y, x, _o, iy, ix, gy, gx) => {
    for (let k = 0; k < g.length; k++) {
      const yv = y[iy[k]!]!;
      const xv = x[ix[k]!]!;
      const r2 = xv * xv + yv * yv;
      if (gy) gy[iy[k]!]! += g[k]! * (xv / r2);
      if (gx) gx[ix[k]!]! += g[k]! * (-yv / r2);
    }
  },
);

/** Element-wise max(a, b); on ties (a = b) the whole gradient goes to a. */
export const maximum = binary(
  'Maximum',
  (a, b, out, ia, ib) => { for (let k = 0; k < out.length; k++) out[k] = Math.max(a[ia[k]!]!, b[ib[k]!]!); },
  (g, a, b, _y, ia, ib, ga, gb) => {
    for (let k = 0; k < g.length; k++) {
      if (a[ia[k]!]! >= b[ib[k]!]!) {
        if (ga) ga[ia[k]!]! += g[k]!;
      } else if (gb) gb[ib[k]!]! += g[k]!;
    }
  },
);

/** Element-wise min(a, b); on ties (a = b) the whole gradient goes to a. */
export const minimum = binary(
  'Minimum',
  (a, b, out, ia, ib) => { for (let k = 0; k < out.length; k++) out[k] = Math.min(a[ia[k]!]!, b[ib[k]!]!); },
  (g, a, b, _y, ia, ib, ga, gb) => {
    for (let k = 0; k < g.length; k++) {
      if (a[ia[k]!]! <= b[ib[k]!]!) {
        if (ga) ga[ia[k]!]! += g[k]!;
      } else if (gb) gb[ib[k]!]! += g[k]!;
    }
  },
);
