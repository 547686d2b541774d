/**
 * Comparisons (0/1 masks, not differentiated) and `where`, the select that replaces value
 * branches in code that is recorded: `record` replays one graph, so a simulator must not
 * branch on tensor values with `if` — it computes both sides and selects per element.
 */
import { registerKernel, runKernel, type Kernel } from '../kernel.js';
import { sizeOf, type Tensor } from '../tensor.js';
import { asTensor, binaryKernel, type TensorLike } from './binary.js';
import { broadcastIndex, broadcastShapes } from './indexing.js';

function comparison(name: string, forward: Parameters<typeof binaryKernel>[1]): (a: TensorLike, b: TensorLike) => Tensor {
  const kernel = binaryKernel(name, forward, null);
  return (a, b) => runKernel(kernel, [asTensor(a), asTensor(b)], undefined);
}

/** 1 where a > b, else 0 (broadcasting); no gradient flows through a mask. */
export const greater = comparison('Greater', (a, b, out, ia, ib) => {
  for (let k = 0; k < out.length; k++) out[k] = a[ia[k]!]! > b[ib[k]!]! ? 1 : 0;
});
/** 1 where a < b, else 0. */
export const less = comparison('Less', (a, b, out, ia, ib) => {
  for (let k = 0; k < out.length; k++) out[k] = a[ia[k]!]! < b[ib[k]!]! ? 1 : 0;
});
/** 1 where a ≥ b, else 0. */
export const greaterEqual = comparison('GreaterEqual', (a, b, out, ia, ib) => {
  for (let k = 0; k < out.length; k++) out[k] = a[ia[k]!]! >= b[ib[k]!]! ? 1 : 0;
});
/** 1 where a ≤ b, else 0. */
export const lessEqual = comparison('LessEqual', (a, b, out, ia, ib) => {
  for (let k = 0; k < out.length; k++) out[k] = a[ia[k]!]! <= b[ib[k]!]! ? 1 : 0;
});
/** 1 where a = b, else 0. */
export const equal = comparison('Equal', (a, b, out, ia, ib) => {
  for (let k = 0; k < out.length; k++) out[k] = a[ia[k]!]! === b[ib[k]!]! ? 1 : 0;
});

const whereKernel: Kernel = registerKernel({
  name: 'Where',
  noGradientInputs: [0],
  plan: ([sc, sa, sb]) => {
    const outShape = broadcastShapes(sc!, sa!, sb!);
    const ic = broadcastIndex(sc!, outShape);
    const ia = broadcastIndex(sa!, outShape);
    const ib = broadcastIndex(sb!, outShape);
    return {
      outShape,
      singleTerm: [true, ia.length === sizeOf(sa!), ib.length === sizeOf(sb!)],
      forward: (ins, out) => {
        const c = ins[0]!, a = ins[1]!, b = ins[2]!;
        for (let k = 0; k < out.length; k++) out[k] = c[ic[k]!]! !== 0 ? a[ia[k]!]! : b[ib[k]!]!;
      },
      backward: (g, ins, _out, bars) => {
        const c = ins[0]!, ga = bars[1], gb = bars[2];
        // Only the selected side receives the cotangent (no 0·∞ from the other side).
        for (let k = 0; k < g.length; k++) {
          if (c[ic[k]!]! !== 0) {
            if (ga) ga[ia[k]!]! += g[k]!;
          } else if (gb) gb[ib[k]!]! += g[k]!;
        }
      },
    };
  },
});

/**
 * Per element (with broadcasting): a where cond ≠ 0, else b. The condition is not
 * differentiated; the cotangent goes to the selected side only. NaN conditions select a.
 *
 * Both sides are computed everywhere, and the ops that made the unselected side still see a
 * zero cotangent: 0 times an infinite or NaN derivative there (sqrt or log of a negative, a
 * division by zero) is NaN, as in JAX. Keep the unselected side finite, e.g.
 * `where(greater(x, 0), sqrt(maximum(x, 1e-300)), 0)` rather than `sqrt(x)`.
 */
export function where(cond: TensorLike, a: TensorLike, b: TensorLike): Tensor {
  return runKernel(whereKernel, [asTensor(cond), asTensor(a), asTensor(b)], undefined);
}
