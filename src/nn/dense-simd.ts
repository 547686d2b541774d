/**
 * The dense kernels of dense.ts on WebAssembly SIMD (f64x2), ~4–5× their plain-JS speed
 * (~28 against ~6.5 GFLOP/s for the 100 × 100 products on the target machine). Same signatures,
 * same results bit for bit: each output is accumulated in the same order from the same start
 * (no FMA in wasm SIMD, so every multiply and add rounds as in JS).
 *
 * The module is assembled at load time (wasm-emit.ts: no build step, no tooling; ~2.2 kB, under
 * the 4 kB a browser compiles synchronously on its main thread). Where WebAssembly or its SIMD is
 * missing, `simdDenseKernels()` returns null and callers keep the plain-JS kernels. The wasm
 * kernels take even column counts only; the glue hands odd ones (e.g. a 100 → 1 output layer, a
 * negligible share) to the plain-JS kernels, which give the same numbers.
 *
 * Data: operands are copied into one scratch memory per call and results copied out (~5 µs per
 * 800 × 100 block, against ~0.5 ms of arithmetic). Weights are the exception: while an array is
 * bound (`bind`, used by the unroll for the Nt steps of a forward pass), its slices stay resident.
 */
import { denseBackwardInput, denseForward, denseParamGrad } from './dense.js';
import { tanhInPlace } from './tanh.js';
import { assemble, Fn, op } from './wasm-emit.js';

export interface DenseKernels {
  readonly forward: typeof denseForward;
  readonly backwardInput: typeof denseBackwardInput;
  readonly paramGrad: typeof denseParamGrad;
  /** Until release(): `params` is not written to, so slices of it may be kept (see ParamBinding). */
  bind(params: Float64Array): void;
  release(): void;
}

export const jsDenseKernels: DenseKernels = {
  forward: denseForward,
  backwardInput: denseBackwardInput,
  paramGrad: denseParamGrad,
  bind: () => {},
  release: () => {},
};

/**
 * matmul(a, n, k, b, m, c, bias): c[r][j] = bias[j] + Σ_i a[r][i]·b[i][j] (byte pointers, row-major;
 * n and m even). Blocks of 2 rows × 8 columns (8 f64x2 accumulators; per i: 2 splat loads of a and
 * 4 vector loads of a b row feed 16 multiply-adds), then 2 × 2 for the last columns.
 */
function buildMatmul(): Fn {
  const f = new Fn('matmul', 7);
  const [a, n, k, b, m, c, bias] = [0, 1, 2, 3, 4, 5, 6];
  const [r, j, i, kB, mB, pa0, pa1, pb, pc] = Array.from({ length: 9 }, () => f.local('i32'));
  const acc = Array.from({ length: 8 }, () => f.local('v128'));
  const [s0, s1, t] = [f.local('v128'), f.local('v128'), f.local('v128')];
  f.emit(f.get(k), op.i32(8), op.mul, f.set(kB!), f.get(m), op.i32(8), op.mul, f.set(mB!));

  // Rows r, r+1 × columns j … j+2V−1; acc[v] for row r, acc[4 + v] for row r+1.
  const block = (V: number): void => {
    for (let v = 0; v < V; v++) {
      f.emit(f.get(bias), f.get(j!), op.i32(8), op.mul, op.add, op.v128Load(16 * v), f.tee(acc[v]!), f.set(acc[4 + v]!));
    }
    f.emit(f.get(a), f.get(r!), f.get(kB!), op.mul, op.add, f.tee(pa0!), f.get(kB!), op.add, f.set(pa1!));
    f.emit(f.get(b), f.get(j!), op.i32(8), op.mul, op.add, f.set(pb!), op.i32(0), f.set(i!));
    f.whileFits(i!, 1, k, () => {
      f.emit(f.get(pa0!), op.f64x2LoadSplat(), f.set(s0), f.get(pa1!), op.f64x2LoadSplat(), f.set(s1));
      for (let v = 0; v < V; v++) {
        f.emit(f.get(pb!), op.v128Load(16 * v), f.set(t));
        f.emit(f.get(s0), f.get(t), op.f64x2Mul, f.get(acc[v]!), op.f64x2Add, f.set(acc[v]!));
        f.emit(f.get(s1), f.get(t), op.f64x2Mul, f.get(acc[4 + v]!), op.f64x2Add, f.set(acc[4 + v]!));
      }
      f.inc(pa0!, op.i32(8));
      f.inc(pa1!, op.i32(8));
      f.inc(pb!, f.get(mB!));
    });
    f.emit(f.get(r!), f.get(m), op.mul, f.get(j!), op.add, op.i32(8), op.mul, f.get(c), op.add, f.set(pc!));
    for (let v = 0; v < V; v++) f.emit(f.get(pc!), f.get(acc[v]!), op.v128Store(16 * v));
    for (let v = 0; v < V; v++) f.emit(f.get(pc!), f.get(mB!), op.add, f.get(acc[4 + v]!), op.v128Store(16 * v));
  };
  f.emit(op.i32(0), f.set(r!));
  f.whileFits(r!, 2, n, () => {
    f.emit(op.i32(0), f.set(j!));
    f.whileFits(j!, 8, m, () => block(4));
    f.whileFits(j!, 2, m, () => block(1));
  });
  return f;
}

