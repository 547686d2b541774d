/**
 * Multi-layer perceptron controller: Dense(tanh) … Dense(linear), Keras layouts
 * (`dense_l/kernel` [nIn][nOut], `dense_l/bias` [nOut]), Glorot-uniform kernels, zero biases.
 *
 * The dense products run on WebAssembly SIMD where available (../kernels/dense.ts), else on the
 * plain-JS kernels (../kernels/js/dense.ts); in f64 both give the same numbers. It offers the unroll two optional capabilities
 * (capabilities.ts): scaling its adjoints (one output) and keeping θ resident for a pass.
 */
import type { Rng } from '../engine/random.js';
import { layoutParams, paramCount, type Activations, type Adjoints, type Controller, type ParamSpec } from './controller.js';
import type { AdjointScaling, ParamBinding, PrecisionChoice } from './capabilities.js';
import { jsDenseKernels, simdDenseKernels, type DenseKernels } from '../kernels/dense.js';
import type { Precision } from '../kernels/module.js';
import { glorotUniform } from './init.js';

export interface MlpOptions {
  inputSize: number;
  /** Widths of the tanh hidden layers, e.g. [100, 100]. */
  hidden: readonly number[];
  outputSize: number;
  /** Zero the last layer's kernel at init, so the controller starts at exactly 0 (the published runs). */
  zeroLastKernel: boolean;
  /** Dense layers with biases (default true; false = the published code's `bias=False`). */
  bias?: boolean;
  /**
   * 'auto' (default): WebAssembly SIMD kernels where available, else plain JS; 'js': plain JS.
   * Both give the same numbers bit for bit.
   */
  kernels?: 'auto' | 'js';
  /** 'f64' (default) or 'f32': the dense products and tanh in float32 (SIMD kernels only). */
  precision?: Precision;
}

interface MlpActivations extends Activations {
  /** a[0] = input, a[l] = output of hidden layer l (tanh); each [rows][width]. */
  readonly a: Float64Array[];
}

interface MlpAdjoints extends Adjoints {
  /** d[l] = cotangent of layer l's pre-activation, l = 1 … L; [rows][width]. d[0] unused. */
  readonly d: Float64Array[];
}

export class Mlp implements Controller, AdjointScaling, ParamBinding, PrecisionChoice {
  readonly inputSize: number;
  readonly outputSize: number;
  readonly layout: readonly ParamSpec[];
  readonly paramCount: number;
  readonly macsPerRow: number;
  /** Layer widths [in, h1, …, out]. */
  readonly sizes: readonly number[];
  private readonly kernels: readonly ParamSpec[];
  private readonly biases: readonly ParamSpec[];
  /** Without biases: zeros the kernels read as the bias, and where their bias gradient goes (discarded). */
  private readonly noBias: { zeros: Float64Array; sink: Float64Array } | null;
  /** Widths, kernel and bias offsets as int32: the kernels' index arithmetic stays integer. */
  private readonly width: Int32Array;
  private readonly kOff: Int32Array;
  private readonly bOff: Int32Array;
  private readonly kern: DenseKernels;

  constructor(readonly options: MlpOptions) {
    const sizes = [options.inputSize, ...options.hidden, options.outputSize];
    for (const s of sizes) if (!Number.isInteger(s) || s < 1) throw new Error(`MLP layer widths must be positive integers, got [${sizes.join(', ')}]`);
    this.sizes = sizes;
    this.inputSize = options.inputSize;
    this.outputSize = options.outputSize;
    const bias = options.bias ?? true;
    const specs = [];
    for (let l = 1; l < sizes.length; l++) {
      specs.push({ name: `dense_${l - 1}/kernel`, shape: [sizes[l - 1]!, sizes[l]!] });
      if (bias) specs.push({ name: `dense_${l - 1}/bias`, shape: [sizes[l]!] });
    }
    this.layout = layoutParams(specs);
    this.kernels = this.layout.filter((p) => p.name.endsWith('/kernel'));
    this.biases = this.layout.filter((p) => p.name.endsWith('/bias'));
    const widest = Math.max(...sizes.slice(1));
    this.noBias = bias ? null : { zeros: new Float64Array(widest), sink: new Float64Array(widest) };
    this.paramCount = paramCount(this.layout);
    this.width = Int32Array.from(sizes);
    this.kOff = Int32Array.from(this.kernels, (k) => k.offset);
    this.bOff = bias ? Int32Array.from(this.biases, (b) => b.offset) : new Int32Array(sizes.length - 1);
    this.kern = (options.kernels !== 'js' && simdDenseKernels(options.precision ?? 'f64')) || jsDenseKernels;
    let macs = 0;
    for (let l = 1; l < sizes.length; l++) macs += sizes[l - 1]! * sizes[l]!;
    this.macsPerRow = macs;
  }

