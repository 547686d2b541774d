/**
 * Dense products, tanh and the quantum CNN's other kernels on one "heap": a Float64Array addressed
 * by index, holding θ, activations, adjoints and scratch alike (cnn.ts), so that a call moves no
 * operands (unlike dense-simd.ts's kernels, which copy into and out of their memory every call).
 *
 * Two implementations with the same numbers bit for bit:
 *   - plain JS: the heap is an ordinary array and the kernels are dense.ts's and tanh.ts's;
 *   - WebAssembly SIMD: the heap is a view of the module's memory and the kernels are
 *     dense-simd.ts's (assembled into this module), tanh-simd.ts's and heap-wasm.ts's. Their
 *     requirements are the callers' to meet (see each method): even column counts, spare numbers
 *     after some operands, and 0 … 1 of the heap left free (tanh's flag). Odd row counts are
 *     fine: the last row goes to the JS kernel, so no kernel writes past its output.
 */
import { buildColSum, buildMatmul, buildMatmulTN } from './dense-simd.js';
import { denseForward, denseParamGrad } from './dense.js';
import { buildCol2im, buildIm2col, buildScaleRows } from './heap-wasm.js';
import { tanhInPlace } from './tanh.js';
import { buildTanhSmall, finishTanh } from './tanh-simd.js';
import { assemble } from './wasm-emit.js';

/** Heap indices below this are reserved (tanh's flag). */
export const HEAP_START = 2;

/** The heap kernels; each method's requirements hold for the SIMD ones, the JS ones take any shape. */
export interface HeapKernels {
  /** The heap; a new array after `ensure` grows it. */
  readonly heap: Float64Array;
  /** Whether these are the WebAssembly SIMD kernels. */
  readonly simd: boolean;
  /** Makes the heap hold at least `len` numbers, keeping its contents. */
  ensure(len: number): void;
  /**
   * c[r][j] = bias[j] + Σ_i a[r][i]·b[i][j] for r < n, j < m (heap indices; row-major, rows of a k
   * apart; c may be bias when n ≤ 2). SIMD: m even.
   */
  matmul(a: number, n: number, k: number, b: number, m: number, c: number, bias: number): void;
  /**
   * dW[i][j] += Σ_r x[r][i]·g[r][j] and db[j] += Σ_r g[r][j], r < n, i < k, j < m (rows of x k apart).
   * SIMD: m even; inputs go in blocks of 4, so x needs 3 spare numbers and dW 3 spare rows, which
   * receive junk.
   */
  paramGrad(x: number, n: number, k: number, g: number, m: number, dW: number, db: number): void;
  /** heap[i] = tanh(heap[i]) for p ≤ i < p + len. */
  tanh(p: number, len: number): void;
  /** Kernel-3 stride-2 windows: cols[r][t] = the 3C numbers of x[r] ([L][C]) from position 2t on. SIMD: C even. */
  im2col(x: number, n: number, T: number, C: number, L: number, cols: number): void;
  /**
   * Kernel-3 stride-2 window cotangents dc [n][T][3C] → position cotangents out [n][L][C] (parts
   * that belong to one position summed, 0 where none does), times 1 − h² (h: rows [L][C] hs apart;
   * zeros with hs = 0: none). SIMD: C even.
   */
  col2im(dc: number, n: number, T: number, C: number, L: number, h: number, hs: number, out: number): void;
  /**
   * out[r][i] = (c[r]·v[r·vs + i])·(1 − h[r·hs + i]²), r < n, i < len (out rows len apart; out may
   * be v): rows scaled (vs = len) or one row scaled by each factor (vs = 0), times a tanh
   * derivative (zeros with hs = 0: none). SIMD: len even.
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

  /** As heap-wasm.ts's col2im: position 0, then per window t positions 2t + 1 and 2t + 2. */
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

interface Exports {
  matmul(a: number, n: number, k: number, b: number, m: number, c: number, bias: number): void;
  matmulTN(x: number, n: number, k: number, ldx: number, g: number, m: number, d: number): void;
  colSum(g: number, n: number, m: number, sum: number): void;
  tanhSmall(p: number, bytes: number, flag: number): void;
  im2col(x: number, n: number, T: number, C: number, L: number, cols: number): void;
  col2im(dc: number, n: number, T: number, C: number, L: number, h: number, hs: number, out: number): void;
  scaleRows(c: number, n: number, v: number, vs: number, len: number, h: number, hs: number, out: number): void;
}

class SimdHeapKernels implements HeapKernels {
  heap: Float64Array;
  readonly simd = true;

