/**
 * The quantum problem's CNN controller (docs/problems.md), fused, with a hand-written backward.
 *
 * Input per row: ψ as [Nx][2] (Re, Im), seen as an Nx×2 single-channel image.
 *   1. Conv2D(w filters, kernel 3×2, stride 2, valid, tanh): h1[i][f] = tanh(b1[f] + Σ_{dh<3,c<2} x[2i+dh][c]·K1[dh][c][0][f]),
 *      i < H1 = ⌊(Nx − 3)/2⌋ + 1 (the 3×2 kernel spans the width, so one output column: [H1][1][w] = [H1][w])
 *   2. Conv1D(w filters, kernel 3, stride 2, valid, tanh): h2[t][f] = tanh(b2[f] + Σ_{k<3,c<w} h1[2t+k][c]·K2[k][c][f]),
 *      t < H2 = ⌊(H1 − 3)/2⌋ + 1
 *   3. flatten channels last (index t·w + c) → Dense(1, linear): u = bd + Σ h2[t][c]·Kd[t·w+c][0]
 * Convolutions are cross-correlations (no kernel flip), as in Keras.
 *
 * Parameter layout in θ (Keras names and shapes, row-major, in this order):
 *   conv2d/kernel [3][2][1][w]   element (dh, c, 0, f) at (dh·2 + c)·w + f
 *   conv2d/bias   [w]
 *   conv1d/kernel [3][w][w]      element (k, c, f) at (k·w + c)·w + f
 *   conv1d/bias   [w]
 *   dense/kernel  [H2·w][1]      element (t·w + c, 0)
 *   dense/bias    [1]
 * Init: Glorot-uniform kernels with the kernel size in both fans (Conv2D fan_in 6, fan_out 6w;
 * Conv1D 3w / 3w; Dense H2·w / 1), zero biases; so the CNN starts with a random, non-zero output.
 * For Nx = 32, w = 60: H1 = 15, H2 = 7, 11 701 parameters, 81 420 multiply-adds per row
 * (Conv1D 75 600 of them).
 *
 * Implementation: both convolutions run as im2col + dense products (conv.ts) and the Dense layer
 * as dense1.ts, on a heap of the CNN's own (../kernels/heap.ts: WebAssembly SIMD where available,
 * else plain JS; in f64 both give the same numbers bit for bit; in f32 the heap and every product
 * are float32). Activations and adjoints live in that heap too (../kernels/regions.ts, cnn-adjoints.ts), so no pass copies them in or out: the forward
 * pass writes its outputs in place, and the backward and weight-gradient passes take the rows in
 * blocks, each block of stored arrays copied into scratch first (one sequential copy and reads from
 * cache beat the kernels' scattered reads from memory). The heap only grows; sets go back to it
 * when released (`release`), and all of it goes with the CNN: make sets once per shape, as the
 * unroll does.
 * The adjoints keep each row's own Conv2D gradient (7w numbers) rather than the layer's cotangents
 * (H1·w). The CNN offers the unroll adjoint scaling (one output; done lazily) and keeping θ resident
 * for a pass (capabilities.ts).
 */
import type { Rng } from '../engine/random.js';
import { layoutParams, paramCount, type Activations, type Adjoints, type Controller, type ParamSpec } from './controller.js';
import type { AdjointScaling, ParamBinding, PrecisionChoice } from './capabilities.js';
import { AdjointStore, type CnnAdjoints } from './cnn-adjoints.js';
import { StridedConv3, transpose, validOut } from './conv.js';
import { Dense1 } from './dense1.js';
import { createHeapKernels, HEAP_START, type Heap, type HeapKernels } from '../kernels/heap.js';
import type { Precision } from '../kernels/module.js';
import { HeapRegions } from '../kernels/regions.js';
import { glorotUniform } from './init.js';

export interface CnnOptions {
  /** Nx: grid points (image rows); each row holds (Re ψ, Im ψ). */
  gridPoints: number;
  /** w: filters of both convolutions (60 in the paper). */
  width: number;
  /**
   * 'auto' (default): WebAssembly SIMD kernels where available, else plain JS; 'js': plain JS.
   * In f64 both give the same numbers bit for bit.
   */
  kernels?: 'auto' | 'js';
  /** 'f64' (default) or 'f32': the heap and the products in float32 (SIMD kernels only). */
  precision?: Precision;
}

