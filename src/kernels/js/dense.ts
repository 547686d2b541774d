/**
 * Fused dense-layer kernels over row-major typed arrays. Kernels are [nIn][nOut] (Keras layout),
 * rows are samples. Each function takes (array, offset) pairs so callers can address workspace
 * rows without views.
 *
 * Register blocking: V8 computes in scalar SSE registers (16, one reserved as scratch) and does not
 * contract a·b + c into an FMA, so the best inner iteration keeps 10 accumulators: 2 × 5 or 5 × 2
 * (on the target machine ~6.5 GFLOP/s against ~5.3 for 4 × 2, ~6.0 for 4 × 4; 16 accumulators
 * spill). Remainders: an odd last row (the gradient's odd last column) reruns the block on a
 * duplicate that is not stored; leftover columns (the gradient's leftover inputs) go 1 at a time.
 *
 * Each output is summed in index order from its start value (the bias, or 0) and, where the
 * kernel accumulates, added to the stored value last; the SIMD kernels (../assembly/products.ts) reproduce exactly this order,
 * so both give the same numbers bit for bit.
 *
 * Every integer argument is coerced with `| 0` on entry. Callers may hand over integers that V8
 * holds as heap numbers (e.g. read from an object field that once held a fraction); without the
 * coercion the kernels' index arithmetic is compiled in float64 and runs at half speed.
 */
import { tanhInPlace } from './tanh.js';

/**
 * y[r][j] = act(b[j] + Σ_i x[r][i]·W[i][j]) for r < n; act = tanh when `tanhAct`.
 * Blocks of 2 rows × 5 output columns: per i, 5 loads of a contiguous W row and 2 of x feed 10
 * multiply-adds. Rows come in small numbers here (one time step: the batch), so the row block is
 * the short side.
 */
export function denseForward(
  x: Float64Array, xo: number, n: number, nIn: number,
  w: Float64Array, wo: number, b: Float64Array, bo: number, nOut: number,
  y: Float64Array, yo: number, tanhAct: boolean,
): void {
  xo |= 0; n |= 0; nIn |= 0; wo |= 0; bo |= 0; nOut |= 0; yo |= 0;
  for (let r = 0; r < n; r += 2) {
    const pair = r + 1 < n;
    const x0 = xo + r * nIn, x1 = pair ? x0 + nIn : x0;
    const y0 = yo + r * nOut, y1 = y0 + nOut;
    let j = 0;
    for (; j + 5 <= nOut; j += 5) {
      const bj = bo + j;
      let a00 = b[bj]!, a01 = b[bj + 1]!, a02 = b[bj + 2]!, a03 = b[bj + 3]!, a04 = b[bj + 4]!;
      let a10 = a00, a11 = a01, a12 = a02, a13 = a03, a14 = a04;
      for (let i = 0, wi = wo + j; i < nIn; i++, wi += nOut) {
        const w0 = w[wi]!, w1 = w[wi + 1]!, w2 = w[wi + 2]!, w3 = w[wi + 3]!, w4 = w[wi + 4]!;
        const v0 = x[x0 + i]!, v1 = x[x1 + i]!;
        a00 += v0 * w0; a01 += v0 * w1; a02 += v0 * w2; a03 += v0 * w3; a04 += v0 * w4;
        a10 += v1 * w0; a11 += v1 * w1; a12 += v1 * w2; a13 += v1 * w3; a14 += v1 * w4;
      }
      y[y0 + j] = a00; y[y0 + j + 1] = a01; y[y0 + j + 2] = a02; y[y0 + j + 3] = a03; y[y0 + j + 4] = a04;
      if (pair) { y[y1 + j] = a10; y[y1 + j + 1] = a11; y[y1 + j + 2] = a12; y[y1 + j + 3] = a13; y[y1 + j + 4] = a14; }
    }
    for (; j < nOut; j++) {
      let a0 = b[bo + j]!, a1 = a0;
      for (let i = 0, wi = wo + j; i < nIn; i++, wi += nOut) {
        const w0 = w[wi]!;
        a0 += x[x0 + i]! * w0; a1 += x[x1 + i]! * w0;
      }
      y[y0 + j] = a0;
      if (pair) y[y1 + j] = a1;
    }
  }
  if (tanhAct) tanhInPlace(y, yo, yo + n * nOut);
}

/**
 * xBar[r][i] (+)= Σ_j g[r][j]·W[i][j]: the input cotangent. Overwrites unless `accumulate`.
 * Blocks of 2 rows × 5 input columns: per j, 5 loads (one from each of 5 contiguous W rows) and
 * 2 of g feed 10 multiply-adds.
 */
