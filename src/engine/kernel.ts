/**
 * The kernel registry: every differentiable op is a named kernel.
 *
 * An op is written once, as a *plan*: given the input shapes (and attributes) it checks
 * them, precomputes its index maps and returns an allocation-free forward and, right
 * beside it, a backward that adds the inputs' cotangents. The eager engine runs a plan on
 * freshly allocated buffers; `record` plans a whole graph once and replays it over
 * preallocated buffers.
 *
 * Fused kernels for the hot path (a whole physics step, a whole MLP) may instead register
 * an allocating `forward` and a `vjp`; they work in the eager engine and in autodiff and are
 * gradchecked by the same machinery, but cannot be recorded.
 */
import { Tensor, sizeOf, type GraphNode, type Shape } from './tensor.js';

export interface KernelResult {
  data: Float64Array;
  shape: Shape;
}

/** An op specialised to fixed input shapes: pure, allocation-free forward and backward. */
export interface KernelPlan {
  readonly outShape: Shape;
  /** out = op(ins). Must not allocate. */
  forward(ins: readonly Float64Array[], out: Float64Array): void;
  /**
   * ADDS each input's cotangent into inBars[i] when inBars[i] is not null (never reads
   * inBars). Called after `forward` with the same `ins` and `out`. Must not allocate.
   */
  backward(outBar: Float64Array, ins: readonly Float64Array[], out: Float64Array, inBars: readonly (Float64Array | null)[]): void;
  /**
   * Per input, true when `backward` adds at most one term into each element of inBars[i]
   * (element-wise or injective reads), and for an element shared by several inputs (the same
   * tensor passed twice) adds their terms in input order. `record` then accumulates straight
   * into a cotangent that already holds other contributions, which gives the same sums bit
   * for bit as adding a separate buffer (x + (0 + t) = x + t). Omitted: false.
   */
  readonly singleTerm?: readonly boolean[];
}

export interface Kernel<A = undefined> {
  readonly name: string;
  /** The op for given input shapes; every shape check and error happens here. */
  plan?(inShapes: readonly Shape[], attrs: A): KernelPlan;
  /** Inputs that never receive a cotangent (a `where` condition, both sides of a comparison). */
  readonly noGradientInputs?: readonly number[];
  /** The alternative form for fused kernels: an allocating forward… */
  forward?(inputs: readonly Tensor[], attrs: A): KernelResult;
  /** …and the cotangent per input (null where an input receives none) given the output's cotangent. */
  vjp?(outBar: Float64Array, inputs: readonly Tensor[], output: Tensor, attrs: A): readonly (Float64Array | null)[];
}

const registry = new Map<string, Kernel<any>>();

export function registerKernel<A>(kernel: Kernel<A>): Kernel<A> {
  if (registry.has(kernel.name)) throw new Error(`kernel "${kernel.name}" is registered twice`);
  if (!kernel.plan && !(kernel.forward && kernel.vjp)) {
    throw new Error(`kernel "${kernel.name}" needs plan() or both forward() and vjp()`);
  }
  registry.set(kernel.name, kernel);
  return kernel;
}

export function getKernel(name: string): Kernel<any> {
  const k = registry.get(name);
  if (!k) throw new Error(`unknown kernel "${name}"; registered: ${[...registry.keys()].join(', ')}`);
  return k;
}

export function kernelNames(): string[] {
  return [...registry.keys()].sort();
}

/** One kernel run seen while a function is being recorded (traced or not). */
export interface TapeEntry {
  readonly kernel: Kernel<any>;
  readonly attrs: unknown;
  readonly inputs: readonly Tensor[];
  readonly output: Tensor;
}

let tape: TapeEntry[] | null = null;

/**
 * Runs `f` with every kernel run appended to a fresh tape (used by `record`: it sees the
 * ops on untraced aliases such as `stopGradient(x)` too, which the graph does not show).
 */
export function withTape<T>(f: () => T): { result: T; tape: TapeEntry[] } {
  const outer = tape;
  const mine: TapeEntry[] = [];
  tape = mine;
  try {
    return { result: f(), tape: mine };
  } finally {
    tape = outer;
  }
}

/** Runs a kernel; the result is traced when any input is. */
export function runKernel<A>(kernel: Kernel<A>, inputs: readonly Tensor[], attrs: A): Tensor {
  const out = kernel.plan ? runPlan(kernel, inputs, attrs) : runFused(kernel, inputs, attrs);
  if (tape) tape.push({ kernel, attrs, inputs, output: out });
  return out;
}

function runPlan<A>(kernel: Kernel<A>, inputs: readonly Tensor[], attrs: A): Tensor {
  const shapes: Shape[] = new Array(inputs.length);
  const ins: Float64Array[] = new Array(inputs.length);
  let traced = false;
  for (let i = 0; i < inputs.length; i++) {
    const x = inputs[i]!;
    shapes[i] = x.shape;
    ins[i] = x.data;
    traced ||= x.traced;
  }
  const plan = kernel.plan!(shapes, attrs);
  const data = new Float64Array(sizeOf(plan.outShape));
  plan.forward(ins, data);
  if (!traced) return new Tensor(data, plan.outShape);
  const node: GraphNode = {
    kernel,
    attrs,
    parents: inputs,
    vjp: (outBar) => {
      const bars: (Float64Array | null)[] = new Array(inputs.length);
      let any = false;
      for (let i = 0; i < inputs.length; i++) {
        const x = inputs[i]!;
        const wanted = x.traced && receivesGradient(kernel, i);
        bars[i] = wanted ? new Float64Array(x.size) : null;
        any ||= wanted;
      }
      if (any) plan.backward(outBar, ins, data, bars);
      return bars;
    },
  };
  return new Tensor(data, plan.outShape, node);
}

function runFused<A>(kernel: Kernel<A>, inputs: readonly Tensor[], attrs: A): Tensor {
  const { data, shape } = kernel.forward!(inputs, attrs);
  if (!inputs.some((x) => x.traced)) return new Tensor(data, shape);
  let out: Tensor;
  const node: GraphNode = {
    kernel,
    attrs,
    parents: inputs,
    vjp: (outBar) => kernel.vjp!(outBar, inputs, out, attrs),
  };
  out = new Tensor(data, shape, node);
  return out;
}

/** Whether input `i` of `kernel` ever receives a cotangent. */
export function receivesGradient(kernel: Kernel<any>, i: number): boolean {
  return kernel.noGradientInputs === undefined || !kernel.noGradientInputs.includes(i);
}