/** Heap indices of a set of activations: input copy x [rows][Nx·2], Conv2D output h1 [rows][H1][w], Conv1D output h2 [rows][H2][w]. */
interface CnnActivations extends Activations {
  /** The set's range in the heap (−1 once released). */
  start: number;
  readonly len: number;
  readonly x: number;
  readonly h1: number;
  readonly h2: number;
}

/** Rows per block. */
const BLOCK = 16;

/** Heap indices of θ's parts and of one block's scratch (sized for BLOCK rows, with the spares ../kernels/heap.ts lists). */
interface Workspace {
  /** θ's convolution parts, their transposes, the Dense kernel as a column and as [H2·w][cols] next to zeros (dense1.ts), its bias [bd, 0 …]. */
  readonly k1: number; readonly b1: number; readonly k2: number; readonly b2: number;
  readonly k1T: number; readonly k2T: number; readonly kd: number; readonly kd2: number; readonly bd2: number;
  /** Zeros (biases of the backward products, "no tanh" for scaleRows and col2im), ones [2][BLOCK], per-row factors [2][BLOCK]. */
  readonly zeros: number; readonly ones: number; readonly s: number;
  /** Windows (Conv1D's + 3 spare numbers), window and position cotangents, the Dense output [BLOCK][cols], an input cotangent block. */
  readonly c1: number; readonly c2: number; readonly dc2: number; readonly d1: number; readonly dc1: number;
  readonly y2: number; readonly xBar: number;
  /** A block's Conv2D windows transposed (conv.ts im2colT) and its rows' own gradients [BLOCK][7w] (+ a spare row). */
  readonly ct: number; readonly g1: number;
  /**
   * A block of rows of activations and adjoints, copied here before they are read: one sequential
   * copy and reads from cache are faster than the kernels' scattered reads from memory.
   */
  readonly h1: number; readonly h2: number; readonly g1s: number; readonly d2: number;
  /** Where the heap's regions (../kernels/regions.ts) start. */
  readonly end: number;
}

export class Cnn implements Controller, AdjointScaling, ParamBinding, PrecisionChoice {
  readonly inputSize: number;
  readonly outputSize = 1;
  readonly layout: readonly ParamSpec[];
  readonly paramCount: number;
  readonly macsPerRow: number;
  readonly gridPoints: number;
  readonly width: number;
  /** Positions after the Conv2D and after the Conv1D. */
  readonly h1Size: number;
  readonly h2Size: number;
  private readonly k1: ParamSpec;
  private readonly b1: ParamSpec;
  private readonly k2: ParamSpec;
  private readonly b2: ParamSpec;
  private readonly kd: ParamSpec;
  private readonly bd: ParamSpec;
  private readonly conv1: StridedConv3;
  private readonly conv2: StridedConv3;
  private readonly dense: Dense1;
  private readonly kern: HeapKernels;
  private readonly ws: Workspace;
  private readonly regions: HeapRegions;
  /**
   * Adjoint sets: per row the Conv2D's own kernel and bias gradient g1 [6w + w] (7w numbers: fewer
   * than the layer's pre-activation cotangents [H1][w] they come from, and all the weight gradient
   * needs), the Conv1D's and the Dense output's pre-activation cotangents d2 [H2][w] and d3 [1].
   */
  private readonly store: AdjointStore;
  /** θ as bound (bindParams): its parts stay in the heap meanwhile. */
  private bound: Float64Array | null = null;

