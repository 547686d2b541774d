/**
 * Shape arithmetic shared by the op families: broadcasting, axes, and flat index maps.
 *
 * Most plans reduce an op to an index map computed once per shape: for every flat index
 * of the output, the flat index into an input it reads (broadcasting, slicing, gathering,
 * transposing) or, for reductions, the output index each input element adds into.
 */
import { sizeOf, type Shape } from '../tensor.js';

export function shapeText(shape: Shape): string {
  return `[${shape.join(', ')}]`;
}

/** NumPy broadcasting of any number of shapes. */
export function broadcastShapes(...shapes: Shape[]): number[] {
  const n = Math.max(0, ...shapes.map((s) => s.length));
  const out: number[] = [];
  for (let i = 0; i < n; i++) {
    let d = 1;
    for (const s of shapes) {
      const di = s[s.length - n + i] ?? 1;
      if (di === 1) continue;
      if (d !== 1 && d !== di) throw new Error(`shapes ${shapes.map(shapeText).join(' and ')} do not broadcast`);
      d = di;
    }
    out.push(d);
  }
  return out;
}

// Identity and all-zero maps are shared: the common same-shape and scalar cases then
// allocate nothing per eager op. Only small sizes are cached.
const CACHE_LIMIT = 1 << 16;
const identities: Int32Array[] = [];
const zeroMaps: Int32Array[] = [];

export function identityMap(n: number): Int32Array {
  if (n > CACHE_LIMIT) return Int32Array.from({ length: n }, (_, i) => i);
  let m = identities[n];
  if (!m) {
    m = new Int32Array(n);
    for (let i = 0; i < n; i++) m[i] = i;
    identities[n] = m;
  }
  return m;
}

export function zeroMap(n: number): Int32Array {
  if (n > CACHE_LIMIT) return new Int32Array(n);
  return (zeroMaps[n] ??= new Int32Array(n));
}

/** Row-major strides of `shape`. */
export function stridesOf(shape: Shape): number[] {
  const s = new Array<number>(shape.length);
  let acc = 1;
  for (let i = shape.length - 1; i >= 0; i--) {
    s[i] = acc;
    acc *= shape[i]!;
  }
  return s;
}

/**
 * For every flat index of `out`, the flat index read from `src` given per-axis strides of
 * the source (0 along broadcast axes) and a base offset.
 */
export function stridedMap(out: Shape, srcStrides: readonly number[], base = 0): Int32Array {
  const n = sizeOf(out);
  const rank = out.length;
  const idx = new Int32Array(n);
  const pos = new Array<number>(rank).fill(0);
  let j = base;
  for (let k = 0; k < n; k++) {
    idx[k] = j;
    for (let i = rank - 1; i >= 0; i--) {
      j += srcStrides[i]!;
      if (++pos[i]! < out[i]!) break;
      j -= pos[i]! * srcStrides[i]!;
      pos[i] = 0;
    }
  }
  return idx;
}

/** For every flat index of `out`, the flat index into an input of shape `inShape` broadcast to it. */
export function broadcastIndex(inShape: Shape, out: Shape): Int32Array {
  const n = sizeOf(out);
  const m = sizeOf(inShape);
  if (m === n && sameTrailing(inShape, out)) return identityMap(n);
  if (m === 1) return zeroMap(n);
  const rank = out.length;
  const strides = new Array<number>(rank).fill(0);
  let s = 1;
  for (let i = rank - 1; i >= 0; i--) {
    const d = inShape[inShape.length - rank + i] ?? 1;
    strides[i] = d === 1 ? 0 : s;
    s *= d;
  }
  return stridedMap(out, strides);
}

/** Same dimensions once leading 1s are ignored (then broadcasting is the identity). */
function sameTrailing(a: Shape, b: Shape): boolean {
  const n = Math.max(a.length, b.length);
  for (let i = 0; i < n; i++) if ((a[a.length - n + i] ?? 1) !== (b[b.length - n + i] ?? 1)) return false;
  return true;
}

/** A possibly negative axis as an index into a shape of rank `rank`. */
export function normalizeAxis(axis: number, rank: number, what = 'axis'): number {
  if (!Number.isInteger(axis) || axis < -rank || axis >= rank) {
    throw new Error(`${what} ${axis} is out of range for a tensor of rank ${rank}`);
  }
  return axis < 0 ? axis + rank : axis;
}

/** Splits a shape around `axis` into (outer, axis length, inner) block sizes. */
export function axisBlocks(shape: readonly number[], axis: number): [number, number, number] {
  if (!Number.isInteger(axis) || axis < 0 || axis >= shape.length) {
    throw new Error(`axis ${axis} is out of range for shape ${shapeText(shape)}`);
  }
  let outer = 1;
  let inner = 1;
  for (let i = 0; i < axis; i++) outer *= shape[i]!;
  for (let i = axis + 1; i < shape.length; i++) inner *= shape[i]!;
  return [outer, shape[axis]!, inner];
}
