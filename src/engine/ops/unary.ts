/**
 * Element-wise unary ops. Each is two loops written side by side: the forward y = f(x) and
 * the backward x̄ += ȳ·f′(x) (in terms of x and y). Explicit loops per op, not a shared loop
 * calling f per element: that keeps every loop monomorphic, which the recorded hot path needs.
 */
import { registerKernel, runKernel, type Kernel } from '../kernel.js';
import { sizeOf, type Tensor } from '../tensor.js';

type Forward<A> = (x: Float64Array, y: Float64Array, n: number, attrs: A) => void;
/** Adds ȳ·f′ into xb. */
type Backward<A> = (g: Float64Array, x: Float64Array, y: Float64Array, xb: Float64Array, n: number, attrs: A) => void;

/** Registers a unary kernel; `backward` null marks an op with zero gradient (sign). */
function unaryKernel<A>(name: string, forward: Forward<A>, backward: Backward<A> | null): Kernel<A> {
  return registerKernel<A>({
    name,
    ...(backward ? {} : { noGradientInputs: [0] }),
    plan: ([shape], attrs) => {
      const outShape = shape!;
      const n = sizeOf(outShape);
      return {
        outShape,
        singleTerm: [true],
        forward: (ins, out) => forward(ins[0]!, out, n, attrs),
        backward: (g, ins, out, bars) => {
          const xb = bars[0];
          if (xb && backward) backward(g, ins[0]!, out, xb, n, attrs);
        },
      };
    },
  });
}

function unary(name: string, forward: Forward<undefined>, backward: Backward<undefined> | null): (x: Tensor) => Tensor {
  const kernel = unaryKernel(name, forward, backward);
  return (x) => runKernel(kernel, [x], undefined);
}

export const neg = unary(
  'Neg',
  (x, y, n) => { for (let i = 0; i < n; i++) y[i] = -x[i]!; },
  (g, _x, _y, xb, n) => { for (let i = 0; i < n; i++) xb[i]! += g[i]! * -1; },
);
export const sin = unary(
  'Sin',
  (x, y, n) => { for (let i = 0; i < n; i++) y[i] = Math.sin(x[i]!); },
  (g, x, _y, xb, n) => { for (let i = 0; i < n; i++) xb[i]! += g[i]! * Math.cos(x[i]!); },
);
export const cos = unary(
  'Cos',
  (x, y, n) => { for (let i = 0; i < n; i++) y[i] = Math.cos(x[i]!); },
  (g, x, _y, xb, n) => { for (let i = 0; i < n; i++) xb[i]! += g[i]! * -Math.sin(x[i]!); },
);
export const tan = unary(
  'Tan',
  (x, y, n) => { for (let i = 0; i < n; i++) y[i] = Math.tan(x[i]!); },
  (g, _x, y, xb, n) => { for (let i = 0; i < n; i++) xb[i]! += g[i]! * (1 + y[i]! * y[i]!); },
);
export const atan = unary(
  'Atan',
  (x, y, n) => { for (let i = 0; i < n; i++) y[i] = Math.atan(x[i]!); },
  (g, x, _y, xb, n) => { for (let i = 0; i < n; i++) xb[i]! += g[i]! / (1 + x[i]! * x[i]!); },
);
export const tanh = unary(
  'Tanh',
  (x, y, n) => { for (let i = 0; i < n; i++) y[i] = Math.tanh(x[i]!); },
  (g, _x, y, xb, n) => { for (let i = 0; i < n; i++) xb[i]! += g[i]! * (1 - y[i]! * y[i]!); },
);
export const exp = unary(
  'Exp',
  (x, y, n) => { for (let i = 0; i < n; i++) y[i] = Math.exp(x[i]!); },
  (g, _x, y, xb, n) => { for (let i = 0; i < n; i++) xb[i]! += g[i]! * y[i]!; },
);
export const log = unary(
  'Log',
  (x, y, n) => { for (let i = 0; i < n; i++) y[i] = Math.log(x[i]!); },
  (g, x, _y, xb, n) => { for (let i = 0; i < n; i++) xb[i]! += g[i]! * (1 / x[i]!); },
);
export const sqrt = unary(
  'Sqrt',
  (x, y, n) => { for (let i = 0; i < n; i++) y[i] = Math.sqrt(x[i]!); },
  (g, _x, y, xb, n) => { for (let i = 0; i < n; i++) xb[i]! += g[i]! * (0.5 / y[i]!); },
);
export const square = unary(
  'Square',
  (x, y, n) => { for (let i = 0; i < n; i++) y[i] = x[i]! * x[i]!; },
  (g, x, _y, xb, n) => { for (let i = 0; i < n; i++) xb[i]! += g[i]! * (2 * x[i]!); },
);
/** |x|; gradient sign(x), 0 at 0. */
export const abs = unary(
  'Abs',
  (x, y, n) => { for (let i = 0; i < n; i++) y[i] = Math.abs(x[i]!); },
  (g, x, _y, xb, n) => { for (let i = 0; i < n; i++) xb[i]! += g[i]! * Math.sign(x[i]!); },
);
/** max(x, 0); gradient 1 for x > 0, 0 for x ≤ 0. */
export const relu = unary(
  'Relu',
  (x, y, n) => { for (let i = 0; i < n; i++) y[i] = x[i]! > 0 ? x[i]! : 0; },
  (g, x, _y, xb, n) => { for (let i = 0; i < n; i++) if (x[i]! > 0) xb[i]! += g[i]!; },
);
/** 1 / (1 + e^−x). */
export const sigmoid = unary(
  'Sigmoid',
  (x, y, n) => { for (let i = 0; i < n; i++) y[i] = 1 / (1 + Math.exp(-x[i]!)); },
  (g, _x, y, xb, n) => { for (let i = 0; i < n; i++) xb[i]! += g[i]! * (y[i]! * (1 - y[i]!)); },
);
/** −1, 0 or 1; its gradient is zero (no cotangent flows through it). */
export const sign = unary('Sign', (x, y, n) => { for (let i = 0; i < n; i++) y[i] = Math.sign(x[i]!); }, null);

interface ClipAttrs {
  lo: number;
  hi: number;
}

const clipKernel = unaryKernel<ClipAttrs>(
  'Clip',
  (x, y, n, { lo, hi }) => { for (let i = 0; i < n; i++) y[i] = x[i]! < lo ? lo : x[i]! > hi ? hi : x[i]!; },
  (g, x, _y, xb, n, { lo, hi }) => { for (let i = 0; i < n; i++) if (x[i]! >= lo && x[i]! <= hi) xb[i]! += g[i]!; },
);

/** x limited to [lo, hi]; the gradient passes where lo ≤ x ≤ hi (boundaries included) and is 0 outside. */
export function clip(x: Tensor, lo: number, hi: number): Tensor {
  if (!(lo <= hi)) throw new Error(`clip needs lo ≤ hi, got lo=${lo}, hi=${hi}`);
  return runKernel(clipKernel, [x], { lo, hi });
}