  constructor(readonly options: CnnOptions) {
    const { gridPoints: nx, width: w } = options;
    if (!Number.isInteger(nx) || nx < 1) throw new Error(`CNN: grid points Nx must be a positive integer, got ${nx}`);
    if (!Number.isInteger(w) || w < 1) throw new Error(`CNN: width must be a positive integer, got ${w}`);
    const h1 = validOut(nx, 3, 2);
    const h2 = validOut(h1, 3, 2);
    if (h2 < 1) {
      throw new Error(
        `CNN: Nx = ${nx} grid points are too few: the 3×2 stride-2 Conv2D gives ${h1} positions, ` +
          `fewer than the 3 the Conv1D kernel needs (Nx must be at least 7)`,
      );
    }
    this.gridPoints = nx;
    this.width = w;
    this.h1Size = h1;
    this.h2Size = h2;
    this.inputSize = 2 * nx;
    this.layout = layoutParams([
      { name: 'conv2d/kernel', shape: [3, 2, 1, w] },
      { name: 'conv2d/bias', shape: [w] },
      { name: 'conv1d/kernel', shape: [3, w, w] },
      { name: 'conv1d/bias', shape: [w] },
      { name: 'dense/kernel', shape: [h2 * w, 1] },
      { name: 'dense/bias', shape: [1] },
    ]);
    [this.k1, this.b1, this.k2, this.b2, this.kd, this.bd] = this.layout as [ParamSpec, ParamSpec, ParamSpec, ParamSpec, ParamSpec, ParamSpec];
    this.paramCount = paramCount(this.layout);
    this.macsPerRow = h1 * 6 * w + h2 * 3 * w * w + h2 * w;
    this.conv1 = new StridedConv3(nx, 2, w);
    this.conv2 = new StridedConv3(h1, w, w);
    this.kern = createHeapKernels(options.kernels === 'js' ? 'js' : 'auto', options.precision ?? 'f64');
    this.dense = new Dense1(h2 * w, this.kern.precision === 'f32' ? 4 : 2);
    this.ws = this.plan();
    this.regions = new HeapRegions(this.ws.end);
    this.store = new AdjointStore(this.kern, this.regions, 7 * w, h2 * w, this.ws.zeros, BLOCK);
  }

  /** Lays out θ's parts and the scratch in the heap. */
  private plan(): Workspace {
    const w = this.width, N1 = this.h1Size * w, N2 = this.h2Size * w, v1 = BLOCK * this.h1Size, v2 = BLOCK * this.h2Size;
    const C = this.dense.cols;
    let top = HEAP_START;
    const take = (len: number): number => {
      const p = top;
      top += Math.ceil(len / 4) * 4; // 16-byte aligned in f32 too: vector loads stay within cache lines
      return p;
    };
    const ws = {
      k1: take(6 * w), b1: take(w), k2: take(3 * w * w), b2: take(w), k1T: take(6 * w), k2T: take(3 * w * w),
      kd: take(N2), kd2: take(C * N2), bd2: take(C), zeros: take(Math.max(7 * w, N2, this.inputSize)), ones: take(2 * BLOCK), s: take(2 * BLOCK),
      c1: take(v1 * 6), c2: take(v2 * 3 * w + 3), dc2: take(v2 * 3 * w), d1: take(v1 * w), dc1: take(v1 * 6),
      y2: take(C * BLOCK), xBar: take(BLOCK * this.inputSize), ct: take(BLOCK * 8 * this.h1Size), g1: take((7 * BLOCK + 1) * w),
      h1: take(BLOCK * N1), h2: take(BLOCK * N2), g1s: take(BLOCK * 7 * w), d2: take(BLOCK * N2),
      end: top,
    };
    this.kern.ensure(top);
    this.kern.heap.fill(1, ws.ones, ws.ones + 2 * BLOCK);
    return ws;
  }

  initParams(rng: Rng): Float64Array {
    const theta = new Float64Array(this.paramCount);
    const w = this.width;
    const fill = (k: ParamSpec, fanIn: number, fanOut: number): void =>
      glorotUniform(theta.subarray(k.offset, k.offset + k.size), fanIn, fanOut, rng);
    fill(this.k1, 6, 6 * w);
    fill(this.k2, 3 * w, 3 * w);
    fill(this.kd, this.h2Size * w, 1);
    return theta;
  }

  /** The number type of the products. */
  get precision(): Precision {
    return this.kern.precision;
  }

  /** The same architecture with products in `precision` (a heap of its own). */
  withPrecision(precision: Precision): Cnn {
    return new Cnn({ ...this.options, precision });
  }

  createActivations(rows: number): CnnActivations {
    const sizes = [this.inputSize, this.h1Size * this.width, this.h2Size * this.width];
    const len = sizes.reduce((a, s) => a + rows * s, 0);
    const p = this.regions.alloc(len);
    this.kern.ensure(this.regions.top);
    return { rows, start: p, len, x: p, h1: p + rows * sizes[0]!, h2: p + rows * (sizes[0]! + sizes[1]!) };
  }

  createAdjoints(rows: number): CnnAdjoints {
    return this.store.create(rows);
  }

  /** Gives a set of activations or adjoints back to the heap; the set is unusable after. */
  release(set: Activations | Adjoints): void {
    if ('state' in set) return this.store.release(set as CnnAdjoints);
    const A = set as CnnActivations;
    if (A.start < 0) return;
    this.regions.release(A.start, A.len);
    A.start = -1;
  }

