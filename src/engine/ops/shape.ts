/**
 * Ops that move numbers without arithmetic. Each is an index map computed once per shape:
 * single-input ops read out[k] = x[map[k]] (reshape, slice, gather, transpose, broadcastTo)
 * and add back through the same map; joins write every input through its own map (concat,
 * stack).
 */
import { registerKernel, runKernel, type Kernel, type KernelPlan } from '../kernel.js';
import { Tensor, sizeOf, type Shape } from '../tensor.js';
import { axisBlocks, broadcastIndex, broadcastShapes, normalizeAxis, shapeText, stridedMap, stridesOf } from './indexing.js';

/**
 * out[k] = x[map[k]] (a null map is the identity); the backward scatter-adds, so repeated
 * reads accumulate. `injective`: no element is read twice.
 */
function gatherPlan(outShape: Shape, map: Int32Array | null, injective: boolean): KernelPlan {
  if (map === null) {
    return {
      outShape,
      singleTerm: [true],
      forward: (ins, out) => out.set(ins[0]!),
      backward: (g, _ins, _out, bars) => {
        const xb = bars[0];
        if (xb) for (let k = 0; k < g.length; k++) xb[k]! += g[k]!;
      },
    };
  }
  return {
    outShape,
    singleTerm: [injective],
    forward: (ins, out) => {
      const x = ins[0]!;
      for (let k = 0; k < out.length; k++) out[k] = x[map[k]!]!;
    },
    backward: (g, _ins, _out, bars) => {
      const xb = bars[0];
      if (xb) for (let k = 0; k < g.length; k++) xb[map[k]!]! += g[k]!;
    },
  };
}

interface IndexMap {
  outShape: Shape;
  map: Int32Array | null;
  injective: boolean;
}

function mapKernel<A>(name: string, plan: (shape: Shape, attrs: A) => IndexMap): Kernel<A> {
  return registerKernel<A>({
    name,
    plan: ([shape], attrs) => {
      const { outShape, map, injective } = plan(shape!, attrs);
      return gatherPlan(outShape, map, injective);
    },
  });
}

const reshapeKernel = mapKernel<{ shape: Shape }>('Reshape', (from, { shape }) => {
  if (sizeOf(shape) !== sizeOf(from)) throw new Error(`cannot reshape ${shapeText(from)} to ${shapeText(shape)}`);
  return { outShape: shape, map: null, injective: true };
});

export function reshape(x: Tensor, shape: Shape): Tensor {
  return runKernel(reshapeKernel, [x], { shape: [...shape] });
}

/** Inserts an axis of length 1 at `axis` (negative counts from the end of the result). */
export function expandDims(x: Tensor, axis: number): Tensor {
  const a = normalizeAxis(axis, x.shape.length + 1, 'expandDims axis');
  return reshape(x, [...x.shape.slice(0, a), 1, ...x.shape.slice(a)]);
}

/** Removes the given length-1 axes (all length-1 axes by default). */
export function squeeze(x: Tensor, axes?: number | readonly number[]): Tensor {
  const rank = x.shape.length;
  const drop = axes === undefined
    ? x.shape.map((d, i) => (d === 1 ? i : -1)).filter((i) => i >= 0)
    : (typeof axes === 'number' ? [axes] : axes).map((a) => normalizeAxis(a, rank, 'squeeze axis'));
  for (const a of drop) {
    if (x.shape[a] !== 1) throw new Error(`squeeze: axis ${a} of ${shapeText(x.shape)} has length ${x.shape[a]}, not 1`);
  }
  return reshape(x, x.shape.filter((_, i) => !drop.includes(i)));
}

interface SliceAttrs {
  axis: number;
  start: number;
  end: number;
}

const sliceKernel = mapKernel<SliceAttrs>('Slice', (shape, { axis, start, end }) => {
  const a = normalizeAxis(axis, shape.length, 'slice axis');
  const len = shape[a]!;
  if (!(Number.isInteger(start) && Number.isInteger(end) && 0 <= start && start < end && end <= len)) {
    throw new Error(`slice [${start}, ${end}) is outside axis ${axis} of length ${len}`);
  }
  const outShape = [...shape];
  outShape[a] = end - start;
  const strides = stridesOf(shape);
  return { outShape, map: stridedMap(outShape, strides, start * strides[a]!), injective: true };
});

/** Elements start ≤ i < end along `axis` (end defaults to start + 1, keeping the axis). */
export function slice(x: Tensor, axis: number, start: number, end = start + 1): Tensor {
  return runKernel(sliceKernel, [x], { axis, start, end });
}

interface GatherAttrs {
  axis: number;
  indices: readonly number[];
}

const gatherKernel = mapKernel<GatherAttrs>('Gather', (shape, { axis, indices }) => {
  const a = normalizeAxis(axis, shape.length, 'gather axis');
  const [outer, len, inner] = axisBlocks(shape, a);
  const idx = indices.map((i) => {
    if (!Number.isInteger(i) || i < -len || i >= len) {
      throw new Error(`gather index ${i} is out of range for axis ${axis} of length ${len}`);
    }
    return i < 0 ? i + len : i;
  });
  const outShape = [...shape];
  outShape[a] = idx.length;
  const map = new Int32Array(outer * idx.length * inner);
  let k = 0;
  for (let o = 0; o < outer; o++)
    for (const j of idx) for (let i = 0; i < inner; i++) map[k++] = (o * len + j) * inner + i;
  return { outShape, map, injective: new Set(idx).size === idx.length };
});

