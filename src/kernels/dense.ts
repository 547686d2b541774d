/**
 * The dense kernels of js/dense.ts on WebAssembly SIMD (module.ts), for controllers that keep
 * their arrays in JS (../nn/mlp.ts). Same signatures over Float64Arrays.
 *   - f64 (f64x2): ~4–5× the plain-JS speed, the same results bit for bit: each output is
 *     accumulated in the same order from the same start (no FMA in wasm SIMD, so every multiply
 *     and add rounds as in JS); tanh too (the kernel's rational form is tanh.ts's, operation for
 *     operation, and tanh.ts finishes the numbers outside its range).
 *   - f32 (f32x4): operands are rounded to float32 on the way in, products and tanh (all in
 *     SIMD) computed in float32, results widened to float64 on the way out.
 * Where WebAssembly or its SIMD is missing, `simdDenseKernels()` returns null and callers keep
 * the plain-JS kernels (float64).
 *
 * Data: operands are copied into the instance's scratch memory per call and results copied out
 * (~5 µs per 800 × 100 block, against ~0.5 ms of arithmetic). Weights are the exception: while an
 * array is bound (`bind`, used by the unroll for the Nt steps of a pass), its slices stay resident.
 */
import { denseBackwardInput, denseForward, denseParamGrad } from './js/dense.js';
import { finishTanh } from './js/tanh.js';
import { bytesOf, instantiateKernels, type Precision, type WasmKernels } from './module.js';

export interface DenseKernels {
  /** The number type of the products (the plain-JS kernels: f64). */
  readonly precision: Precision;
  readonly forward: typeof denseForward;
  readonly backwardInput: typeof denseBackwardInput;
  readonly paramGrad: typeof denseParamGrad;
  /** Until release(): `params` is not written to, so slices of it may be kept (see ParamBinding). */
  bind(params: Float64Array): void;
  release(): void;
}

export const jsDenseKernels: DenseKernels = {
  precision: 'f64',
  forward: denseForward,
  backwardInput: denseBackwardInput,
  paramGrad: denseParamGrad,
  bind: () => {},
  release: () => {},
};

const align16 = (bytes: number): number => Math.ceil(bytes / 16) * 16;

/** Bytes 0 … 15: tanh's flag; resident slices and scratch follow. */
const FLAG_BYTES = 16;

class SimdDense implements DenseKernels {
  /** The memory as numbers of the precision. */
  private f64: Float64Array | Float32Array;
  /** Bytes per number. */
  private readonly E: number;
  private bound: Float64Array | null = null;
  /** The bound array's resident slices: byte pointer and length, by offset (transposed: −offset − 1). */
  private readonly slices = new Map<number, { readonly p: number; readonly len: number }>();
  /** End of the resident slices: each call's scratch starts here. */
  private residentEnd = FLAG_BYTES;
  private top = FLAG_BYTES;

  constructor(
    readonly precision: Precision,
    private readonly memory: WebAssembly.Memory,
    private readonly wasm: WasmKernels,
  ) {
    this.E = bytesOf(precision);
    this.f64 = this.view();
  }

  private view(): Float64Array | Float32Array {
    return this.precision === 'f64' ? new Float64Array(this.memory.buffer) : new Float32Array(this.memory.buffer);
  }

  bind(params: Float64Array): void {
    this.rebind(params);
  }

  release(): void {
    this.rebind(null);
  }

  private rebind(params: Float64Array | null): void {
    this.bound = params;
    this.slices.clear();
    this.residentEnd = FLAG_BYTES;
  }

  forward(
    x: Float64Array, xo: number, n: number, nIn: number,
    w: Float64Array, wo: number, b: Float64Array, bo: number, nOut: number,
    y: Float64Array, yo: number, tanhAct: boolean,
  ): void {
    let wp = this.resident(w, wo, nIn, nOut, false);
    let bp = this.resident(b, bo, 1, nOut, false);
    this.top = this.residentEnd;
    if (wp < 0) wp = this.copyIn(w, wo, nIn * nOut, 0);
    if (bp < 0) bp = this.copyIn(b, bo, nOut, 0);
    const ap = this.copyIn(x, xo, n * nIn, 0);
    const cp = this.alloc(n * nOut + 16 / this.E);
    this.wasm.matmul(ap, n, nIn, wp, nOut, cp, bp);
    if (tanhAct) this.tanh(cp, n * nOut);
    this.copyOut(cp, y, yo, n * nOut, false);
  }

  backwardInput(
    g: Float64Array, go: number, n: number, nOut: number,
    w: Float64Array, wo: number, nIn: number,
    xBar: Float64Array, xbo: number, accumulate: boolean,
  ): void {
    // xBar = g·Wᵀ: the forward product against W transposed ([nOut][nIn]), from a zero "bias".
    let wt = this.resident(w, wo, nIn, nOut, true);
    this.top = this.residentEnd;
    if (wt < 0) {
      wt = this.alloc(nIn * nOut);
      this.transposeIn(w, wo, nIn, nOut, wt);
    }
    const zp = this.alloc(nIn);
    this.f64.fill(0, zp / this.E, zp / this.E + nIn);
    const gp = this.copyIn(g, go, n * nOut, 0);
    const cp = this.alloc(n * nIn);
    this.wasm.matmul(gp, n, nOut, wt, nIn, cp, zp);
    this.copyOut(cp, xBar, xbo, n * nIn, accumulate);
  }

