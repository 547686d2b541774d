/**
 * Reductions over all elements or over any set of axes, optionally keeping the reduced axes
 * as length 1 (so the result broadcasts against the input). The plan maps every input element
 * to the output element it reduces into; the sum runs in the input's row-major order.
 * Mean is a sum times a constant.
 */
import { registerKernel, runKernel, type Kernel, type KernelPlan } from '../kernel.js';
import { sizeOf, type Shape, type Tensor } from '../tensor.js';
import { mul } from './binary.js';
import { normalizeAxis, stridedMap, zeroMap } from './indexing.js';


/** One axis, several axes, or null for every axis; negative axes count from the end. */
export type Axes = number | readonly number[] | null;

interface ReduceAttrs {
  axes: Axes;
  keepDims: boolean;
}

interface Reduction {
  outShape: number[];
  /** For every flat input index, the flat output index it reduces into. */
  map: Int32Array;
}

function reduction(shape: Shape, { axes, keepDims }: ReduceAttrs, what: string): Reduction {
  const rank = shape.length;
  const list = axes === null ? shape.map((_, i) => i) : typeof axes === 'number' ? [axes] : axes;
  const reduced = new Array<boolean>(rank).fill(false);
  for (const a of list) {
    const i = normalizeAxis(a, rank, `${what} axis`);
    if (reduced[i]) throw new Error(`${what}: axis ${a} is given twice`);
    reduced[i] = true;
  }
  const outShape: number[] = [];
  shape.forEach((d, i) => {
    if (!reduced[i]) outShape.push(d);
    else if (keepDims) outShape.push(1);
  });
  if (reduced.every((r) => r)) return { outShape, map: zeroMap(sizeOf(shape)) };
  // Output strides per input axis, 0 along the reduced axes.
  const strides = new Array<number>(rank).fill(0);
  let s = 1;
  for (let i = rank - 1; i >= 0; i--) {
    if (reduced[i]) continue;
    strides[i] = s;
    s *= shape[i]!;
  }
  return { outShape, map: stridedMap(shape, strides) };
}

const sumKernel: Kernel<ReduceAttrs> = registerKernel<ReduceAttrs>({
  name: 'Sum',
  plan: ([shape], attrs) => {
    const { outShape, map } = reduction(shape!, attrs, 'sum');
    return {
      outShape,
      singleTerm: [true], // the backward broadcasts: one term per input element
      forward: (ins, out) => {
        const x = ins[0]!;
        out.fill(0);
        for (let k = 0; k < x.length; k++) out[map[k]!]! += x[k]!;
      },
      backward: (g, _ins, _out, bars) => {
        const xb = bars[0];
        if (xb) for (let k = 0; k < xb.length; k++) xb[k]! += g[map[k]!]!;
      },
    };
  },
});

/** Arg-extremum reductions: forward remembers which element won, backward sends the cotangent there. */
function extremumKernel(name: string, better: (v: number, best: number) => boolean): Kernel<ReduceAttrs> {
  return registerKernel<ReduceAttrs>({
    name,
    plan: ([shape], attrs): KernelPlan => {
      const { outShape, map } = reduction(shape!, attrs, name);
      const winner = new Int32Array(sizeOf(outShape));
      return {
        outShape,
        singleTerm: [true], // the winners are distinct elements
        forward: (ins, out) => {
          const x = ins[0]!;
          winner.fill(-1);
          for (let k = 0; k < x.length; k++) {
            const m = map[k]!;
            if (winner[m]! < 0 || better(x[k]!, out[m]!)) {
              out[m] = x[k]!;
              winner[m] = k;
            }
          }
        },
        backward: (g, _ins, _out, bars) => {
          const xb = bars[0];
          if (xb) for (let m = 0; m < g.length; m++) if (winner[m]! >= 0) xb[winner[m]!]! += g[m]!;
        },
      };
    },
  });
}

// A NaN wins and stays (it propagates, as in Math.max).
const maxKernel = extremumKernel('ReduceMax', (v, best) => best === best && (v > best || v !== v));
const minKernel = extremumKernel('ReduceMin', (v, best) => best === best && (v < best || v !== v));

/** Sum over `axes` (all by default). */
export function sum(x: Tensor, axes: Axes = null, keepDims = false): Tensor {
  return runKernel(sumKernel, [x], { axes, keepDims });
}

/** Mean over `axes` (all by default): the sum times 1/count. */
export function mean(x: Tensor, axes: Axes = null, keepDims = false): Tensor {
  const s = sum(x, axes, keepDims);
  return mul(s, 1 / (x.size / s.size));
}

/**
 * Largest element over `axes` (all by default). The cotangent goes to the first largest
 * element in row-major order (ties: the first wins); a NaN element makes the result NaN.
 */
export function max(x: Tensor, axes: Axes = null, keepDims = false): Tensor {
  return runKernel(maxKernel, [x], { axes, keepDims });
}

/** Smallest element over `axes` (all by default); ties and NaNs as for `max`. */
export function min(x: Tensor, axes: Axes = null, keepDims = false): Tensor {
  return runKernel(minKernel, [x], { axes, keepDims });
}
