/**
 * The kernel registry: every differentiable op is a named kernel with a forward
 * over typed arrays and, right beside it, its vector-Jacobian product.
 *
 * Fused kernels for the hot path (a whole physics step, a whole MLP) register the
 * same way, so a hand-written VJP is usable inside autodiff and is gradchecked by
 * the same machinery as the elementary ops.
 */
import { Tensor, type GraphNode, type Shape } from './tensor.js';

export interface KernelResult {
  data: Float64Array;
  shape: Shape;
}

export interface Kernel<A = undefined> {
  readonly name: string;
  forward(inputs: readonly Tensor[], attrs: A): KernelResult;
  /** Cotangent per input (null where an input receives none) given the output's cotangent. */
  vjp(outBar: Float64Array, inputs: readonly Tensor[], output: Tensor, attrs: A): readonly (Float64Array | null)[];
}

const registry = new Map<string, Kernel<any>>();

export function registerKernel<A>(kernel: Kernel<A>): Kernel<A> {
  if (registry.has(kernel.name)) throw new Error(`kernel "${kernel.name}" is registered twice`);
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

/** Runs a kernel; the result is traced when any input is. */
export function runKernel<A>(kernel: Kernel<A>, inputs: readonly Tensor[], attrs: A): Tensor {
  const { data, shape } = kernel.forward(inputs, attrs);
  if (!inputs.some((x) => x.traced)) return new Tensor(data, shape);
  let out: Tensor;
  const node: GraphNode = {
    kernel: kernel.name,
    parents: inputs,
    vjp: (outBar) => kernel.vjp(outBar, inputs, out, attrs),
  };
  out = new Tensor(data, shape, node);
  return out;
}