/**
 * The elements at the given integer positions along `axis` (negative count from the end;
 * repeats allowed): out[…, j, …] = x[…, indices[j], …]. The backward scatter-adds.
 */
export function gather(x: Tensor, axis: number, indices: readonly number[]): Tensor {
  return runKernel(gatherKernel, [x], { axis, indices: Array.from(indices) });
}

const transposeKernel = mapKernel<{ perm: readonly number[] | null }>('Transpose', (shape, { perm }) => {
  const rank = shape.length;
  const p = perm ?? shape.map((_, i) => rank - 1 - i);
  if (p.length !== rank || [...p].sort((a, b) => a - b).some((v, i) => v !== i)) {
    throw new Error(`transpose: [${p.join(', ')}] is not a permutation of the ${rank} axes of ${shapeText(shape)}`);
  }
  const strides = stridesOf(shape);
  const outShape = p.map((i) => shape[i]!);
  return { outShape, map: stridedMap(outShape, p.map((i) => strides[i]!)), injective: true };
});

/** Axes permuted: result axis i is input axis perm[i] (default: all axes reversed, the 2-D transpose). */
export function transpose(x: Tensor, perm?: readonly number[]): Tensor {
  return runKernel(transposeKernel, [x], { perm: perm ? Array.from(perm) : null });
}

const broadcastKernel = mapKernel<{ shape: Shape }>('BroadcastTo', (from, { shape }) => {
  let ok = from.length <= shape.length;
  try {
    ok &&= broadcastShapes(from, shape).every((d, i) => d === shape[i]);
  } catch {
    ok = false;
  }
  if (!ok) throw new Error(`cannot broadcast ${shapeText(from)} to ${shapeText(shape)}`);
  return { outShape: shape, map: broadcastIndex(from, shape), injective: sizeOf(from) === sizeOf(shape) };
});

/** x repeated along broadcast axes to `shape` (NumPy rules); the backward sums them back. */
export function broadcastTo(x: Tensor, shape: Shape): Tensor {
  return runKernel(broadcastKernel, [x], { shape: [...shape] });
}

/** Every input written through its own map into the output: out[maps[i][k]] = xs[i][k]. */
function joinPlan(outShape: Shape, maps: Int32Array[]): KernelPlan {
  return {
    outShape,
    singleTerm: maps.map(() => true), // inputs in order, each element written once
    forward: (ins, out) => {
      for (let i = 0; i < maps.length; i++) {
        const x = ins[i]!, map = maps[i]!;
        for (let k = 0; k < map.length; k++) out[map[k]!] = x[k]!;
      }
    },
    backward: (g, _ins, _out, bars) => {
      for (let i = 0; i < maps.length; i++) {
        const xb = bars[i], map = maps[i]!;
        if (xb) for (let k = 0; k < map.length; k++) xb[k]! += g[map[k]!]!;
      }
    },
  };
}

const concatKernel: Kernel<{ axis: number }> = registerKernel<{ axis: number }>({
  name: 'Concat',
  plan: (shapes, { axis }) => {
    const first = shapes[0]!;
    const a = normalizeAxis(axis, first.length, 'concat axis');
    for (const s of shapes) {
      if (s.length !== first.length || s.some((d, i) => i !== a && d !== first[i])) {
        throw new Error(`concat along axis ${axis}: shapes ${shapeText(first)} and ${shapeText(s)} differ`);
      }
    }
    const outShape = [...first];
    outShape[a] = shapes.reduce((t, s) => t + s[a]!, 0);
    const strides = stridesOf(outShape);
    let offset = 0;
    const maps = shapes.map((s) => {
      const map = stridedMap(s, strides, offset * strides[a]!);
      offset += s[a]!;
      return map;
    });
    return joinPlan(outShape, maps);
  },
});

export function concat(xs: readonly Tensor[], axis: number): Tensor {
  if (xs.length === 0) throw new Error('concat needs at least one tensor');
  return runKernel(concatKernel, xs, { axis });
}

const stackKernel: Kernel<{ axis: number }> = registerKernel<{ axis: number }>({
  name: 'Stack',
  plan: (shapes, { axis }) => {
    const first = shapes[0]!;
    const a = normalizeAxis(axis, first.length + 1, 'stack axis');
    for (const s of shapes) {
      if (s.length !== first.length || s.some((d, i) => d !== first[i])) {
        throw new Error(`stack: shapes ${shapeText(first)} and ${shapeText(s)} differ`);
      }
    }
    const outShape = [...first.slice(0, a), shapes.length, ...first.slice(a)];
    const strides = stridesOf(outShape);
    const inStrides = strides.filter((_, i) => i !== a);
    return joinPlan(outShape, shapes.map((s, i) => stridedMap(s, inStrides, i * strides[a]!)));
  },
});

/** Equal-shaped tensors stacked along a new axis `axis` (negative counts from the end of the result). */
export function stack(xs: readonly Tensor[], axis = 0): Tensor {
  if (xs.length === 0) throw new Error('stack needs at least one tensor');
  return runKernel(stackKernel, xs, { axis });
}
