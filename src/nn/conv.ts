/**
 * Fused kernels of a "window layer": the building block of valid, strided, channels-last
 * convolutions (Keras Conv1D / Conv2D whose kernel spans the full image width).
 *
 * A window layer maps n rows, each with T output positions, by one dense kernel W [nIn][nOut]
 * applied to a contiguous window of nIn inputs per position:
 *
 *     y[r][t][f] = act(b[f] + Σ_{i<nIn} x[xo + r·rowStride + t·posStride + i] · W[i][f])
 *
 * Conv1D with kernel k over C channels and stride s: window = k·C numbers starting at
 * position s·t (posStride = s·C), and the Keras kernel [k][C][F] read flat is W [k·C][F].
 * Conv2D over an H×2 image with a 3×2 kernel: window = 3 rows × 2 columns (6 numbers, posStride
 * = stride·2), Keras kernel [3][2][1][F] read flat is W [6][F].
 *
 * "Virtual rows" j = r·T + t enumerate (row, position) pairs; outputs and their cotangents are
 * contiguous [n·T][nOut]. Loops are register-blocked 4 × 4 (16 accumulators: ~10% faster than
 * dense.ts's 4 × 2 in V8 here), with 4 × 1 and 1 × 1 loops for the remainders.
 * Windows of neighbouring positions may overlap; the backward pass accumulates, so that is fine.
 */

import { tanh } from './tanh.js';

/** Offset of the window of virtual row j. */
function winOff(j: number, T: number, xo: number, rowStride: number, posStride: number): number {
  const r = (j / T) | 0;
  return xo + r * rowStride + (j - r * T) * posStride;
}

/** y[(r·T+t)][f] = act(b[f] + Σ_i window(r, t)[i]·W[i][f]), r < n, t < T; act = tanh when `tanhAct`. */
export function windowForward(
  x: Float64Array, xo: number, rowStride: number, n: number, T: number, posStride: number, nIn: number,
  w: Float64Array, wo: number, b: Float64Array, bo: number, nOut: number,
  y: Float64Array, yo: number, tanhAct: boolean,
): void {
  const N = n * T;
  let j = 0;
  for (; j + 4 <= N; j += 4) {
    const x0 = winOff(j, T, xo, rowStride, posStride), x1 = winOff(j + 1, T, xo, rowStride, posStride);
    const x2 = winOff(j + 2, T, xo, rowStride, posStride), x3 = winOff(j + 3, T, xo, rowStride, posStride);
    const y0 = yo + j * nOut, y1 = y0 + nOut, y2 = y1 + nOut, y3 = y2 + nOut;
    let f = 0;
    for (; f + 4 <= nOut; f += 4) {
      const b0 = b[bo + f]!, b1 = b[bo + f + 1]!, b2 = b[bo + f + 2]!, b3 = b[bo + f + 3]!;
      let a00 = b0, a01 = b1, a02 = b2, a03 = b3, a10 = b0, a11 = b1, a12 = b2, a13 = b3;
      let a20 = b0, a21 = b1, a22 = b2, a23 = b3, a30 = b0, a31 = b1, a32 = b2, a33 = b3;
      for (let i = 0, wi = wo + f; i < nIn; i++, wi += nOut) {
        const w0 = w[wi]!, w1 = w[wi + 1]!, w2 = w[wi + 2]!, w3 = w[wi + 3]!;
        let v = x[x0 + i]!;
        a00 += v * w0; a01 += v * w1; a02 += v * w2; a03 += v * w3;
        v = x[x1 + i]!;
        a10 += v * w0; a11 += v * w1; a12 += v * w2; a13 += v * w3;
        v = x[x2 + i]!;
        a20 += v * w0; a21 += v * w1; a22 += v * w2; a23 += v * w3;
        v = x[x3 + i]!;
        a30 += v * w0; a31 += v * w1; a32 += v * w2; a33 += v * w3;
      }
      if (tanhAct) {
        y[y0 + f] = tanh(a00); y[y0 + f + 1] = tanh(a01); y[y0 + f + 2] = tanh(a02); y[y0 + f + 3] = tanh(a03);
        y[y1 + f] = tanh(a10); y[y1 + f + 1] = tanh(a11); y[y1 + f + 2] = tanh(a12); y[y1 + f + 3] = tanh(a13);
        y[y2 + f] = tanh(a20); y[y2 + f + 1] = tanh(a21); y[y2 + f + 2] = tanh(a22); y[y2 + f + 3] = tanh(a23);
        y[y3 + f] = tanh(a30); y[y3 + f + 1] = tanh(a31); y[y3 + f + 2] = tanh(a32); y[y3 + f + 3] = tanh(a33);
      } else {
        y[y0 + f] = a00; y[y0 + f + 1] = a01; y[y0 + f + 2] = a02; y[y0 + f + 3] = a03;
        y[y1 + f] = a10; y[y1 + f + 1] = a11; y[y1 + f + 2] = a12; y[y1 + f + 3] = a13;
        y[y2 + f] = a20; y[y2 + f + 1] = a21; y[y2 + f + 2] = a22; y[y2 + f + 3] = a23;
        y[y3 + f] = a30; y[y3 + f + 1] = a31; y[y3 + f + 2] = a32; y[y3 + f + 3] = a33;
      }
    }
    for (; f < nOut; f++) {
      const b0 = b[bo + f]!;
      let a0 = b0, a1 = b0, a2 = b0, a3 = b0;
      for (let i = 0, wi = wo + f; i < nIn; i++, wi += nOut) {
        const w0 = w[wi]!;
        a0 += x[x0 + i]! * w0; a1 += x[x1 + i]! * w0; a2 += x[x2 + i]! * w0; a3 += x[x3 + i]! * w0;
      }
      y[y0 + f] = tanhAct ? tanh(a0) : a0;
      y[y1 + f] = tanhAct ? tanh(a1) : a1;
      y[y2 + f] = tanhAct ? tanh(a2) : a2;
      y[y3 + f] = tanhAct ? tanh(a3) : a3;
    }
  }
  for (; j < N; j++) {
    const xr = winOff(j, T, xo, rowStride, posStride), yr = yo + j * nOut;
    for (let f = 0; f < nOut; f++) {
      let a = b[bo + f]!;
      for (let i = 0, wi = wo + f; i < nIn; i++, wi += nOut) a += x[xr + i]! * w[wi]!;
      y[yr + f] = tanhAct ? tanh(a) : a;
    }
  }
}