  constructor(
    private readonly memory: WebAssembly.Memory,
    private readonly wasm: Exports,
  ) {
    this.heap = new Float64Array(memory.buffer);
  }

  ensure(len: number): void {
    const have = this.memory.buffer.byteLength;
    if (8 * len <= have) return;
    this.memory.grow(Math.ceil((8 * len - have) / 65536));
    this.heap = new Float64Array(this.memory.buffer);
  }

  matmul(a: number, n: number, k: number, b: number, m: number, c: number, bias: number): void {
    const even = n & ~1;
    if (even > 0) this.wasm.matmul(8 * a, even, k, 8 * b, m, 8 * c, 8 * bias);
    // The wasm kernel takes rows in pairs: an odd last row goes to its JS twin.
    if (even < n) {
      const h = this.heap;
      denseForward(h, a + even * k, 1, k, h, b, h, bias, m, h, c + even * m, false);
    }
  }

  paramGrad(x: number, n: number, k: number, g: number, m: number, dW: number, db: number): void {
    this.wasm.colSum(8 * g, n, m, 8 * db);
    this.wasm.matmulTN(8 * x, n, Math.ceil(k / 4) * 4, k, 8 * g, m, 8 * dW);
  }

  tanh(p: number, len: number): void {
    const h = this.heap;
    const even = len & ~1;
    this.wasm.tanhSmall(8 * p, 8 * even, 0);
    // The flag holds all-ones lanes (a NaN) where some number was left for tanh.ts.
    if (h[0] !== 0 || h[1] !== 0) finishTanh(h, p, p + even);
    if (even < len) tanhInPlace(h, p + even, p + len);
  }

  im2col(x: number, n: number, T: number, C: number, L: number, cols: number): void {
    this.wasm.im2col(8 * x, n, T, C, L, 8 * cols);
  }

  col2im(dc: number, n: number, T: number, C: number, L: number, h: number, hs: number, out: number): void {
    this.wasm.col2im(8 * dc, n, T, C, L, 8 * h, hs, 8 * out);
  }

  scaleRows(c: number, n: number, v: number, vs: number, len: number, h: number, hs: number, out: number): void {
    this.wasm.scaleRows(8 * c, n, 8 * v, vs, len, 8 * h, hs, 8 * out);
  }
}

let simdModule: WebAssembly.Module | null | undefined;

/** The SIMD kernels' module (~3.8 kB: under the 4 kB a browser compiles synchronously on its main thread). */
export function heapModuleBytes(): Uint8Array<ArrayBuffer> {
  return assemble([buildMatmul(), buildMatmulTN(), buildColSum(), buildTanhSmall(), buildIm2col(), buildCol2im(), buildScaleRows()]);
}

function compile(): WebAssembly.Module | null {
  try {
    if (typeof WebAssembly !== 'object') return null;
    const bytes = heapModuleBytes();
    return WebAssembly.validate(bytes) ? new WebAssembly.Module(bytes) : null;
  } catch {
    return null;
  }
}

/**
 * Fresh kernels with a heap of their own: 'auto' on WebAssembly SIMD where available, else (and
 * for 'js') plain JS.
 */
export function createHeapKernels(kind: 'auto' | 'js'): HeapKernels {
  if (kind === 'auto') {
    if (simdModule === undefined) simdModule = compile();
    if (simdModule) {
      const memory = new WebAssembly.Memory({ initial: 16 });
      const wasm = new WebAssembly.Instance(simdModule, { env: { mem: memory } }).exports as unknown as Exports;
      return new SimdHeapKernels(memory, wasm);
    }
  }
  return new JsHeapKernels();
}