/**
 * matmulTN(x, n, k, ldx, g, m, d): d[i][j] += Σ_r x[r][i]·g[r][j] for i < k (a multiple of 4), j < m
 * (even); rows of x are ldx apart. Each sum runs over r in order and is then added to d.
 * Blocks of 4 i × 4 j (8 f64x2 accumulators; per row, 4 splat loads of x and 2 vector loads of g
 * feed 16 multiply-adds), then 4 × 2 for the last columns.
 */
function buildMatmulTN(): Fn {
  const f = new Fn('matmulTN', 7);
  const [x, n, k, ldx, g, m, d] = [0, 1, 2, 3, 4, 5, 6];
  const [i, j, r, xB, mB, px, pg, pd] = Array.from({ length: 8 }, () => f.local('i32'));
  const acc = Array.from({ length: 8 }, () => f.local('v128'));
  const [g0, g1, s] = [f.local('v128'), f.local('v128'), f.local('v128')];
  const gv = [g0, g1];
  f.emit(f.get(ldx), op.i32(8), op.mul, f.set(xB!), f.get(m), op.i32(8), op.mul, f.set(mB!));

  // Values i … i+3 × columns j … j+2V−1; acc[2q + v] for value i+q.
  const block = (V: number): void => {
    for (let q = 0; q < 4; q++) for (let v = 0; v < V; v++) f.emit(op.v128Zero, f.set(acc[2 * q + v]!));
    f.emit(f.get(x), f.get(i!), op.i32(8), op.mul, op.add, f.set(px!));
    f.emit(f.get(g), f.get(j!), op.i32(8), op.mul, op.add, f.set(pg!), op.i32(0), f.set(r!));
    f.whileFits(r!, 1, n, () => {
      for (let v = 0; v < V; v++) f.emit(f.get(pg!), op.v128Load(16 * v), f.set(gv[v]!));
      for (let q = 0; q < 4; q++) {
        f.emit(f.get(px!), op.f64x2LoadSplat(8 * q), f.set(s));
        for (let v = 0; v < V; v++) f.emit(f.get(s), f.get(gv[v]!), op.f64x2Mul, f.get(acc[2 * q + v]!), op.f64x2Add, f.set(acc[2 * q + v]!));
      }
      f.inc(px!, f.get(xB!));
      f.inc(pg!, f.get(mB!));
    });
    f.emit(f.get(i!), f.get(m), op.mul, f.get(j!), op.add, op.i32(8), op.mul, f.get(d), op.add, f.set(pd!));
    for (let q = 0; q < 4; q++) {
      if (q > 0) f.inc(pd!, f.get(mB!));
      for (let v = 0; v < V; v++) f.emit(f.get(pd!), f.get(pd!), op.v128Load(16 * v), f.get(acc[2 * q + v]!), op.f64x2Add, op.v128Store(16 * v));
    }
  };
  f.emit(op.i32(0), f.set(i!));
  f.whileFits(i!, 4, k, () => {
    f.emit(op.i32(0), f.set(j!));
    f.whileFits(j!, 4, m, () => block(2));
    f.whileFits(j!, 2, m, () => block(1));
  });
  return f;
}