/**
 * xBar[window(r, t)][i] += Σ_f g[(r·T+t)][f]·W[i][f]: the input cotangent from pre-activation
 * cotangents g. Always accumulates (overlapping windows add up); zero xBar first if needed.
 */
export function windowBackwardInput(
  g: Float64Array, go: number, n: number, T: number, nOut: number,
  w: Float64Array, wo: number, nIn: number,
  xBar: Float64Array, xbo: number, rowStride: number, posStride: number,
): void {
  const N = n * T;
  let j = 0;
  for (; j + 4 <= N; j += 4) {
    const g0 = go + j * nOut, g1 = g0 + nOut, g2 = g1 + nOut, g3 = g2 + nOut;
    const o0 = winOff(j, T, xbo, rowStride, posStride), o1 = winOff(j + 1, T, xbo, rowStride, posStride);
    const o2 = winOff(j + 2, T, xbo, rowStride, posStride), o3 = winOff(j + 3, T, xbo, rowStride, posStride);
    let i = 0;
    for (; i + 4 <= nIn; i += 4) {
      let a00 = 0, a01 = 0, a02 = 0, a03 = 0, a10 = 0, a11 = 0, a12 = 0, a13 = 0;
      let a20 = 0, a21 = 0, a22 = 0, a23 = 0, a30 = 0, a31 = 0, a32 = 0, a33 = 0;
      const wa = wo + i * nOut, wb = wa + nOut, wc = wb + nOut, wd = wc + nOut;
      for (let f = 0; f < nOut; f++) {
        const w0 = w[wa + f]!, w1 = w[wb + f]!, w2 = w[wc + f]!, w3 = w[wd + f]!;
        let v = g[g0 + f]!;
        a00 += v * w0; a01 += v * w1; a02 += v * w2; a03 += v * w3;
        v = g[g1 + f]!;
        a10 += v * w0; a11 += v * w1; a12 += v * w2; a13 += v * w3;
        v = g[g2 + f]!;
        a20 += v * w0; a21 += v * w1; a22 += v * w2; a23 += v * w3;
        v = g[g3 + f]!;
        a30 += v * w0; a31 += v * w1; a32 += v * w2; a33 += v * w3;
      }
      xBar[o0 + i]! += a00; xBar[o0 + i + 1]! += a01; xBar[o0 + i + 2]! += a02; xBar[o0 + i + 3]! += a03;
      xBar[o1 + i]! += a10; xBar[o1 + i + 1]! += a11; xBar[o1 + i + 2]! += a12; xBar[o1 + i + 3]! += a13;
      xBar[o2 + i]! += a20; xBar[o2 + i + 1]! += a21; xBar[o2 + i + 2]! += a22; xBar[o2 + i + 3]! += a23;
      xBar[o3 + i]! += a30; xBar[o3 + i + 1]! += a31; xBar[o3 + i + 2]! += a32; xBar[o3 + i + 3]! += a33;
    }
    for (; i < nIn; i++) {
      const wa = wo + i * nOut;
      let a0 = 0, a1 = 0, a2 = 0, a3 = 0;
      for (let f = 0; f < nOut; f++) {
        const w0 = w[wa + f]!;
        a0 += g[g0 + f]! * w0; a1 += g[g1 + f]! * w0; a2 += g[g2 + f]! * w0; a3 += g[g3 + f]! * w0;
      }
      xBar[o0 + i]! += a0; xBar[o1 + i]! += a1; xBar[o2 + i]! += a2; xBar[o3 + i]! += a3;
    }
  }
  for (; j < N; j++) {
    const gr = go + j * nOut, or = winOff(j, T, xbo, rowStride, posStride);
    for (let i = 0; i < nIn; i++) {
      let a = 0;
      for (let f = 0, wi = wo + i * nOut; f < nOut; f++) a += g[gr + f]! * w[wi + f]!;
      xBar[or + i]! += a;
    }
  }
}