  paramGrad(
    x: Float64Array, xo: number, n: number, nIn: number,
    g: Float64Array, go: number, nOut: number,
    dW: Float64Array, dWo: number, db: Float64Array, dbo: number,
  ): void {
    // Inputs run in blocks of 4: up to 3 more are computed from whatever follows x and dropped.
    const k4 = Math.ceil(nIn / 4) * 4;
    this.top = this.residentEnd;
    const xp = this.copyIn(x, xo, n * nIn, 3);
    const gp = this.copyIn(g, go, n * nOut, 0);
    const dp = this.copyIn(dW, dWo, nIn * nOut, (k4 - nIn) * nOut);
    const sp = this.copyIn(db, dbo, nOut, 0);
    this.wasm.colSum(gp, n, nOut, sp);
    this.wasm.matmulTN(xp, n, k4, nIn, gp, nOut, dp);
    this.copyOut(dp, dW, dWo, nIn * nOut, false);
    this.copyOut(sp, db, dbo, nOut, false);
  }

  /** The byte pointer of a resident copy of a [rows][cols] slice of the bound array, else −1. */
  private resident(a: Float64Array, off: number, rows: number, cols: number, transposed: boolean): number {
    if (a !== this.bound) return -1;
    const key = transposed ? -off - 1 : off;
    const hit = this.slices.get(key);
    if (hit !== undefined && hit.len === rows * cols) return hit.p;
    const p = this.residentEnd;
    this.residentEnd = align16(p + this.E * rows * cols);
    this.ensure(this.residentEnd);
    if (transposed) this.transposeIn(a, off, rows, cols, p);
    else this.f64.set(a.subarray(off, off + rows * cols), p / this.E);
    this.slices.set(key, { p, len: rows * cols });
    return p;
  }

  /** `len` numbers of scratch for this call; returns their byte pointer. */
  private alloc(len: number): number {
    const p = this.top;
    this.top = align16(p + this.E * len);
    this.ensure(this.top);
    return p;
  }

  private ensure(bytes: number): void {
    const have = this.memory.buffer.byteLength;
    if (bytes <= have) return;
    this.memory.grow(Math.ceil((bytes - have) / 65536));
    this.f64 = this.view();
  }

  /** Copies len numbers in, leaving `spare` more numbers of scratch after them; returns the byte pointer. */
  private copyIn(src: Float64Array, so: number, len: number, spare: number): number {
    const p = this.alloc(len + spare);
    const f = this.f64;
    const d = p / this.E;
    if (len >= 256) f.set(src.subarray(so, so + len), d);
    else for (let k = 0; k < len; k++) f[d + k] = src[so + k]!;
    return p;
  }

  /** dst[dOff + k] (+)= the k-th number from byte p on, k < len. */
  private copyOut(p: number, dst: Float64Array, dOff: number, len: number, accumulate: boolean): void {
    const f = this.f64;
    const s = p / this.E;
    if (accumulate) for (let k = 0; k < len; k++) dst[dOff + k] = f[s + k]! + dst[dOff + k]!;
    else if (len >= 256) dst.set(f.subarray(s, s + len), dOff);
    else for (let k = 0; k < len; k++) dst[dOff + k] = f[s + k]!;
  }

  /** Memory at p ← the transpose of the [rows][cols] slice of `a` at `off`. */
  private transposeIn(a: Float64Array, off: number, rows: number, cols: number, p: number): void {
    const f = this.f64;
    const d = p / this.E;
    for (let i = 0; i < rows; i++) for (let j = 0; j < cols; j++) f[d + j * rows + i] = a[off + i * cols + j]!;
  }

  /** tanh of the `len` numbers at byte p: the SIMD kernel, then tanh.ts for the numbers it left. */
  private tanh(p: number, len: number): void {
    const lanes = 16 / this.E;
    const whole = Math.ceil(len / lanes) * lanes; // the scratch has room for the last vector
    const f = this.f64;
    f.fill(0, p / this.E + len, p / this.E + whole);
    if (this.wasm.tanh) return this.wasm.tanh(p, this.E * whole);
    this.wasm.tanhSmall(p, this.E * whole, 0);
    for (let i = 0; i < lanes; i++) {
      if (f[i] !== 0) {
        finishTanh(f, p / this.E, p / this.E + len);
        break;
      }
    }
  }
}

const instances = new Map<Precision, DenseKernels | null>();

/**
 * The SIMD kernels of a precision (one instance each, made on first call), or null where
 * WebAssembly SIMD is unavailable.
 */
export function simdDenseKernels(precision: Precision = 'f64'): DenseKernels | null {
  if (!instances.has(precision)) {
    const inst = instantiateKernels(precision, 32);
    instances.set(precision, inst && new SimdDense(precision, inst.memory, inst.kernels));
  }
  return instances.get(precision)!;
}
