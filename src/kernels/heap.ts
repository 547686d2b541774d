/**
 * Dense products, tanh and the quantum CNN's other kernels on one "heap": an array addressed by
 * index, holding θ, activations, adjoints and scratch alike (../nn/cnn.ts), so that a call moves
 * no operands: only a pass's input rows go in and its output rows come out (../nn/mlp.ts, ../nn/cnn.ts).
 *
 * Two implementations:
 *   - plain JS: the heap is a Float64Array and the kernels are js/dense.ts's and js/tanh.ts's;
 *   - WebAssembly SIMD (module.ts): the heap is a view of the instance's own memory, Float64Array
 *     (precision f64: the same numbers as plain JS, bit for bit) or Float32Array (precision f32:
 *     f32x4 products). Their requirements are the callers' to meet (see each method): spare
 *     numbers after some operands, and heap indices below HEAP_START left free (tanh's flag).
 */
import { denseForward, denseParamGrad } from './js/dense.js';
import { finishTanh, tanh, tanhInPlace } from './js/tanh.js';
import { bytesOf, instantiateKernels, type Precision, type WasmKernels } from './module.js';

/** Heap indices below this are reserved (tanh's flag: 16 bytes). */
export const HEAP_START = 4;

/** A heap of float64 or (precision f32) float32 numbers. */
export type Heap = Float64Array | Float32Array;

/** The heap kernels; each method's requirements hold for the SIMD ones, the JS ones take any shape. */
export interface HeapKernels {
  /** The heap; a new array after `ensure` grows it. */
  readonly heap: Heap;
  /** Whether these are the WebAssembly SIMD kernels. */
  readonly simd: boolean;
  /** The number type of the heap and of the products. */
  readonly precision: Precision;
  /** Makes the heap hold at least `len` numbers, keeping its contents. */
  ensure(len: number): void;
  /**
   * c[r][j] = bias[j] + Σ_i a[r][i]·b[i][j] for r < n, j < m (heap indices; row-major, rows of a k
   * apart; c may be bias when n ≤ 2).
   */
  matmul(a: number, n: number, k: number, b: number, m: number, c: number, bias: number): void;
  /**
   * dW[i][j] += Σ_r x[r][i]·g[r][j] and db[j] += Σ_r g[r][j], r < n, i < k, j < m (rows of x k apart).
   * SIMD: inputs go in blocks of 4, so x needs 3 spare numbers and dW 3 spare rows, which receive
   * junk.
   */
  paramGrad(x: number, n: number, k: number, g: number, m: number, dW: number, db: number): void;
  /** heap[i] = tanh(heap[i]) for p ≤ i < p + len. */
  tanh(p: number, len: number): void;
  /** Kernel-3 stride-2 windows: cols[r][t] = the 3C numbers of x[r] ([L][C]) from position 2t on. */
  im2col(x: number, n: number, T: number, C: number, L: number, cols: number): void;
  /**
   * Kernel-3 stride-2 window cotangents dc [n][T][3C] → position cotangents out [n][L][C] (parts
   * that belong to one position summed, 0 where none does), times 1 − h² (h: rows [L][C] hs apart;
   * zeros with hs = 0: none).
   */
  col2im(dc: number, n: number, T: number, C: number, L: number, h: number, hs: number, out: number): void;
  /**
   * out[r][i] = (c[r]·v[r·vs + i])·(1 − h[r·hs + i]²), r < n, i < len (out rows len apart; out may
   * be v): rows scaled (vs = len) or one row scaled by each factor (vs = 0), times a tanh
   * derivative (zeros with hs = 0: none).
   */
  scaleRows(c: number, n: number, v: number, vs: number, len: number, h: number, hs: number, out: number): void;
}

/** x[o + k] = (x[a + k] (+ x[b + k]))·(1 − x[h + k]²), k < C (b < 0: absent): one position of col2im. */
function position(x: Float64Array, a: number, b: number, h: number, o: number, C: number): void {
  if (b < 0) for (let k = 0; k < C; k++) x[o + k] = x[a + k]! * (1 - x[h + k]! * x[h + k]!);
  else for (let k = 0; k < C; k++) x[o + k] = (x[a + k]! + x[b + k]!) * (1 - x[h + k]! * x[h + k]!);
}

class JsHeapKernels implements HeapKernels {
  heap = new Float64Array(HEAP_START);
  readonly simd = false;
  readonly precision = 'f64';

  ensure(len: number): void {
    if (len <= this.heap.length) return;
    const grown = new Float64Array(Math.max(len, 2 * this.heap.length));
    grown.set(this.heap);
    this.heap = grown;
  }

  matmul(a: number, n: number, k: number, b: number, m: number, c: number, bias: number): void {
    const h = this.heap;
    denseForward(h, a, n, k, h, b, h, bias, m, h, c, false);
  }

  paramGrad(x: number, n: number, k: number, g: number, m: number, dW: number, db: number): void {
    const h = this.heap;
    denseParamGrad(h, x, n, k, h, g, m, h, dW, h, db);
  }