/** Virtual rows reduced per tile of the weight gradient (keeps a tile's windows and cotangents in cache). */
const TILE = 64;

/**
 * dW[i][f] += Σ_{r,t} window(r, t)[i]·g[(r·T+t)][f] and db[f] += Σ g[(r·T+t)][f]: the parameter
 * gradient from pre-activation cotangents g.
 */
export function windowParamGrad(
  x: Float64Array, xo: number, rowStride: number, n: number, T: number, posStride: number, nIn: number,
  g: Float64Array, go: number, nOut: number,
  dW: Float64Array, dWo: number, db: Float64Array, dbo: number,
): void {
  const N = n * T;
  for (let j = 0; j < N; j++) {
    const gr = go + j * nOut;
    for (let f = 0; f < nOut; f++) db[dbo + f]! += g[gr + f]!;
  }
  // Stepping from one window to the next: +posStride, or to the next row's first window.
  const wrap = rowStride - (T - 1) * posStride;
  for (let j0 = 0; j0 < N; j0 += TILE) {
    const cnt = Math.min(TILE, N - j0);
    const xStart = winOff(j0, T, xo, rowStride, posStride);
    const tStart = j0 % T;
    const gStart = go + j0 * nOut;
    let i = 0;
    for (; i + 4 <= nIn; i += 4) {
      let f = 0;
      for (; f + 4 <= nOut; f += 4) {
        let a00 = 0, a01 = 0, a02 = 0, a03 = 0, a10 = 0, a11 = 0, a12 = 0, a13 = 0;
        let a20 = 0, a21 = 0, a22 = 0, a23 = 0, a30 = 0, a31 = 0, a32 = 0, a33 = 0;
        for (let q = 0, xr = xStart + i, gr = gStart + f, t = tStart; q < cnt; q++, gr += nOut) {
          const g0 = g[gr]!, g1 = g[gr + 1]!, g2 = g[gr + 2]!, g3 = g[gr + 3]!;
          let v = x[xr]!;
          a00 += v * g0; a01 += v * g1; a02 += v * g2; a03 += v * g3;
          v = x[xr + 1]!;
          a10 += v * g0; a11 += v * g1; a12 += v * g2; a13 += v * g3;
          v = x[xr + 2]!;
          a20 += v * g0; a21 += v * g1; a22 += v * g2; a23 += v * g3;
          v = x[xr + 3]!;
          a30 += v * g0; a31 += v * g1; a32 += v * g2; a33 += v * g3;
          if (++t === T) {
            t = 0;
            xr += wrap;
          } else xr += posStride;
        }
        const d0 = dWo + i * nOut + f, d1 = d0 + nOut, d2 = d1 + nOut, d3 = d2 + nOut;
        dW[d0]! += a00; dW[d0 + 1]! += a01; dW[d0 + 2]! += a02; dW[d0 + 3]! += a03;
        dW[d1]! += a10; dW[d1 + 1]! += a11; dW[d1 + 2]! += a12; dW[d1 + 3]! += a13;
        dW[d2]! += a20; dW[d2 + 1]! += a21; dW[d2 + 2]! += a22; dW[d2 + 3]! += a23;
        dW[d3]! += a30; dW[d3 + 1]! += a31; dW[d3 + 2]! += a32; dW[d3 + 3]! += a33;
      }
      for (; f < nOut; f++) {
        let a0 = 0, a1 = 0, a2 = 0, a3 = 0;
        for (let q = 0, xr = xStart + i, gr = gStart + f, t = tStart; q < cnt; q++, gr += nOut) {
          const g0 = g[gr]!;
          a0 += x[xr]! * g0; a1 += x[xr + 1]! * g0; a2 += x[xr + 2]! * g0; a3 += x[xr + 3]! * g0;
          if (++t === T) {
            t = 0;
            xr += wrap;
          } else xr += posStride;
        }
        const d0 = dWo + i * nOut + f;
        dW[d0]! += a0; dW[d0 + nOut]! += a1; dW[d0 + 2 * nOut]! += a2; dW[d0 + 3 * nOut]! += a3;
      }
    }
    for (; i < nIn; i++) {
      for (let f = 0; f < nOut; f++) {
        let a = 0;
        for (let q = 0, xr = xStart + i, gr = gStart + f, t = tStart; q < cnt; q++, gr += nOut) {
          a += x[xr]! * g[gr]!;
          if (++t === T) {
            t = 0;
            xr += wrap;
          } else xr += posStride;
        }
        dW[dWo + i * nOut + f]! += a;
      }
    }
  }
}
