/**
 * Multi-layer perceptron controller: Dense(tanh) … Dense(linear), Keras layouts
 * (`dense_l/kernel` [nIn][nOut], `dense_l/bias` [nOut]), Glorot-uniform kernels, zero biases.
 *
 * Everything runs on a heap of the MLP's own (../kernels/heap.ts: WebAssembly SIMD where
 * available, else plain JS; in f64 both give the same numbers bit for bit; in f32 the heap and
 * every product are float32): θ (each kernel and its transpose, the biases), the activations and
 * the adjoints. So no layer copies its operands in or out: a forward pass copies only its input
 * rows in and its output rows out, a backward pass its output cotangents in and its input
 * cotangents out. The heap only grows; sets go back to it when released (`release`), and all of
 * it goes with the MLP: make sets once per shape, as the unroll does.
 * It offers the unroll two optional capabilities (capabilities.ts): scaling its adjoints (one
 * output) and keeping θ resident for a pass.
 */
import type { Rng } from '../engine/random.js';
import { layoutParams, paramCount, type Activations, type Adjoints, type Controller, type ParamSpec } from './controller.js';
import type { AdjointScaling, ParamBinding, PrecisionChoice } from './capabilities.js';
import { createHeapKernels, HEAP_START, type Heap, type HeapKernels } from '../kernels/heap.js';
import type { Precision } from '../kernels/module.js';
import { HeapRegions } from '../kernels/regions.js';
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
  /** 'f64' (default) or 'f32': the heap, the dense products and tanh in float32 (SIMD kernels only). */
  precision?: Precision;
}

/** A set of rows in the heap: p[l] is the heap index of its layer-l array ([rows][width of l]). */
interface MlpSet {
  readonly rows: number;
  /** The set's range in the heap (−1 once released). */
  start: number;
  readonly len: number;
  readonly p: Int32Array;
}

/** Activations: p[0] = the input rows, p[l] = hidden layer l's tanh outputs, l = 1 … L−1. */
type MlpActivations = Activations & MlpSet & { readonly kind: 'activations' };
/** Adjoints: p[l] = the cotangents of layer l's pre-activations, l = 1 … L (p[0] unused). */
type MlpAdjoints = Adjoints & MlpSet & { readonly kind: 'adjoints' };