  forward(params: Float64Array, x: Float64Array, xOff: number, y: Float64Array, yOff: number, r0: number, n: number, acts: Activations): void {
    const A = acts as CnnActivations;
    checkRows(A, r0, n);
    const { kern, ws, conv1, conv2 } = this;
    const S = this.inputSize, N1 = this.h1Size * this.width, N2 = this.h2Size * this.width;
    if (params !== this.bound) this.loadParams(params);
    kern.heap.set(x.subarray(xOff, xOff + n * S), A.x + r0 * S);
    for (let r = r0; r < r0 + n; r += BLOCK) {
      const m = Math.min(BLOCK, r0 + n - r);
      const h1 = A.h1 + r * N1, h2 = A.h2 + r * N2;
      conv1.im2col(kern, A.x + r * S, m, ws.c1);
      conv1.forward(kern, ws.c1, m, ws.k1, ws.b1, h1);
      conv2.im2col(kern, h1, m, ws.c2);
      conv2.forward(kern, ws.c2, m, ws.k2, ws.b2, h2);
      this.dense.forward(kern, h2, m, ws.kd2, ws.bd2, ws.y2, y, yOff + r - r0);
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
    const A = acts as CnnActivations;
    checkRows(A, r0, n);
    checkRows(adj, r0, n);
    const D = this.store.writable(adj as CnnAdjoints, r0 === 0 && n === adj.rows);
    const { kern, ws, conv1, conv2 } = this;
    const w = this.width, S = this.inputSize, N1 = this.h1Size * w, N2 = this.h2Size * w;
    if (params !== this.bound) this.loadParams(params);
    const hp = kern.heap;
    for (let q = 0; q < n; q++) hp[D.d3 + r0 + q] = yBar[yOff + q]!;
    for (let r = r0; r < r0 + n; r += BLOCK) {
      const m = Math.min(BLOCK, r0 + n - r);
      const d2 = D.d2 + r * N2;
      hp.copyWithin(ws.h1, A.h1 + r * N1, A.h1 + (r + m) * N1);
      hp.copyWithin(ws.h2, A.h2 + r * N2, A.h2 + (r + m) * N2);
      // Dense (linear), then through tanh: d2 = (d3·Kdᵀ)·(1 − h2²); Conv1D back to the Conv2D's pre-activations.
      this.dense.backward(kern, D.d3 + r, m, ws.kd, ws.h2, N2, d2);
      conv2.backward(kern, d2, m, ws.k2T, ws.zeros, ws.dc2, ws.d1, ws.h1, N1);
      // Each row's Conv2D gradient [kernel | bias] from its own windows and cotangents.
      conv1.im2colT(hp, A.x + r * S, m, ws.ct);
      conv1.rowGrads(kern, ws.ct, m, ws.d1, ws.zeros, ws.g1);
      hp.copyWithin(D.g1 + r * 7 * w, ws.g1, ws.g1 + m * 7 * w);
      if (xBar) {
        conv1.backward(kern, ws.d1, m, ws.k1T, ws.zeros, ws.dc1, ws.xBar, ws.zeros, 0);
        for (let i = 0, o = xOff + (r - r0) * S; i < m * S; i++) xBar[o + i]! += hp[ws.xBar + i]!;
      }
    }
  }

  accumulateParamGrad(acts: Activations, adjs: readonly Adjoints[], r0: number, n: number, grads: readonly Float64Array[]): void {
    if (adjs.length !== grads.length) throw new Error(`accumulateParamGrad: ${adjs.length} adjoint sets but ${grads.length} gradients`);
    const A = acts as CnnActivations;
    checkRows(A, r0, n);
    for (const D of adjs) checkRows(D, r0, n);
    const sets = adjs.map((a) => this.store.view(a as CnnAdjoints));
    const { kern, ws, conv2 } = this;
    const w = this.width, N1 = this.h1Size * w, N2 = this.h2Size * w;
    // Sums per set, G numbers from grads + k·G: Conv1D kernel (+3 spare rows) and bias, rows of g1
    // summed, the Dense kernel (the last two + a spare row each).
    const gB2 = (3 * w + 3) * w, gG1 = gB2 + w, gKd = gG1 + 14 * w, G = gKd + 2 * N2;
    const grads0 = this.regions.alloc(sets.length * G);
    kern.ensure(this.regions.top);
    kern.heap.fill(0, grads0, grads0 + sets.length * G);
    const db = sets.map(() => 0);
    for (let r = r0; r < r0 + n; r += BLOCK) {
      const m = Math.min(BLOCK, r0 + n - r);
      const hp = kern.heap;
      hp.copyWithin(ws.h1, A.h1 + r * N1, A.h1 + (r + m) * N1);
      hp.copyWithin(ws.h2, A.h2 + r * N2, A.h2 + (r + m) * N2);
      conv2.im2col(kern, ws.h1, m, ws.c2);
      sets.forEach((D, k) => {
        const g = grads0 + k * G;
        // A lazily scaled set (cnn-adjoints.ts): its factors are applied here, as the eager scaling would.
        const f = D.factors;
        hp.copyWithin(ws.d2, D.d2 + r * N2, D.d2 + (r + m) * N2);
        if (f >= 0) kern.scaleRows(f + r, m, ws.d2, N2, N2, ws.zeros, 0, ws.d2);
        conv2.paramGrad(kern, ws.c2, m, ws.d2, g, g + gB2);
        // Conv2D: the rows' gradients summed, as a product with a row of ones (or of the factors).
        hp.copyWithin(ws.g1s, D.g1 + r * 7 * w, D.g1 + (r + m) * 7 * w);
        kern.matmul(f >= 0 ? f + r : ws.ones, 2, m, ws.g1s, 7 * w, g + gG1, g + gG1);
        for (let q = 0; q < m; q++) db[k] += hp[ws.s + q] = f >= 0 ? hp[f + r + q]! * hp[D.d3 + r + q]! : hp[D.d3 + r + q]!;
        this.dense.paramGrad(kern, ws.s, m, ws.h2, g + gKd);
      });
    }
    const hp = kern.heap;
    sets.forEach((_, k) => {
      const out = grads[k]!, g = grads0 + k * G;
      addTo(out, this.k2.offset, hp, g, 3 * w * w);
      addTo(out, this.b2.offset, hp, g + gB2, w);
      addTo(out, this.k1.offset, hp, g + gG1, 6 * w);
      addTo(out, this.b1.offset, hp, g + gG1 + 6 * w, w);
      addTo(out, this.kd.offset, hp, g + gKd, N2);
      out[this.bd.offset]! += db[k]!;
    });
    this.regions.release(grads0, sets.length * G);
  }

  /** Copies θ into the heap: the convolutions' parts, their transposes, the Dense kernel and bias. */
  private loadParams(params: Float64Array): void {
    const { ws, kern, width: w } = this;
    const hp = kern.heap;
    for (const [spec, at] of [[this.k1, ws.k1], [this.b1, ws.b1], [this.k2, ws.k2], [this.b2, ws.b2], [this.kd, ws.kd]] as const) {
      hp.set(params.subarray(spec.offset, spec.offset + spec.size), at);
    }
    transpose(params, this.k1.offset, 6, w, hp, ws.k1T);
    transpose(params, this.k2.offset, 3 * w, w, hp, ws.k2T);
    for (let i = 0, kd = this.kd.offset, C = this.dense.cols; i < this.kd.size; i++) hp[ws.kd2 + C * i] = params[kd + i]!;
    hp[ws.bd2] = params[this.bd.offset]!;
  }

  bindParams(params: Float64Array): void {
    this.loadParams(params);
    this.bound = params;
  }

  releaseParams(): void {
    this.bound = null;
  }

  scaleAdjoints(src: Adjoints, scale: Float64Array, sOff: number, r0: number, n: number, dst: Adjoints): void {
    checkRows(src, r0, n);
    checkRows(dst, r0, n);
    this.store.scale(src as CnnAdjoints, scale, sOff, r0, n, dst as CnnAdjoints);
  }
}

/** Throws unless rows r0 … r0+n−1 exist (the heap holds other arrays past them). */
function checkRows(a: { readonly rows: number; readonly start?: number }, r0: number, n: number): void {
  if (a.start !== undefined && a.start < 0) throw new Error('CNN: a set of activations used after release');
  if (!(r0 >= 0 && n >= 0 && r0 + n <= a.rows)) throw new Error(`CNN: rows ${r0} … ${r0 + n - 1} of a set of ${a.rows}`);
}

/** out[o + i] += src[so + i], i < len. */
function addTo(out: Float64Array, o: number, src: Heap, so: number, len: number): void {
  for (let i = 0; i < len; i++) out[o + i]! += src[so + i]!;
}
