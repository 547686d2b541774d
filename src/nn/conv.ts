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
 * contiguous [n·T][nOut]. Loops are register-blocked (4 virtual rows × 2 columns) like dense.ts.
 * Windows of neighbouring positions may overlap; the backward pass accumulates, so that is fine.
 */

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
    for (; f + 2 <= nOut; f += 2) {
      const b0 = b[bo + f]!, b1 = b[bo + f + 1]!;
      let a00 = b0, a01 = b1, a10 = b0, a11 = b1, a20 = b0, a21 = b1, a30 = b0, a31 = b1;
      for (let i = 0, wi = wo + f; i < nIn; i++, wi += nOut) {
        const w0 = w[wi]!, w1 = w[wi + 1]!;
        const v0 = x[x0 + i]!, v1 = x[x1 + i]!, v2 = x[x2 + i]!, v3 = x[x3 + i]!;
        a00 += v0 * w0; a01 += v0 * w1;
        a10 += v1 * w0; a11 += v1 * w1;
        a20 += v2 * w0; a21 += v2 * w1;
        a30 += v3 * w0; a31 += v3 * w1;
      }
      if (tanhAct) {
        y[y0 + f] = Math.tanh(a00); y[y0 + f + 1] = Math.tanh(a01);
        y[y1 + f] = Math.tanh(a10); y[y1 + f + 1] = Math.tanh(a11);
        y[y2 + f] = Math.tanh(a20); y[y2 + f + 1] = Math.tanh(a21);
        y[y3 + f] = Math.tanh(a30); y[y3 + f + 1] = Math.tanh(a31);
      } else {
        y[y0 + f] = a00; y[y0 + f + 1] = a01;
        y[y1 + f] = a10; y[y1 + f + 1] = a11;
        y[y2 + f] = a20; y[y2 + f + 1] = a21;
        y[y3 + f] = a30; y[y3 + f + 1] = a31;
      }
    }
    for (; f < nOut; f++) {
      const b0 = b[bo + f]!;
      let a0 = b0, a1 = b0, a2 = b0, a3 = b0;
      for (let i = 0, wi = wo + f; i < nIn; i++, wi += nOut) {
        const w0 = w[wi]!;
        a0 += x[x0 + i]! * w0; a1 += x[x1 + i]! * w0; a2 += x[x2 + i]! * w0; a3 += x[x3 + i]! * w0;
      }
      y[y0 + f] = tanhAct ? Math.tanh(a0) : a0;
      y[y1 + f] = tanhAct ? Math.tanh(a1) : a1;
      y[y2 + f] = tanhAct ? Math.tanh(a2) : a2;
      y[y3 + f] = tanhAct ? Math.tanh(a3) : a3;
    }
  }
  for (; j < N; j++) {
    const xr = winOff(j, T, xo, rowStride, posStride), yr = yo + j * nOut;
    for (let f = 0; f < nOut; f++) {
      let a = b[bo + f]!;
      for (let i = 0, wi = wo + f; i < nIn; i++, wi += nOut) a += x[xr + i]! * w[wi]!;
      y[yr + f] = tanhAct ? Math.tanh(a) : a;
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
    for (; i + 2 <= nIn; i += 2) {
      let a00 = 0, a01 = 0, a10 = 0, a11 = 0, a20 = 0, a21 = 0, a30 = 0, a31 = 0;
      const wa = wo + i * nOut, wb = wa + nOut;
      for (let f = 0; f < nOut; f++) {
        const w0 = w[wa + f]!, w1 = w[wb + f]!;
        const v0 = g[g0 + f]!, v1 = g[g1 + f]!, v2 = g[g2 + f]!, v3 = g[g3 + f]!;
        a00 += v0 * w0; a01 += v0 * w1;
        a10 += v1 * w0; a11 += v1 * w1;
        a20 += v2 * w0; a21 += v2 * w1;
        a30 += v3 * w0; a31 += v3 * w1;
      }
      xBar[o0 + i]! += a00; xBar[o0 + i + 1]! += a01;
      xBar[o1 + i]! += a10; xBar[o1 + i + 1]! += a11;
      xBar[o2 + i]! += a20; xBar[o2 + i + 1]! += a21;
      xBar[o3 + i]! += a30; xBar[o3 + i + 1]! += a31;
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
      for (; f + 2 <= nOut; f += 2) {
        let a00 = 0, a01 = 0, a10 = 0, a11 = 0, a20 = 0, a21 = 0, a30 = 0, a31 = 0;
        for (let q = 0, xr = xStart + i, gr = gStart + f, t = tStart; q < cnt; q++, gr += nOut) {
          const g0 = g[gr]!, g1 = g[gr + 1]!;
          const v0 = x[xr]!, v1 = x[xr + 1]!, v2 = x[xr + 2]!, v3 = x[xr + 3]!;
          a00 += v0 * g0; a01 += v0 * g1;
          a10 += v1 * g0; a11 += v1 * g1;
          a20 += v2 * g0; a21 += v2 * g1;
          a30 += v3 * g0; a31 += v3 * g1;
          if (++t === T) {
            t = 0;
            xr += wrap;
          } else xr += posStride;
        }
        const d0 = dWo + i * nOut + f, d1 = d0 + nOut, d2 = d1 + nOut, d3 = d2 + nOut;
        dW[d0]! += a00; dW[d0 + 1]! += a01; dW[d1]! += a10; dW[d1 + 1]! += a11;
        dW[d2]! += a20; dW[d2 + 1]! += a21; dW[d3]! += a30; dW[d3 + 1]! += a31;
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
