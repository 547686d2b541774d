/**
 * Fused dense-layer kernels over row-major typed arrays, register-blocked
 * (4 rows × 2 columns per inner iteration: ~2× the throughput of the naive loop in V8).
 * Kernels are [nIn][nOut] (Keras layout), rows are samples.
 * Each function takes (array, offset) pairs so callers can address workspace rows without views.
 */
import { tanhInPlace } from './tanh.js';

/** y[r][j] = act(b[j] + Σ_i x[r][i]·W[i][j]) for r < n; act = tanh when `tanhAct`. */
export function denseForward(
  x: Float64Array, xo: number, n: number, nIn: number,
  w: Float64Array, wo: number, b: Float64Array, bo: number, nOut: number,
  y: Float64Array, yo: number, tanhAct: boolean,
): void {
  let r = 0;
  for (; r + 4 <= n; r += 4) {
    const x0 = xo + r * nIn, x1 = x0 + nIn, x2 = x1 + nIn, x3 = x2 + nIn;
    const y0 = yo + r * nOut, y1 = y0 + nOut, y2 = y1 + nOut, y3 = y2 + nOut;
    let j = 0;
    for (; j + 2 <= nOut; j += 2) {
      const b0 = b[bo + j]!, b1 = b[bo + j + 1]!;
      let a00 = b0, a01 = b1, a10 = b0, a11 = b1, a20 = b0, a21 = b1, a30 = b0, a31 = b1;
      for (let i = 0, wi = wo + j; i < nIn; i++, wi += nOut) {
        const w0 = w[wi]!, w1 = w[wi + 1]!;
        const v0 = x[x0 + i]!, v1 = x[x1 + i]!, v2 = x[x2 + i]!, v3 = x[x3 + i]!;
        a00 += v0 * w0; a01 += v0 * w1;
        a10 += v1 * w0; a11 += v1 * w1;
        a20 += v2 * w0; a21 += v2 * w1;
        a30 += v3 * w0; a31 += v3 * w1;
      }
        y[y0 + j] = a00; y[y0 + j + 1] = a01;
        y[y1 + j] = a10; y[y1 + j + 1] = a11;
        y[y2 + j] = a20; y[y2 + j + 1] = a21;
        y[y3 + j] = a30; y[y3 + j + 1] = a31;
    }
    for (; j < nOut; j++) {
      const b0 = b[bo + j]!;
      let a0 = b0, a1 = b0, a2 = b0, a3 = b0;
      for (let i = 0, wi = wo + j; i < nIn; i++, wi += nOut) {
        const w0 = w[wi]!;
        a0 += x[x0 + i]! * w0; a1 += x[x1 + i]! * w0; a2 += x[x2 + i]! * w0; a3 += x[x3 + i]! * w0;
      }
      y[y0 + j] = a0;
      y[y1 + j] = a1;
      y[y2 + j] = a2;
      y[y3 + j] = a3;
    }
  }
  for (; r < n; r++) {
    const xr = xo + r * nIn, yr = yo + r * nOut;
    for (let j = 0; j < nOut; j++) {
      let a = b[bo + j]!;
      for (let i = 0, wi = wo + j; i < nIn; i++, wi += nOut) a += x[xr + i]! * w[wi]!;
      y[yr + j] = a;
    }
  }
  if (tanhAct) tanhInPlace(y, yo, yo + n * nOut);
}