/** colSum(g, n, m, sum): sum[j] += g[r][j] for r = 0 … n−1 in order (m even); 8, then 2 columns at a time. */
function buildColSum(): Fn {
  const f = new Fn('colSum', 4);
  const [g, n, m, sum] = [0, 1, 2, 3];
  const [j, r, mB, pg, ps] = Array.from({ length: 5 }, () => f.local('i32'));
  const acc = Array.from({ length: 4 }, () => f.local('v128'));
  f.emit(f.get(m), op.i32(8), op.mul, f.set(mB!));
  const block = (V: number): void => {
    f.emit(f.get(sum), f.get(j!), op.i32(8), op.mul, op.add, f.set(ps!));
    f.emit(f.get(g), f.get(j!), op.i32(8), op.mul, op.add, f.set(pg!));
    for (let v = 0; v < V; v++) f.emit(f.get(ps!), op.v128Load(16 * v), f.set(acc[v]!));
    f.emit(op.i32(0), f.set(r!));
    f.whileFits(r!, 1, n, () => {
      for (let v = 0; v < V; v++) f.emit(f.get(acc[v]!), f.get(pg!), op.v128Load(16 * v), op.f64x2Add, f.set(acc[v]!));
      f.inc(pg!, f.get(mB!));
    });
    for (let v = 0; v < V; v++) f.emit(f.get(ps!), f.get(acc[v]!), op.v128Store(16 * v));
  };
  f.emit(op.i32(0), f.set(j!));
  f.whileFits(j!, 8, m, () => block(4));
  f.whileFits(j!, 2, m, () => block(1));
  return f;
}

interface Exports {
  matmul(a: number, n: number, k: number, b: number, m: number, c: number, bias: number): void;
  matmulTN(x: number, n: number, k: number, ldx: number, g: number, m: number, d: number): void;
  colSum(g: number, n: number, m: number, sum: number): void;
}

const align16 = (bytes: number): number => Math.ceil(bytes / 16) * 16;

class SimdDense implements DenseKernels {
  private f64: Float64Array;
  private bound: Float64Array | null = null;
  /** The bound array's resident slices: byte pointer and length, by offset (transposed: −offset − 1). */
  private readonly slices = new Map<number, { readonly p: number; readonly len: number }>();
  /** End of the resident slices: each call's scratch starts here. */
  private residentEnd = 0;
  private top = 0;

  constructor(
    private readonly memory: WebAssembly.Memory,
    private readonly wasm: Exports,
  ) {
    this.f64 = new Float64Array(memory.buffer);
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
    this.residentEnd = 0;
  }

  forward(
    x: Float64Array, xo: number, n: number, nIn: number,
    w: Float64Array, wo: number, b: Float64Array, bo: number, nOut: number,
    y: Float64Array, yo: number, tanhAct: boolean,
  ): void {
    if (nOut % 2 !== 0) return denseForward(x, xo, n, nIn, w, wo, b, bo, nOut, y, yo, tanhAct);
    let wp = this.resident(w, wo, nIn, nOut, false);
    let bp = this.resident(b, bo, 1, nOut, false);
    this.top = this.residentEnd;
    if (wp < 0) wp = this.copyIn(w, wo, nIn * nOut, 0);
    if (bp < 0) bp = this.copyIn(b, bo, nOut, 0);
    // An odd row count runs one scratch row more (its result is not copied out).
    const ap = this.copyIn(x, xo, n * nIn, nIn);
    const cp = this.alloc((n + 1) * nOut);
    this.wasm.matmul(ap, n + (n & 1), nIn, wp, nOut, cp, bp);
    this.copyOut(cp, y, yo, n * nOut, false);
    if (tanhAct) tanhInPlace(y, yo, yo + n * nOut);
  }

