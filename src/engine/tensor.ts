/**
 * Float64 tensors with reverse-mode differentiation.
 *
 * A tensor is a row-major Float64Array plus a shape. Every differentiable op runs
 * a registered kernel (see `kernel.ts`); when any input is being traced the result
 * remembers its inputs and the kernel's vector-Jacobian product, so `vjp`/`grad`
 * can sweep backwards. There is no global tape: the graph is the chain of
 * `parents`, which is what makes `stopGradient` a one-liner (a tensor with none).
 */

import type { Kernel } from './kernel.js';

export type Shape = readonly number[];

/** How a traced tensor was made: its kernel and attributes (so it can be re-planned), its inputs and the VJP mapping its cotangent to theirs. */
export interface GraphNode {
  readonly kernel: Kernel<any>;
  readonly attrs: unknown;
  readonly parents: readonly Tensor[];
  /** Cotangent of the output → cotangent per parent (null where a parent gets none). */
  readonly vjp: (outBar: Float64Array) => readonly (Float64Array | null)[];
}

export class Tensor {
  readonly data: Float64Array;
  readonly shape: Shape;
  /** Set for tensors produced by a traced op; null for constants and leaves. */
  readonly node: GraphNode | null;
  /** True for the inputs a `vjp`/`grad` call differentiates with respect to. */
  readonly isLeaf: boolean;

  constructor(data: Float64Array, shape: Shape, node: GraphNode | null = null, isLeaf = false) {
    const n = sizeOf(shape);
    if (data.length !== n) {
      throw new Error(`tensor data has ${data.length} numbers but shape [${shape.join(', ')}] needs ${n}`);
    }
    this.data = data;
    this.shape = shape;
    this.node = node;
    this.isLeaf = isLeaf;
  }

  get size(): number {
    return this.data.length;
  }

  /** True when gradients flow through this tensor. */
  get traced(): boolean {
    return this.isLeaf || this.node !== null;
  }

  /** The single number of a size-1 tensor. */
  item(): number {
    if (this.data.length !== 1) throw new Error(`item() needs a size-1 tensor, got shape [${this.shape.join(', ')}]`);
    return this.data[0]!;
  }

  toArray(): number[] {
    return Array.from(this.data);
  }
}

export function sizeOf(shape: Shape): number {
  let n = 1;
  for (const d of shape) {
    if (!Number.isInteger(d) || d < 0) throw new Error(`invalid dimension ${d} in shape [${shape.join(', ')}]`);
    n *= d;
  }
  return n;
}

/** A constant tensor (no gradient flows into it). */
export function tensor(values: ArrayLike<number> | number, shape?: Shape): Tensor {
  if (typeof values === 'number') return new Tensor(Float64Array.of(values), shape ?? []);
  const data = Float64Array.from(values);
  return new Tensor(data, shape ?? [data.length]);
}

export function zeros(shape: Shape): Tensor {
  return new Tensor(new Float64Array(sizeOf(shape)), shape);
}

/** Same numbers, no gradient: the `stop_gradient` of JAX. */
export function stopGradient(x: Tensor): Tensor {
  return new Tensor(x.data, x.shape);
}

/**
 * Topological order (inputs before outputs) of the traced graph that produced `root`.
 * `backward` sweeps it in reverse; `record` replays the same order so that cotangents are
 * accumulated in the same sequence (bit-identical sums).
 */
export function topoOrder(root: Tensor): Tensor[] {
  const order: Tensor[] = [];
  const seen = new Set<Tensor>();
  // Iterative DFS: unrolls of thousands of steps would overflow the call stack.
  const stack: [Tensor, boolean][] = [[root, false]];
  while (stack.length > 0) {
    const [t, expanded] = stack.pop()!;
    if (expanded) {
      order.push(t);
      continue;
    }
    if (seen.has(t)) continue;
    seen.add(t);
    stack.push([t, true]);
    if (t.node) for (const p of t.node.parents) if (p.traced && !seen.has(p)) stack.push([p, false]);
  }
  return order;
}

/**
 * Reverse sweep: the cotangent of every traced tensor that `out` depends on, given `outBar`.
 * Returns a map from tensor to its accumulated cotangent.
 */
export function backward(out: Tensor, outBar: Float64Array): Map<Tensor, Float64Array> {
  const bars = new Map<Tensor, Float64Array>();
  bars.set(out, Float64Array.from(outBar));
  const order = topoOrder(out);
  for (let k = order.length - 1; k >= 0; k--) {
    const t = order[k]!;
    const bar = bars.get(t);
    if (!bar || !t.node) continue;
    const parentBars = t.node.vjp(bar);
    t.node.parents.forEach((p, i) => {
      const pb = parentBars[i];
      if (!pb || !p.traced) return;
      const acc = bars.get(p);
      if (acc) for (let j = 0; j < acc.length; j++) acc[j]! += pb[j]!;
      else bars.set(p, Float64Array.from(pb));
    });
  }
  return bars;
}

/** Fresh traced leaves with the same numbers as `xs`. */
function leaves(xs: readonly Tensor[]): Tensor[] {
  return xs.map((x) => new Tensor(Float64Array.from(x.data), x.shape, null, true));
}

/**
 * JAX-style vjp: evaluates `f(...xs)` and returns its value and a function mapping an
 * output cotangent to the cotangents of every input.
 */
export function vjp(
  f: (...xs: Tensor[]) => Tensor,
  xs: readonly Tensor[],
): { value: Tensor; pullback: (outBar: Float64Array) => Float64Array[] } {
  const ls = leaves(xs);
  const value = f(...ls);
  return {
    value,
    pullback: (outBar) => {
      const bars = value.traced ? backward(value, outBar) : new Map<Tensor, Float64Array>();
      return ls.map((l) => bars.get(l) ?? new Float64Array(l.size));
    },
  };
}

/** Gradient of a scalar function with respect to every argument. */
export function grad(f: (...xs: Tensor[]) => Tensor): (...xs: Tensor[]) => Float64Array[] {
  return (...xs) => {
    const { value, pullback } = vjp(f, xs);
    if (value.size !== 1) throw new Error(`grad needs a scalar function, got shape [${value.shape.join(', ')}]`);
    return pullback(Float64Array.of(1));
  };
}

/** Value and gradient of a scalar function. */
export function valueAndGrad(f: (...xs: Tensor[]) => Tensor): (...xs: Tensor[]) => { value: number; grads: Float64Array[] } {
  return (...xs) => {
    const { value, pullback } = vjp(f, xs);
    return { value: value.item(), grads: pullback(Float64Array.of(1)) };
  };
}
