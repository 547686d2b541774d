/**
 * The quantum problem's CNN controller (spec/quantum.md), fused, with a hand-written backward.
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
 * (Conv1D 75 600 of them: see conv.ts for its register-blocked window kernels).
 */
import type { Rng } from '../engine/random.js';
import { layoutParams, paramCount, type Activations, type Adjoints, type Controller, type ParamSpec } from './controller.js';
import { windowBackwardInput, windowForward, windowParamGrad } from './conv.js';
import { denseBackwardInput, denseForward, denseParamGrad } from './dense.js';
import { glorotUniform } from './init.js';

export interface CnnOptions {
  /** Nx: grid points (image rows); each row holds (Re ψ, Im ψ). */
  gridPoints: number;
  /** w: filters of both convolutions (60 in the paper). */
  width: number;
}

interface CnnActivations extends Activations {
  /** Input copy [rows][Nx·2], Conv2D output h1 [rows][H1][w], Conv1D output h2 [rows][H2][w]. */
  readonly x: Float64Array;
  readonly h1: Float64Array;
  readonly h2: Float64Array;
}

interface CnnAdjoints extends Adjoints {
  /** Pre-activation cotangents: Conv2D [rows][H1][w], Conv1D [rows][H2][w], Dense output [rows]. */
  readonly d1: Float64Array;
  readonly d2: Float64Array;
  readonly d3: Float64Array;
}

/** Output positions of a valid convolution; < 1 when the kernel does not fit. */
function validOut(size: number, kernel: number, stride: number): number {
  return size < kernel ? 0 : Math.floor((size - kernel) / stride) + 1;
}

export class Cnn implements Controller {
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

  createActivations(rows: number): CnnActivations {
    const w = this.width;
    return {
      rows,
      x: new Float64Array(rows * this.inputSize),
      h1: new Float64Array(rows * this.h1Size * w),
      h2: new Float64Array(rows * this.h2Size * w),
    };
  }

  createAdjoints(rows: number): CnnAdjoints {
    const w = this.width;
    return {
      rows,
      d1: new Float64Array(rows * this.h1Size * w),
      d2: new Float64Array(rows * this.h2Size * w),
      d3: new Float64Array(rows),
    };
  }

  forward(params: Float64Array, x: Float64Array, xOff: number, y: Float64Array, yOff: number, r0: number, n: number, acts: Activations): void {
    const A = acts as CnnActivations;
    const w = this.width, H1 = this.h1Size, H2 = this.h2Size, S = this.inputSize;
    A.x.set(x.subarray(xOff, xOff + n * S), r0 * S);
    windowForward(A.x, r0 * S, S, n, H1, 4, 6, params, this.k1.offset, params, this.b1.offset, w, A.h1, r0 * H1 * w, true);
    windowForward(A.h1, r0 * H1 * w, H1 * w, n, H2, 2 * w, 3 * w, params, this.k2.offset, params, this.b2.offset, w, A.h2, r0 * H2 * w, true);
    denseForward(A.h2, r0 * H2 * w, n, H2 * w, params, this.kd.offset, params, this.bd.offset, 1, y, yOff, false);
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
    const { h1, h2 } = acts as CnnActivations;
    const { d1, d2, d3 } = adj as CnnAdjoints;
    const w = this.width, H1 = this.h1Size, H2 = this.h2Size;
    for (let r = 0; r < n; r++) d3[r0 + r] = yBar[yOff + r]!;
    // Dense (linear): h2Bar = d3·Kdᵀ, then through tanh.
    const o2 = r0 * H2 * w, e2 = o2 + n * H2 * w;
    denseBackwardInput(d3, r0, n, 1, params, this.kd.offset, H2 * w, d2, o2, false);
    for (let i = o2; i < e2; i++) d2[i]! *= 1 - h2[i]! * h2[i]!;
    // Conv1D: overlapping windows accumulate into h1Bar (rows an even H1 leaves unread stay 0).
    const o1 = r0 * H1 * w, e1 = o1 + n * H1 * w;
    d1.fill(0, o1, e1);
    windowBackwardInput(d2, o2, n, H2, w, params, this.k2.offset, 3 * w, d1, o1, H1 * w, 2 * w);
    for (let i = o1; i < e1; i++) d1[i]! *= 1 - h1[i]! * h1[i]!;
    if (xBar) windowBackwardInput(d1, o1, n, H1, w, params, this.k1.offset, 6, xBar, xOff, this.inputSize, 4);
  }

  accumulateParamGrad(acts: Activations, adjs: readonly Adjoints[], r0: number, n: number, grads: readonly Float64Array[]): void {
    if (adjs.length !== grads.length) throw new Error(`accumulateParamGrad: ${adjs.length} adjoint sets but ${grads.length} gradients`);
    const { x, h1, h2 } = acts as CnnActivations;
    const w = this.width, H1 = this.h1Size, H2 = this.h2Size, S = this.inputSize;
    for (let k = 0; k < adjs.length; k++) {
      const { d1, d2, d3 } = adjs[k] as CnnAdjoints;
      const g = grads[k]!;
      windowParamGrad(x, r0 * S, S, n, H1, 4, 6, d1, r0 * H1 * w, w, g, this.k1.offset, g, this.b1.offset);
      windowParamGrad(h1, r0 * H1 * w, H1 * w, n, H2, 2 * w, 3 * w, d2, r0 * H2 * w, w, g, this.k2.offset, g, this.b2.offset);
      denseParamGrad(h2, r0 * H2 * w, n, H2 * w, d3, r0, 1, g, this.kd.offset, g, this.bd.offset);
    }
  }
}