  /** The number type of the products. */
  get precision(): Precision {
    return this.kern.precision;
  }

  withPrecision(precision: Precision): Mlp {
    return new Mlp({ ...this.options, precision });
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
    const s = this.width;
    const L = s.length - 1;
    copyRows(x, xOff, a[0]!, r0 * s[0]!, n * s[0]!);
    for (let l = 1; l <= L; l++) {
      const last = l === L;
      const out = last ? y : a[l]!;
      const outOff = last ? yOff : r0 * s[l]!;
      this.kern.forward(a[l - 1]!, r0 * s[l - 1]!, n, s[l - 1]!, params, this.kOff[l - 1]!, this.noBias?.zeros ?? params, this.bOff[l - 1]!, s[l]!, out, outOff, !last);
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
    const s = this.width;
    const L = s.length - 1;
    copyRows(yBar, yOff, d[L]!, r0 * s[L]!, n * s[L]!);
    for (let l = L; l >= 2; l--) {
      const prev = d[l - 1]!;
      const w = s[l - 1]!;
      this.kern.backwardInput(d[l]!, r0 * s[l]!, n, s[l]!, params, this.kOff[l - 1]!, w, prev, r0 * w, false);
      // Through tanh: dpre = dh · (1 − h²), h the stored layer output.
      const h = a[l - 1]!;
      for (let i = r0 * w, end = (r0 + n) * w; i < end; i++) prev[i]! *= 1 - h[i]! * h[i]!;
    }
    if (xBar) this.kern.backwardInput(d[1]!, r0 * s[1]!, n, s[1]!, params, this.kOff[0]!, s[0]!, xBar, xOff, true);
  }

  accumulateParamGrad(acts: Activations, adjs: readonly Adjoints[], r0: number, n: number, grads: readonly Float64Array[]): void {
    const { a } = acts as MlpActivations;
    const s = this.width;
    // One adjoint set at a time: a kernel carrying two sets would need 20 accumulators for the
    // 10 per set that fit V8's registers, and measured no faster than two passes.
    for (let k = 0; k < adjs.length; k++) {
      const { d } = adjs[k] as MlpAdjoints;
      const g = grads[k]!;
      for (let l = 1; l < s.length; l++) {
        this.kern.paramGrad(a[l - 1]!, r0 * s[l - 1]!, n, s[l - 1]!, d[l]!, r0 * s[l]!, s[l]!, g, this.kOff[l - 1]!, this.noBias?.sink ?? g, this.bOff[l - 1]!);
      }
    }
  }

  bindParams(params: Float64Array): void {
    this.kern.bind(params);
  }

  releaseParams(): void {
    this.kern.release();
  }

  scaleAdjoints(src: Adjoints, scale: Float64Array, sOff: number, r0: number, n: number, dst: Adjoints): void {
    const from = (src as MlpAdjoints).d;
    const to = (dst as MlpAdjoints).d;
    const s = this.width;
    for (let l = 1; l < s.length; l++) {
      const u = from[l]!, v = to[l]!, w = s[l]!;
      for (let r = 0; r < n; r++) {
        const c = scale[sOff + r]!;
        const i0 = (r0 + r) * w;
        for (let q = 0; q < w; q++) v[i0 + q] = c * u[i0 + q]!;
      }
    }
  }
}

/** dst[dOff + k] = src[sOff + k], k < count (no views: the time loop does not allocate). */
function copyRows(src: Float64Array, sOff: number, dst: Float64Array, dOff: number, count: number): void {
  for (let k = 0; k < count; k++) dst[dOff + k] = src[sOff + k]!;
}
