/** Sums over all elements or over one axis; mean is a sum times a constant. */
import { registerKernel, runKernel, type Kernel } from '../kernel.js';
import { Tensor } from '../tensor.js';
import { mul } from './binary.js';

interface SumAttrs {
  axis: number | null;
}

/** Splits a shape around `axis` into (outer, axis length, inner) block sizes. */
export function axisBlocks(shape: readonly number[], axis: number): [number, number, number] {
  if (!Number.isInteger(axis) || axis < 0 || axis >= shape.length) {
    throw new Error(`axis ${axis} is out of range for shape [${shape.join(', ')}]`);
  }
  let outer = 1;
  let inner = 1;
  for (let i = 0; i < axis; i++) outer *= shape[i]!;
  for (let i = axis + 1; i < shape.length; i++) inner *= shape[i]!;
  return [outer, shape[axis]!, inner];
}

const kernel: Kernel<SumAttrs> = registerKernel<SumAttrs>({
  name: 'Sum',
  forward: ([x], { axis }) => {
    if (axis === null) {
      let s = 0;
      for (const v of x!.data) s += v;
      return { data: Float64Array.of(s), shape: [] };
    }
    const [outer, len, inner] = axisBlocks(x!.shape, axis);
    const out = new Float64Array(outer * inner);
    for (let o = 0; o < outer; o++)
      for (let a = 0; a < len; a++)
        for (let i = 0; i < inner; i++) out[o * inner + i]! += x!.data[(o * len + a) * inner + i]!;
    return { data: out, shape: x!.shape.filter((_, i) => i !== axis) };
  },
  vjp: (g, [x], _y, { axis }) => {
    const xb = new Float64Array(x!.size);
    if (axis === null) return [xb.fill(g[0]!)];
    const [outer, len, inner] = axisBlocks(x!.shape, axis);
    for (let o = 0; o < outer; o++)
      for (let a = 0; a < len; a++)
        for (let i = 0; i < inner; i++) xb[(o * len + a) * inner + i] = g[o * inner + i]!;
    return [xb];
  },
});

export function sum(x: Tensor, axis: number | null = null): Tensor {
  return runKernel(kernel, [x], { axis });
}

export function mean(x: Tensor, axis: number | null = null): Tensor {
  const count = axis === null ? x.size : x.shape[axis]!;
  return mul(sum(x, axis), 1 / count);
}