  tanh(p: number, len: number): void {
    tanhInPlace(this.heap, p, p + len);
  }

  im2col(x: number, n: number, T: number, C: number, L: number, cols: number): void {
    const h = this.heap, K = 3 * C;
    for (let r = 0, j = cols; r < n; r++) {
      for (let t = 0, s = x + r * L * C; t < T; t++, s += 2 * C, j += K) for (let i = 0; i < K; i++) h[j + i] = h[s + i]!;
    }
  }

  /** As the SIMD col2im (assembly/elementwise.ts): position 0, then per window t positions 2t + 1 and 2t + 2. */
  col2im(dc: number, n: number, T: number, C: number, L: number, h: number, hs: number, out: number): void {
    const x = this.heap, K = 3 * C;
    for (let r = 0; r < n; r++, dc += T * K, out += L * C, h += hs) {
      position(x, dc, -1, h, out, C);
      for (let t = 0; t < T; t++) {
        const w = dc + t * K, p = 2 * t + 1;
        position(x, w + C, -1, h + p * C, out + p * C, C);
        position(x, w + 2 * C, t + 1 < T ? w + K : -1, h + (p + 1) * C, out + (p + 1) * C, C);
      }
      if (L > 2 * T + 1) x.fill(0, out + (2 * T + 1) * C, out + (2 * T + 2) * C);
    }
  }

  scaleRows(c: number, n: number, v: number, vs: number, len: number, h: number, hs: number, out: number): void {
    const x = this.heap;
    for (let r = 0; r < n; r++, v += vs, h += hs, out += len) {
      const s = x[c + r]!;
      for (let i = 0; i < len; i++) x[out + i] = s * x[v + i]! * (1 - x[h + i]! * x[h + i]!);
    }
  }
}

class SimdHeapKernels implements HeapKernels {
  heap: Heap;
  readonly simd = true;
  /** Bytes per number. */
  private readonly E: number;

  constructor(
    readonly precision: Precision,
    private readonly memory: WebAssembly.Memory,
    private readonly wasm: WasmKernels,
  ) {
    this.E = bytesOf(precision);
    this.heap = this.view();
  }

  private view(): Heap {
    return this.precision === 'f64' ? new Float64Array(this.memory.buffer) : new Float32Array(this.memory.buffer);
  }

  ensure(len: number): void {
    const have = this.memory.buffer.byteLength;
    if (this.E * len <= have) return;
    this.memory.grow(Math.ceil((this.E * len - have) / 65536));
    this.heap = this.view();
  }

  matmul(a: number, n: number, k: number, b: number, m: number, c: number, bias: number): void {
    const E = this.E;
    this.wasm.matmul(E * a, n, k, E * b, m, E * c, E * bias);
  }

  paramGrad(x: number, n: number, k: number, g: number, m: number, dW: number, db: number): void {
    const E = this.E;
    this.wasm.colSum(E * g, n, m, E * db);
    this.wasm.matmulTN(E * x, n, Math.ceil(k / 4) * 4, k, E * g, m, E * dW);
  }

  tanh(p: number, len: number): void {
    const h = this.heap, lanes = 16 / this.E;
    const whole = len - (len % lanes);
    if (this.wasm.tanh) {
      this.wasm.tanh(this.E * p, this.E * whole);
      for (let i = p + whole; i < p + len; i++) h[i] = Math.fround(Math.tanh(h[i]!));
      return;
    }
    this.wasm.tanhSmall(this.E * p, this.E * whole, 0);
    // The flag holds all-ones lanes (a NaN) where some number was left for tanh.ts.
    for (let i = 0; i < lanes; i++) {
      if (h[i] !== 0) {
        finishTanh(h, p, p + whole);
        break;
      }
    }
    for (let i = p + whole; i < p + len; i++) h[i] = tanh(h[i]!);
  }

  im2col(x: number, n: number, T: number, C: number, L: number, cols: number): void {
    this.wasm.im2col(this.E * x, n, T, C, L, this.E * cols);
  }

  col2im(dc: number, n: number, T: number, C: number, L: number, h: number, hs: number, out: number): void {
    this.wasm.col2im(this.E * dc, n, T, C, L, this.E * h, hs, this.E * out);
  }

  scaleRows(c: number, n: number, v: number, vs: number, len: number, h: number, hs: number, out: number): void {
    this.wasm.scaleRows(this.E * c, n, this.E * v, vs, len, this.E * h, hs, this.E * out);
  }
}

/**
 * Fresh kernels with a heap of their own: 'auto' on WebAssembly SIMD where available, in the
 * given precision; else (and for 'js') plain JS, which computes in float64 whatever the precision.
 * The heap lives as long as the returned object.
 */
export function createHeapKernels(kind: 'auto' | 'js', precision: Precision = 'f64'): HeapKernels {
  if (kind === 'auto') {
    const inst = instantiateKernels(precision, 16);
    if (inst) return new SimdHeapKernels(precision, inst.memory, inst.kernels);
  }
  return new JsHeapKernels();
}