export function denseBackwardInput(
  g: Float64Array, go: number, n: number, nOut: number,
  w: Float64Array, wo: number, nIn: number,
  xBar: Float64Array, xbo: number, accumulate: boolean,
): void {
  go |= 0; n |= 0; nOut |= 0; wo |= 0; nIn |= 0; xbo |= 0;
  for (let r = 0; r < n; r += 2) {
    const pair = r + 1 < n;
    const g0 = go + r * nOut, g1 = pair ? g0 + nOut : g0;
    const o0 = xbo + r * nIn, o1 = o0 + nIn;
    let i = 0;
    for (; i + 5 <= nIn; i += 5) {
      let a00 = 0, a01 = 0, a02 = 0, a03 = 0, a04 = 0, a10 = 0, a11 = 0, a12 = 0, a13 = 0, a14 = 0;
      const w0r = wo + i * nOut, w1r = w0r + nOut, w2r = w1r + nOut, w3r = w2r + nOut, w4r = w3r + nOut;
      for (let j = 0; j < nOut; j++) {
        const w0 = w[w0r + j]!, w1 = w[w1r + j]!, w2 = w[w2r + j]!, w3 = w[w3r + j]!, w4 = w[w4r + j]!;
        const v0 = g[g0 + j]!, v1 = g[g1 + j]!;
        a00 += v0 * w0; a01 += v0 * w1; a02 += v0 * w2; a03 += v0 * w3; a04 += v0 * w4;
        a10 += v1 * w0; a11 += v1 * w1; a12 += v1 * w2; a13 += v1 * w3; a14 += v1 * w4;
      }
      if (accumulate) {
        a00 += xBar[o0 + i]!; a01 += xBar[o0 + i + 1]!; a02 += xBar[o0 + i + 2]!; a03 += xBar[o0 + i + 3]!; a04 += xBar[o0 + i + 4]!;
        if (pair) { a10 += xBar[o1 + i]!; a11 += xBar[o1 + i + 1]!; a12 += xBar[o1 + i + 2]!; a13 += xBar[o1 + i + 3]!; a14 += xBar[o1 + i + 4]!; }
      }
      xBar[o0 + i] = a00; xBar[o0 + i + 1] = a01; xBar[o0 + i + 2] = a02; xBar[o0 + i + 3] = a03; xBar[o0 + i + 4] = a04;
      if (pair) { xBar[o1 + i] = a10; xBar[o1 + i + 1] = a11; xBar[o1 + i + 2] = a12; xBar[o1 + i + 3] = a13; xBar[o1 + i + 4] = a14; }
    }
    for (; i < nIn; i++) {
      let a0 = 0, a1 = 0;
      for (let j = 0, wr = wo + i * nOut; j < nOut; j++) {
        const w0 = w[wr + j]!;
        a0 += g[g0 + j]! * w0; a1 += g[g1 + j]! * w0;
      }
      if (accumulate) { a0 += xBar[o0 + i]!; if (pair) a1 += xBar[o1 + i]!; }
      xBar[o0 + i] = a0;
      if (pair) xBar[o1 + i] = a1;
    }
  }
}

/**
 * dW[i][j] += Σ_r x[r][i]·g[r][j] and db[j] += Σ_r g[r][j]: the parameter gradient, a reduction
 * over all n rows (deferred to one call over every time step).
 * Blocks of 5 inputs × 2 outputs: per row, 5 loads of x and 2 of g feed 10 multiply-adds; each
 * accumulator sums its rows in order and is added to dW once.
 */
export function denseParamGrad(
  x: Float64Array, xo: number, n: number, nIn: number,
  g: Float64Array, go: number, nOut: number,
  dW: Float64Array, dWo: number, db: Float64Array, dbo: number,
): void {
  xo |= 0; n |= 0; nIn |= 0; go |= 0; nOut |= 0; dWo |= 0; dbo |= 0;
  for (let r = 0, gr = go; r < n; r++, gr += nOut) {
    for (let j = 0; j < nOut; j++) db[dbo + j]! += g[gr + j]!;
  }
  for (let i = 0; i < nIn; i += 5) {
    if (i + 5 > nIn) {
      // Remainder inputs, one at a time × 2 outputs.
      for (; i < nIn; i++) {
        let j = 0;
        for (; j + 2 <= nOut; j += 2) {
          let a0 = 0, a1 = 0;
          for (let r = 0, xr = xo + i, gr = go + j; r < n; r++, xr += nIn, gr += nOut) {
            const v = x[xr]!;
            a0 += v * g[gr]!; a1 += v * g[gr + 1]!;
          }
          const d = dWo + i * nOut + j;
          dW[d]! += a0; dW[d + 1]! += a1;
        }
        if (j < nOut) {
          let a0 = 0;
          for (let r = 0, xr = xo + i, gr = go + j; r < n; r++, xr += nIn, gr += nOut) a0 += x[xr]! * g[gr]!;
          dW[dWo + i * nOut + j]! += a0;
        }
      }
      break;
    }
    for (let j = 0; j < nOut; j += 2) {
      const pair = j + 1 < nOut;
      const j1 = pair ? 1 : 0;
      let a00 = 0, a01 = 0, a10 = 0, a11 = 0, a20 = 0, a21 = 0, a30 = 0, a31 = 0, a40 = 0, a41 = 0;
      for (let r = 0, xr = xo + i, gr = go + j; r < n; r++, xr += nIn, gr += nOut) {
        const u0 = g[gr]!, u1 = g[gr + j1]!;
        const v0 = x[xr]!, v1 = x[xr + 1]!, v2 = x[xr + 2]!, v3 = x[xr + 3]!, v4 = x[xr + 4]!;
        a00 += v0 * u0; a01 += v0 * u1;
        a10 += v1 * u0; a11 += v1 * u1;
        a20 += v2 * u0; a21 += v2 * u1;
        a30 += v3 * u0; a31 += v3 * u1;
        a40 += v4 * u0; a41 += v4 * u1;
      }
      const d0 = dWo + i * nOut + j, d1 = d0 + nOut, d2 = d1 + nOut, d3 = d2 + nOut, d4 = d3 + nOut;
      dW[d0]! += a00; dW[d1]! += a10; dW[d2]! += a20; dW[d3]! += a30; dW[d4]! += a40;
      if (pair) { dW[d0 + 1]! += a01; dW[d1 + 1]! += a11; dW[d2 + 1]! += a21; dW[d3 + 1]! += a31; dW[d4 + 1]! += a41; }
    }
  }
}
