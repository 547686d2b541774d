/**
 * Multi-layer perceptron controller: Dense(tanh) … Dense(linear), Keras layouts
 * (`dense_l/kernel` [nIn][nOut], `dense_l/bias` [nOut]), Glorot-uniform kernels, zero biases.
 */
import type { Rng } from '../engine/random.js';
import { layoutParams, paramCount, type Activations, type Adjoints, type Controller, type ParamSpec } from './controller.js';
import { denseBackwardInput, denseForward, denseParamGrad } from './dense.js';
import { glorotUniform } from './init.js';

export interface MlpOptions {
  inputSize: number;
  /** Widths of the tanh hidden layers, e.g. [100, 100]. */
  hidden: readonly number[];
  outputSize: number;
  /** Zero the last layer's kernel at init, so the controller starts at exactly 0 (the published runs). */
  zeroLastKernel: boolean;
}

interface MlpActivations extends Activations {
  /** a[0] = input, a[l] = output of hidden layer l (tanh); each [rows][width]. */
  readonly a: Float64Array[];
}

interface MlpAdjoints extends Adjoints {
  /** d[l] = cotangent of layer l's pre-activation, l = 1 … L; [rows][width]. d[0] unused. */
  readonly d: Float64Array[];
}

export class Mlp implements Controller {
  readonly inputSize: number;
  readonly outputSize: number;
  readonly layout: readonly ParamSpec[];
  readonly paramCount: number;
  readonly macsPerRow: number;
  /** Layer widths [in, h1, …, out]. */
  readonly sizes: readonly number[];
  private readonly kernels: readonly ParamSpec[];
  private readonly biases: readonly ParamSpec[];

  constructor(readonly options: MlpOptions) {
    const sizes = [options.inputSize, ...options.hidden, options.outputSize];
    for (const s of sizes) if (!Number.isInteger(s) || s < 1) throw new Error(`MLP layer widths must be positive integers, got [${sizes.join(', ')}]`);
    this.sizes = sizes;
    this.inputSize = options.inputSize;
    this.outputSize = options.outputSize;
    const specs = [];
    for (let l = 1; l < sizes.length; l++) {
      specs.push({ name: `dense_${l - 1}/kernel`, shape: [sizes[l - 1]!, sizes[l]!] });
      specs.push({ name: `dense_${l - 1}/bias`, shape: [sizes[l]!] });
    }
    this.layout = layoutParams(specs);
    this.kernels = this.layout.filter((_, k) => k % 2 === 0);
    this.biases = this.layout.filter((_, k) => k % 2 === 1);
    this.paramCount = paramCount(this.layout);
    let macs = 0;
    for (let l = 1; l < sizes.length; l++) macs += sizes[l - 1]! * sizes[l]!;
    this.macsPerRow = macs;
  }

  get layers(): number {
    return this.sizes.length - 1;
  }

  initParams(rng: Rng): Float64Array {
    const theta = new Float64Array(this.paramCount);
    this.kernels.forEach((k, l) => {
      const last = l === this.layers - 1;
      if (last && this.options.zeroLastKernel) return;
      glorotUniform(theta.subarray(k.offset, k.offset + k.size), k.shape[0]!, k.shape[1]!, rng);
    });
    return theta;
  }

  createActivations(rows: number): MlpActivations {
    return { rows, a: this.sizes.slice(0, -1).map((w) => new Float64Array(rows * w)) };
  }

  createAdjoints(rows: number): MlpAdjoints {
    return { rows, d: this.sizes.map((w, l) => new Float64Array(l === 0 ? 0 : rows * w)) };
  }

  forward(params: Float64Array, x: Float64Array, xOff: number, y: Float64Array, yOff: number, r0: number, n: number, acts: Activations): void {
    const { a } = acts as MlpActivations;
    const s = this.sizes;
    a[0]!.set(x.subarray(xOff, xOff + n * s[0]!), r0 * s[0]!);
    for (let l = 1; l <= this.layers; l++) {
      const last = l === this.layers;
      const k = this.kernels[l - 1]!;
      const b = this.biases[l - 1]!;
      const out = last ? y : a[l]!;
      const outOff = last ? yOff : r0 * s[l]!;
      denseForward(a[l - 1]!, r0 * s[l - 1]!, n, s[l - 1]!, params, k.offset, params, b.offset, s[l]!, out, outOff, !last);
    }
  }

  backward(
    params: Float64Array,
    yBar: Float64Array,
    yOff: number,
    r0: number,
    n: number,
    acts: Activations,
    adj: Adjoints,
    xBar: Float64Array | null,
    xOff: number,
  ): void {
    const { a } = acts as MlpActivations;
    const { d } = adj as MlpAdjoints;
    const s = this.sizes;
    const L = this.layers;
    d[L]!.set(yBar.subarray(yOff, yOff + n * s[L]!), r0 * s[L]!);
    for (let l = L; l >= 2; l--) {
      const prev = d[l - 1]!;
      const w = s[l - 1]!;
      denseBackwardInput(d[l]!, r0 * s[l]!, n, s[l]!, params, this.kernels[l - 1]!.offset, w, prev, r0 * w, false);
      // Through tanh: dpre = dh · (1 − h²), h the stored layer output.
      const h = a[l - 1]!;
      for (let i = r0 * w, end = (r0 + n) * w; i < end; i++) prev[i]! *= 1 - h[i]! * h[i]!;
    }
    if (xBar) denseBackwardInput(d[1]!, r0 * s[1]!, n, s[1]!, params, this.kernels[0]!.offset, s[0]!, xBar, xOff, true);
  }

  accumulateParamGrad(acts: Activations, adjs: readonly Adjoints[], r0: number, n: number, grads: readonly Float64Array[]): void {
    const { a } = acts as MlpActivations;
    const s = this.sizes;
    adjs.forEach((adj, k) => {
      const { d } = adj as MlpAdjoints;
      const g = grads[k]!;
      for (let l = 1; l <= this.layers; l++) {
        denseParamGrad(a[l - 1]!, r0 * s[l - 1]!, n, s[l - 1]!, d[l]!, r0 * s[l]!, s[l]!, g, this.kernels[l - 1]!.offset, g, this.biases[l - 1]!.offset);
      }
    });
  }
}
