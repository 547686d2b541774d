/** Ops that move numbers without arithmetic: reshape, slice along an axis, concat, transpose. */
import { registerKernel, runKernel, type Kernel } from '../kernel.js';
import { Tensor, sizeOf, type Shape } from '../tensor.js';
import { axisBlocks } from './reduce.js';

const reshapeKernel: Kernel<{ shape: Shape }> = registerKernel<{ shape: Shape }>({
  name: 'Reshape',
  forward: ([x], { shape }) => {
    if (sizeOf(shape) !== x!.size) {
      throw new Error(`cannot reshape [${x!.shape.join(', ')}] to [${shape.join(', ')}]`);
    }
    return { data: Float64Array.from(x!.data), shape };
  },
  vjp: (g) => [Float64Array.from(g)],
});

export function reshape(x: Tensor, shape: Shape): Tensor {
  return runKernel(reshapeKernel, [x], { shape });
}

interface SliceAttrs {
  axis: number;
  start: number;
  end: number;
}

const sliceKernel: Kernel<SliceAttrs> = registerKernel<SliceAttrs>({
  name: 'Slice',
  forward: ([x], { axis, start, end }) => {
    const [outer, len, inner] = axisBlocks(x!.shape, axis);
    if (!(0 <= start && start < end && end <= len)) throw new Error(`slice [${start}, ${end}) is outside axis ${axis} of length ${len}`);
    const w = end - start;
    const out = new Float64Array(outer * w * inner);
    for (let o = 0; o < outer; o++) out.set(x!.data.subarray((o * len + start) * inner, (o * len + end) * inner), o * w * inner);
    const shape = [...x!.shape];
    shape[axis] = w;
    return { data: out, shape };
  },
  vjp: (g, [x], _y, { axis, start, end }) => {
    const [outer, len, inner] = axisBlocks(x!.shape, axis);
    const w = end - start;
    const xb = new Float64Array(x!.size);
    for (let o = 0; o < outer; o++) xb.set(g.subarray(o * w * inner, (o + 1) * w * inner), (o * len + start) * inner);
    return [xb];
  },
});

/** Elements start ≤ i < end along `axis` (end defaults to start + 1, keeping the axis). */
export function slice(x: Tensor, axis: number, start: number, end = start + 1): Tensor {
  return runKernel(sliceKernel, [x], { axis, start, end });
}

const concatKernel: Kernel<{ axis: number }> = registerKernel<{ axis: number }>({
  name: 'Concat',
  forward: (xs, { axis }) => {
    const first = xs[0]!;
    const [outer, , inner] = axisBlocks(first.shape, axis);
    const lens = xs.map((x) => {
      if (x.shape.length !== first.shape.length || x.shape.some((d, i) => i !== axis && d !== first.shape[i])) {
        throw new Error(`concat along axis ${axis}: shapes [${first.shape.join(', ')}] and [${x.shape.join(', ')}] differ`);
      }
      return x.shape[axis]!;
    });
    const total = lens.reduce((a, b) => a + b, 0);
    const out = new Float64Array(outer * total * inner);
    let off = 0;
    xs.forEach((x, k) => {
      const w = lens[k]! * inner;
      for (let o = 0; o < outer; o++) out.set(x.data.subarray(o * w, (o + 1) * w), o * total * inner + off);
      off += w;
    });
    const shape = [...first.shape];
    shape[axis] = total;
    return { data: out, shape };
  },
  vjp: (g, xs, _y, { axis }) => {
    const [outer, , inner] = axisBlocks(xs[0]!.shape, axis);
    const total = xs.reduce((a, x) => a + x.shape[axis]!, 0);
    let off = 0;
    return xs.map((x) => {
      const w = x.shape[axis]! * inner;
      const xb = new Float64Array(x.size);
      for (let o = 0; o < outer; o++) xb.set(g.subarray(o * total * inner + off, o * total * inner + off + w), o * w);
      off += w;
      return xb;
    });
  },
});

export function concat(xs: readonly Tensor[], axis: number): Tensor {
  if (xs.length === 0) throw new Error('concat needs at least one tensor');
  return runKernel(concatKernel, xs, { axis });
}

function transpose2(data: Float64Array, m: number, n: number): Float64Array {
  const out = new Float64Array(m * n);
  for (let i = 0; i < m; i++) for (let j = 0; j < n; j++) out[j * m + i] = data[i * n + j]!;
  return out;
}

const transposeKernel: Kernel = registerKernel({
  name: 'Transpose',
  forward: ([x]) => {
    if (x!.shape.length !== 2) throw new Error(`transpose needs a 2-D tensor, got [${x!.shape.join(', ')}]`);
    const [m, n] = x!.shape as [number, number];
    return { data: transpose2(x!.data, m, n), shape: [n, m] };
  },
  vjp: (g, [x]) => [transpose2(g, x!.shape[1]!, x!.shape[0]!)],
});

export function transpose(x: Tensor): Tensor {
  return runKernel(transposeKernel, [x], undefined);
}
