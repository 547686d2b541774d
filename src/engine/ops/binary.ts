/**
 * Element-wise binary ops with NumPy broadcasting. The VJP sums each input's
 * cotangent over the axes it was broadcast along.
 */
import { registerKernel, runKernel, type Kernel } from '../kernel.js';
import { Tensor, sizeOf, tensor, type Shape } from '../tensor.js';

export type TensorLike = Tensor | number;

export function asTensor(x: TensorLike): Tensor {
  return typeof x === 'number' ? tensor(x) : x;
}

export function broadcastShapes(a: Shape, b: Shape): number[] {
  const n = Math.max(a.length, b.length);
  const out: number[] = [];
  for (let i = 0; i < n; i++) {
    const da = a[a.length - n + i] ?? 1;
    const db = b[b.length - n + i] ?? 1;
    if (da !== db && da !== 1 && db !== 1) {
      throw new Error(`shapes [${a.join(', ')}] and [${b.join(', ')}] do not broadcast`);
    }
    out.push(da === 1 ? db : da);
  }
  return out;
}

/** For every flat index of `out`, the flat index into an input of shape `inShape` broadcast to it. */
function broadcastIndex(inShape: Shape, out: Shape): Int32Array {
  const n = sizeOf(out);
  const idx = new Int32Array(n);
  const rank = out.length;
  const strides = new Array<number>(rank).fill(0);
  let s = 1;
  for (let i = rank - 1; i >= 0; i--) {
    const d = inShape[inShape.length - rank + i] ?? 1;
    strides[i] = d === 1 ? 0 : s;
    s *= d;
  }
  const pos = new Array<number>(rank).fill(0);
  for (let k = 0; k < n; k++) {
    let j = 0;
    for (let i = 0; i < rank; i++) j += pos[i]! * strides[i]!;
    idx[k] = j;
    for (let i = rank - 1; i >= 0; i--) {
      if (++pos[i]! < out[i]!) break;
      pos[i] = 0;
    }
  }
  return idx;
}

interface BinarySpec {
  name: string;
  f: (a: number, b: number) => number;
  /** ∂f/∂a and ∂f/∂b at (a, b). */
  da: (a: number, b: number) => number;
  db: (a: number, b: number) => number;
}

function binaryKernel(spec: BinarySpec): (a: TensorLike, b: TensorLike) => Tensor {
  const kernel: Kernel = registerKernel({
    name: spec.name,
    forward: ([a, b]) => {
      const shape = broadcastShapes(a!.shape, b!.shape);
      const ia = broadcastIndex(a!.shape, shape);
      const ib = broadcastIndex(b!.shape, shape);
      const out = new Float64Array(ia.length);
      for (let k = 0; k < out.length; k++) out[k] = spec.f(a!.data[ia[k]!]!, b!.data[ib[k]!]!);
      return { data: out, shape };
    },
    vjp: (g, [a, b], y) => {
      const ia = broadcastIndex(a!.shape, y.shape);
      const ib = broadcastIndex(b!.shape, y.shape);
      const ga = a!.traced ? new Float64Array(a!.size) : null;
      const gb = b!.traced ? new Float64Array(b!.size) : null;
      for (let k = 0; k < g.length; k++) {
        const av = a!.data[ia[k]!]!;
        const bv = b!.data[ib[k]!]!;
        if (ga) ga[ia[k]!]! += g[k]! * spec.da(av, bv);
        if (gb) gb[ib[k]!]! += g[k]! * spec.db(av, bv);
      }
      return [ga, gb];
    },
  });
  return (a, b) => runKernel(kernel, [asTensor(a), asTensor(b)], undefined);
}

export const add = binaryKernel({ name: 'Add', f: (a, b) => a + b, da: () => 1, db: () => 1 });
export const sub = binaryKernel({ name: 'Sub', f: (a, b) => a - b, da: () => 1, db: () => -1 });
export const mul = binaryKernel({ name: 'Mul', f: (a, b) => a * b, da: (_a, b) => b, db: (a) => a });
export const div = binaryKernel({ name: 'Div', f: (a, b) => a / b, da: (_a, b) => 1 / b, db: (a, b) => -a / (b * b) });