/** Rows per block where a pass stages rows in scratch. */
const BLOCK = 256;

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
  private readonly bias: boolean;
  /** Widths as int32: index arithmetic stays integer. */
  private readonly width: Int32Array;
  private readonly kern: HeapKernels;
  private readonly regions: HeapRegions;
  /** Heap indices of layer l's kernel W [s(l−1)][s(l)], its transpose and its bias (zeros without biases), l = 1 … L. */
  private readonly wAt: Int32Array;
  private readonly wtAt: Int32Array;
  private readonly bAt: Int32Array;
  /**
   * Scratch: zeros and ones (the widest layer, BLOCK), row factors [BLOCK], the output rows
   * [BLOCK][out], input cotangent rows [BLOCK][in], a kernel and bias gradient (+ 3 spare rows).
   */
  private readonly ws: { zeros: number; ones: number; factors: number; y: number; xBar: number; gW: number; gB: number };
  /** θ as bound (bindParams): its parts stay in the heap meanwhile. */
  private bound: Float64Array | null = null;

  constructor(readonly options: MlpOptions) {
    const sizes = [options.inputSize, ...options.hidden, options.outputSize];
    for (const s of sizes) if (!Number.isInteger(s) || s < 1) throw new Error(`MLP layer widths must be positive integers, got [${sizes.join(', ')}]`);
    this.sizes = sizes;
    this.inputSize = options.inputSize;
    this.outputSize = options.outputSize;
    this.bias = options.bias ?? true;
    const specs = [];
    for (let l = 1; l < sizes.length; l++) {
      specs.push({ name: `dense_${l - 1}/kernel`, shape: [sizes[l - 1]!, sizes[l]!] });
      if (this.bias) specs.push({ name: `dense_${l - 1}/bias`, shape: [sizes[l]!] });
    }
    this.layout = layoutParams(specs);
    this.kernels = this.layout.filter((p) => p.name.endsWith('/kernel'));
    this.biases = this.layout.filter((p) => p.name.endsWith('/bias'));
    this.paramCount = paramCount(this.layout);
    this.width = Int32Array.from(sizes);
    let macs = 0;
    for (let l = 1; l < sizes.length; l++) macs += sizes[l - 1]! * sizes[l]!;
    this.macsPerRow = macs;
    this.kern = createHeapKernels(options.kernels === 'js' ? 'js' : 'auto', options.precision ?? 'f64');
    // The heap: θ's parts, then the scratch, then the sets (regions).
    const L = sizes.length - 1;
    let top = HEAP_START;
    const take = (len: number): number => {
      const p = top;
      top += Math.ceil(len / 4) * 4;
      return p;
    };
    this.wAt = new Int32Array(L + 1);
    this.wtAt = new Int32Array(L + 1);
    this.bAt = new Int32Array(L + 1);
    const widest = Math.max(...sizes);
    const zeros = take(widest);
    for (let l = 1; l <= L; l++) {
      this.wAt[l] = take(sizes[l - 1]! * sizes[l]!);
      this.wtAt[l] = take(sizes[l - 1]! * sizes[l]!);
      this.bAt[l] = this.bias ? take(sizes[l]!) : zeros;
    }
    const ones = take(BLOCK);
    this.ws = {
      zeros, ones, factors: take(BLOCK), y: take(BLOCK * this.outputSize + 4), xBar: take(BLOCK * this.inputSize + 4),
      gW: take((widest + 3) * widest), gB: take(widest),
    };
    this.kern.ensure(top);
    this.kern.heap.fill(1, ones, ones + BLOCK);
    this.regions = new HeapRegions(top);
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
    return { ...this.createSet(rows, 0, this.layers - 1), kind: 'activations' };
  }

  createAdjoints(rows: number): MlpAdjoints {
    return { ...this.createSet(rows, 1, this.layers), kind: 'adjoints' };
  }

  /** Arrays [rows][width of l] for l = from … to, each with 4 spare numbers (the SIMD weight gradient reads 3 past x). */
  private createSet(rows: number, from: number, to: number): MlpSet {
    let len = 0;
    for (let l = from; l <= to; l++) len += Math.ceil((rows * this.width[l]! + 4) / 4) * 4;
    const start = this.regions.alloc(len);
    this.kern.ensure(this.regions.top);
    const p = new Int32Array(this.layers + 1);
    for (let l = from, at = start; l <= to; l++) {
      p[l] = at;
      at += Math.ceil((rows * this.width[l]! + 4) / 4) * 4;
    }
    return { rows, start, len, p };
  }

  /** Gives a set of activations or adjoints back to the heap; the set is unusable after. */
  release(set: Activations | Adjoints): void {
    const s = set as MlpSet;
    if (s.start < 0) return;
    this.regions.release(s.start, s.len);
    s.start = -1;
  }

  forward(params: Float64Array, x: Float64Array, xOff: number, y: Float64Array, yOff: number, r0: number, n: number, acts: Activations): void {
    const A = acts as MlpActivations;
    checkRows(A, r0, n);
    const s = this.width, L = s.length - 1, k = this.kern;
    if (params !== this.bound) this.loadParams(params);
    copyIn(x, xOff, n * s[0]!, k.heap, A.p[0]! + r0 * s[0]!);
    for (let r = r0; r < r0 + n; r += BLOCK) {
      const m = Math.min(BLOCK, r0 + n - r);
      for (let l = 1; l <= L; l++) {
        const out = l === L ? this.ws.y : A.p[l]! + r * s[l]!;
        k.matmul(A.p[l - 1]! + r * s[l - 1]!, m, s[l - 1]!, this.wAt[l]!, s[l]!, out, this.bAt[l]!);
        if (l < L) k.tanh(out, m * s[l]!);
      }
      const h = k.heap, o = yOff + (r - r0) * s[L]!;
      for (let i = 0; i < m * s[L]!; i++) y[o + i] = h[this.ws.y + i]!;
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
    const A = acts as MlpActivations, D = adj as MlpAdjoints;
    checkRows(A, r0, n);
    checkRows(D, r0, n);
    const s = this.width, L = s.length - 1, k = this.kern, { ones, zeros } = this.ws;
    if (params !== this.bound) this.loadParams(params);
    const h = k.heap;
    for (let i = 0, d = D.p[L]! + r0 * s[L]!; i < n * s[L]!; i++) h[d + i] = yBar[yOff + i]!;
    for (let r = r0; r < r0 + n; r += BLOCK) {
      const m = Math.min(BLOCK, r0 + n - r);
      for (let l = L; l >= 2; l--) {
        // d(l−1) = (d(l)·W(l)ᵀ)·(1 − h²), h the stored tanh output of layer l−1.
        const w = s[l - 1]!, prev = D.p[l - 1]! + r * w;
        k.matmul(D.p[l]! + r * s[l]!, m, s[l]!, this.wtAt[l]!, w, prev, zeros);
        k.scaleRows(ones, m, prev, w, w, A.p[l - 1]! + r * w, w, prev);
      }
      if (xBar) {
        k.matmul(D.p[1]! + r * s[1]!, m, s[1]!, this.wtAt[1]!, s[0]!, this.ws.xBar, zeros);
        const hp = k.heap, xb = this.ws.xBar;
        for (let i = 0, o = xOff + (r - r0) * s[0]!; i < m * s[0]!; i++) xBar[o + i] = hp[xb + i]! + xBar[o + i]!;
      }
    }
  }

  accumulateParamGrad(acts: Activations, adjs: readonly Adjoints[], r0: number, n: number, grads: readonly Float64Array[]): void {
    if (adjs.length !== grads.length) throw new Error(`accumulateParamGrad: ${adjs.length} adjoint sets but ${grads.length} gradients`);
    const A = acts as MlpActivations;
    checkRows(A, r0, n);
    const s = this.width, k = this.kern, { gW, gB } = this.ws;
    for (let q = 0; q < adjs.length; q++) {
      const D = adjs[q] as MlpAdjoints;
      checkRows(D, r0, n);
      const g = grads[q]!;
      for (let l = 1; l < s.length; l++) {
        // The running sums go through the heap, as the kernels add to them.
        const W = this.kernels[l - 1]!, size = s[l - 1]! * s[l]!;
        copyIn(g, W.offset, size, k.heap, gW);
        if (this.bias) copyIn(g, this.biases[l - 1]!.offset, s[l]!, k.heap, gB);
        k.paramGrad(A.p[l - 1]! + r0 * s[l - 1]!, n, s[l - 1]!, D.p[l]! + r0 * s[l]!, s[l]!, gW, gB);
        const h = k.heap;
        for (let i = 0; i < size; i++) g[W.offset + i] = h[gW + i]!;
        if (this.bias) for (let i = 0, o = this.biases[l - 1]!.offset; i < s[l]!; i++) g[o + i] = h[gB + i]!;
      }
    }
  }

  /** Copies θ into the heap: each kernel, its transpose and bias. */
  private loadParams(params: Float64Array): void {
    const h = this.kern.heap, s = this.width;
    for (let l = 1; l < s.length; l++) {
      const W = this.kernels[l - 1]!, rows = s[l - 1]!, cols = s[l]!;
      copyIn(params, W.offset, W.size, h, this.wAt[l]!);
      for (let i = 0, t = this.wtAt[l]!; i < rows; i++) for (let j = 0; j < cols; j++) h[t + j * rows + i] = params[W.offset + i * cols + j]!;
      if (this.bias) copyIn(params, this.biases[l - 1]!.offset, cols, h, this.bAt[l]!);
    }
  }

  bindParams(params: Float64Array): void {
    this.loadParams(params);
    this.bound = params;
  }

  releaseParams(): void {
    this.bound = null;
  }

  scaleAdjoints(src: Adjoints, scale: Float64Array, sOff: number, r0: number, n: number, dst: Adjoints): void {
    const S = src as MlpAdjoints, D = dst as MlpAdjoints;
    checkRows(S, r0, n);
    checkRows(D, r0, n);
    const s = this.width, k = this.kern, { factors, zeros } = this.ws;
    for (let r = r0; r < r0 + n; r += BLOCK) {
      const m = Math.min(BLOCK, r0 + n - r);
      const h = k.heap;
      for (let i = 0; i < m; i++) h[factors + i] = scale[sOff + r - r0 + i]!;
      // Times 1 − 0² = 1: just the factors.
      for (let l = 1; l < s.length; l++) k.scaleRows(factors, m, S.p[l]! + r * s[l]!, s[l]!, s[l]!, zeros, 0, D.p[l]! + r * s[l]!);
    }
  }
}

/** Throws unless rows r0 … r0+n−1 exist (the heap holds other arrays past them). */
function checkRows(a: MlpSet, r0: number, n: number): void {
  if (a.start < 0) throw new Error('MLP: a set used after release');
  if (!(r0 >= 0 && n >= 0 && r0 + n <= a.rows)) throw new Error(`MLP: rows ${r0} … ${r0 + n - 1} of a set of ${a.rows}`);
}

/** h[at + i] = src[so + i], i < len: a typed-array copy for long runs, a loop (no view) for short ones. */
function copyIn(src: Float64Array, so: number, len: number, h: Heap, at: number): void {
  if (len >= 256) h.set(src.subarray(so, so + len), at);
  else for (let i = 0; i < len; i++) h[at + i] = src[so + i]!;
}