/** xBar[r][i] (+)= Σ_j g[r][j]·W[i][j]: the input cotangent. Overwrites unless `accumulate`. */
export function denseBackwardInput(
  g: Float64Array, go: number, n: number, nOut: number,
  w: Float64Array, wo: number, nIn: number,
  xBar: Float64Array, xbo: number, accumulate: boolean,
): void {
  let r = 0;
  for (; r + 4 <= n; r += 4) {
    const g0 = go + r * nOut, g1 = g0 + nOut, g2 = g1 + nOut, g3 = g2 + nOut;
    const o0 = xbo + r * nIn, o1 = o0 + nIn, o2 = o1 + nIn, o3 = o2 + nIn;
    let i = 0;
    for (; i + 2 <= nIn; i += 2) {
      let a00 = 0, a01 = 0, a10 = 0, a11 = 0, a20 = 0, a21 = 0, a30 = 0, a31 = 0;
      const wa = wo + i * nOut, wb = wa + nOut;
      for (let j = 0; j < nOut; j++) {
        const w0 = w[wa + j]!, w1 = w[wb + j]!;
        const v0 = g[g0 + j]!, v1 = g[g1 + j]!, v2 = g[g2 + j]!, v3 = g[g3 + j]!;
        a00 += v0 * w0; a01 += v0 * w1;
        a10 += v1 * w0; a11 += v1 * w1;
        a20 += v2 * w0; a21 += v2 * w1;
        a30 += v3 * w0; a31 += v3 * w1;
      }
      if (accumulate) {
        xBar[o0 + i]! += a00; xBar[o0 + i + 1]! += a01; xBar[o1 + i]! += a10; xBar[o1 + i + 1]! += a11;
        xBar[o2 + i]! += a20; xBar[o2 + i + 1]! += a21; xBar[o3 + i]! += a30; xBar[o3 + i + 1]! += a31;
      } else {
        xBar[o0 + i] = a00; xBar[o0 + i + 1] = a01; xBar[o1 + i] = a10; xBar[o1 + i + 1] = a11;
        xBar[o2 + i] = a20; xBar[o2 + i + 1] = a21; xBar[o3 + i] = a30; xBar[o3 + i + 1] = a31;
      }
    }
    for (; i < nIn; i++) {
      const wa = wo + i * nOut;
      let a0 = 0, a1 = 0, a2 = 0, a3 = 0;
      for (let j = 0; j < nOut; j++) {
        const w0 = w[wa + j]!;
        a0 += g[g0 + j]! * w0; a1 += g[g1 + j]! * w0; a2 += g[g2 + j]! * w0; a3 += g[g3 + j]! * w0;
      }
      if (accumulate) {
        xBar[o0 + i]! += a0; xBar[o1 + i]! += a1; xBar[o2 + i]! += a2; xBar[o3 + i]! += a3;
      } else {
        xBar[o0 + i] = a0; xBar[o1 + i] = a1; xBar[o2 + i] = a2; xBar[o3 + i] = a3;
      }
    }
  }
  for (; r < n; r++) {
    const gr = go + r * nOut, or = xbo + r * nIn;
    for (let i = 0; i < nIn; i++) {
      let a = 0;
      for (let j = 0, wi = wo + i * nOut; j < nOut; j++) a += g[gr + j]! * w[wi + j]!;
      xBar[or + i] = accumulate ? xBar[or + i]! + a : a;
    }
  }
}

/** dW[i][j] += Σ_r x[r][i]·g[r][j] and db[j] += Σ_r g[r][j]: the parameter gradient. */
export function denseParamGrad(
  x: Float64Array, xo: number, n: number, nIn: number,
  g: Float64Array, go: number, nOut: number,
  dW: Float64Array, dWo: number, db: Float64Array, dbo: number,
): void {
  for (let r = 0; r < n; r++) {
    const gr = go + r * nOut;
    for (let j = 0; j < nOut; j++) db[dbo + j]! += g[gr + j]!;
  }
  let i = 0;
  for (; i + 4 <= nIn; i += 4) {
    let j = 0;
    for (; j + 2 <= nOut; j += 2) {
      let a00 = 0, a01 = 0, a10 = 0, a11 = 0, a20 = 0, a21 = 0, a30 = 0, a31 = 0;
      for (let r = 0, xr = xo + i, gr = go + j; r < n; r++, xr += nIn, gr += nOut) {
        const g0 = g[gr]!, g1 = g[gr + 1]!;
        const v0 = x[xr]!, v1 = x[xr + 1]!, v2 = x[xr + 2]!, v3 = x[xr + 3]!;
        a00 += v0 * g0; a01 += v0 * g1;
        a10 += v1 * g0; a11 += v1 * g1;
        a20 += v2 * g0; a21 += v2 * g1;
        a30 += v3 * g0; a31 += v3 * g1;
      }
      const d0 = dWo + i * nOut + j, d1 = d0 + nOut, d2 = d1 + nOut, d3 = d2 + nOut;
      dW[d0]! += a00; dW[d0 + 1]! += a01; dW[d1]! += a10; dW[d1 + 1]! += a11;
      dW[d2]! += a20; dW[d2 + 1]! += a21; dW[d3]! += a30; dW[d3 + 1]! += a31;
    }
    for (; j < nOut; j++) {
      let a0 = 0, a1 = 0, a2 = 0, a3 = 0;
      for (let r = 0, xr = xo + i, gr = go + j; r < n; r++, xr += nIn, gr += nOut) {
        const g0 = g[gr]!;
        a0 += x[xr]! * g0; a1 += x[xr + 1]! * g0; a2 += x[xr + 2]! * g0; a3 += x[xr + 3]! * g0;
      }
      const d0 = dWo + i * nOut + j;
      dW[d0]! += a0; dW[d0 + nOut]! += a1; dW[d0 + 2 * nOut]! += a2; dW[d0 + 3 * nOut]! += a3;
    }
  }
  for (; i < nIn; i++) {
    for (let j = 0; j < nOut; j++) {
      let a = 0;
      for (let r = 0, xr = xo + i, gr = go + j; r < n; r++, xr += nIn, gr += nOut) a += x[xr]! * g[gr]!;
      dW[dWo + i * nOut + j]! += a;
    }
  }
}