  backwardInput(
    g: Float64Array, go: number, n: number, nOut: number,
    w: Float64Array, wo: number, nIn: number,
    xBar: Float64Array, xbo: number, accumulate: boolean,
  ): void {
    if (nIn % 2 !== 0) return denseBackwardInput(g, go, n, nOut, w, wo, nIn, xBar, xbo, accumulate);
    // xBar = g·Wᵀ: the forward product against W transposed ([nOut][nIn]), from a zero "bias".
    let wt = this.resident(w, wo, nIn, nOut, true);
    this.top = this.residentEnd;
    if (wt < 0) {
      wt = this.alloc(nIn * nOut);
      this.transposeIn(w, wo, nIn, nOut, wt);
    }
    const zp = this.alloc(nIn);
    this.f64.fill(0, zp >>> 3, (zp >>> 3) + nIn);
    const gp = this.copyIn(g, go, n * nOut, nOut);
    const cp = this.alloc((n + 1) * nIn);
    this.wasm.matmul(gp, n + (n & 1), nOut, wt, nIn, cp, zp);
    this.copyOut(cp, xBar, xbo, n * nIn, accumulate);
  }

  paramGrad(
    x: Float64Array, xo: number, n: number, nIn: number,
    g: Float64Array, go: number, nOut: number,
    dW: Float64Array, dWo: number, db: Float64Array, dbo: number,
  ): void {
    if (nOut % 2 !== 0) return denseParamGrad(x, xo, n, nIn, g, go, nOut, dW, dWo, db, dbo);
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
    this.residentEnd = align16(p + 8 * rows * cols);
    this.ensure(this.residentEnd);
    if (transposed) this.transposeIn(a, off, rows, cols, p);
    else this.f64.set(a.subarray(off, off + rows * cols), p >>> 3);
    this.slices.set(key, { p, len: rows * cols });
    return p;
  }

  /** `len` numbers of scratch for this call; returns their byte pointer. */
  private alloc(len: number): number {
    const p = this.top;
    this.top = align16(p + 8 * len);
    this.ensure(this.top);
    return p;
  }

  private ensure(bytes: number): void {
    const have = this.memory.buffer.byteLength;
    if (bytes <= have) return;
    this.memory.grow(Math.ceil((bytes - have) / 65536));
    this.f64 = new Float64Array(this.memory.buffer);
  }

  /** Copies len numbers in, leaving `spare` more numbers of scratch after them; returns the byte pointer. */
  private copyIn(src: Float64Array, so: number, len: number, spare: number): number {
    const p = this.alloc(len + spare);
    const f = this.f64;
    const d = p >>> 3;
    if (len >= 256) f.set(src.subarray(so, so + len), d);
    else for (let k = 0; k < len; k++) f[d + k] = src[so + k]!;
    return p;
  }

  /** dst[dOff + k] (+)= the number at byte p + 8k, k < len. */
  private copyOut(p: number, dst: Float64Array, dOff: number, len: number, accumulate: boolean): void {
    const f = this.f64;
    const s = p >>> 3;
    if (accumulate) for (let k = 0; k < len; k++) dst[dOff + k] = f[s + k]! + dst[dOff + k]!;
    else if (len >= 256) dst.set(f.subarray(s, s + len), dOff);
    else for (let k = 0; k < len; k++) dst[dOff + k] = f[s + k]!;
  }

  /** Memory at p ← the transpose of the [rows][cols] slice of `a` at `off`. */
  private transposeIn(a: Float64Array, off: number, rows: number, cols: number, p: number): void {
    const f = this.f64;
    const d = p >>> 3;
    for (let i = 0; i < rows; i++) for (let j = 0; j < cols; j++) f[d + j * rows + i] = a[off + i * cols + j]!;
  }
}

let instance: DenseKernels | null | undefined;

/** The SIMD kernels, or null where WebAssembly SIMD is unavailable (assembled on first call). */
export function simdDenseKernels(): DenseKernels | null {
  if (instance === undefined) instance = create();
  return instance;
}

function create(): DenseKernels | null {
  try {
    if (typeof WebAssembly !== 'object') return null;
    const bytes = assemble([buildMatmul(), buildMatmulTN(), buildColSum()]);
    if (!WebAssembly.validate(bytes)) return null;
    const memory = new WebAssembly.Memory({ initial: 32 });
    const wasm = new WebAssembly.Instance(new WebAssembly.Module(bytes), { env: { mem: memory } });
    return new SimdDense(memory, wasm.exports as unknown as Exports);
  } catch {
    return null;
  }
}

/** The kernels' builders, for modules that assemble them with kernels of their own (heap-kernels.ts). */
export { buildMatmul, buildMatmulTN, buildColSum };
