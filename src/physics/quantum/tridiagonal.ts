/**
 * Complex tridiagonal systems A·y = r by the Thomas algorithm (O(n), no pivoting) and the
 * vector-Jacobian product of the solve.
 *
 * Complex vectors are interleaved real pairs [n][2] = (re, im). A is given by its three bands,
 * each a complex array [n][2] starting at offset 0:
 *   lower[k] = A[k][k−1] (k = 1 … n−1; lower[0] unused)
 *   diag[k]  = A[k][k]
 *   upper[k] = A[k][k+1] (k = 0 … n−2; upper[n−1] unused)
 *
 * Without pivoting the pivots must not vanish. For Crank–Nicolson matrices A = I + i·G with G real
 * symmetric the Hermitian part of A is I (positive definite), which every Schur complement
 * inherits, so every pivot has a positive real part: the elimination never breaks down.
 *
 * Cotangents of complex numbers stored as (re, im) pairs are the ordinary real VJP over those
 * pairs. For y = A⁻¹r that gives, in complex notation (z̄ the cotangent of z):
 *   r̄ = A⁻ᴴ ȳ                                (an adjoint tridiagonal solve)
 *   Ā[j][k] = −r̄_j · conj(y_k)               (for each band entry)
 */

/**
 * Solves A·y = r (or Aᴴ·y = r when `adjoint`). r at ro and y at yo may be the same storage
 * (in place). `work` holds ≥ 2n numbers of scratch. Allocation-free.
 */
export function solveTridiagonal(
  n: number,
  lower: Float64Array,
  diag: Float64Array,
  upper: Float64Array,
  r: Float64Array,
  ro: number,
  y: Float64Array,
  yo: number,
  work: Float64Array,
  adjoint = false,
): void {
  // Aᴴ has bands lowerᴴ[k] = conj(upper[k−1]), diagᴴ[k] = conj(diag[k]), upperᴴ[k] = conj(lower[k+1]):
  // the other band, read one entry shifted, imaginary parts negated (s = −1).
  const L = adjoint ? upper : lower;
  const U = adjoint ? lower : upper;
  const lo = adjoint ? -2 : 0;
  const uo = adjoint ? 2 : 0;
  const s = adjoint ? -1 : 1;
  let mr = diag[0]!, mi = s * diag[1]!;
  let inv = 1 / (mr * mr + mi * mi);
  if (n > 1) {
    const ur = U[uo]!, ui = s * U[uo + 1]!;
    work[0] = (ur * mr + ui * mi) * inv;
    work[1] = (ui * mr - ur * mi) * inv;
  }
  {
    const tr = r[ro]!, ti = r[ro + 1]!;
    y[yo] = (tr * mr + ti * mi) * inv;
    y[yo + 1] = (ti * mr - tr * mi) * inv;
  }
  // Forward elimination: c'_k = U_k / m_k, y'_k = (r_k − L_k·y'_{k−1}) / m_k, m_k = D_k − L_k·c'_{k−1}.
  for (let k = 1; k < n; k++) {
    const k2 = 2 * k;
    const lr = L[lo + k2]!, li = s * L[lo + k2 + 1]!;
    const cr = work[k2 - 2]!, ci = work[k2 - 1]!;
    mr = diag[k2]! - (lr * cr - li * ci);
    mi = s * diag[k2 + 1]! - (lr * ci + li * cr);
    inv = 1 / (mr * mr + mi * mi);
    if (k < n - 1) {
      const ur = U[uo + k2]!, ui = s * U[uo + k2 + 1]!;
      work[k2] = (ur * mr + ui * mi) * inv;
      work[k2 + 1] = (ui * mr - ur * mi) * inv;
    }
    const pr = y[yo + k2 - 2]!, pi = y[yo + k2 - 1]!;
    const tr = r[ro + k2]! - (lr * pr - li * pi);
    const ti = r[ro + k2 + 1]! - (lr * pi + li * pr);
    y[yo + k2] = (tr * mr + ti * mi) * inv;
    y[yo + k2 + 1] = (ti * mr - tr * mi) * inv;
  }
  // Back substitution: y_k = y'_k − c'_k·y_{k+1}.
  for (let k = n - 2; k >= 0; k--) {
    const k2 = 2 * k;
    const cr = work[k2]!, ci = work[k2 + 1]!;
    const nr = y[yo + k2 + 2]!, ni = y[yo + k2 + 3]!;
    y[yo + k2] = y[yo + k2]! - (cr * nr - ci * ni);
    y[yo + k2 + 1] = y[yo + k2 + 1]! - (cr * ni + ci * nr);
  }
}

/**
 * VJP of y = A⁻¹r: given the solution y (at yo) and its cotangent ȳ (at ybo), writes
 * r̄ = A⁻ᴴȳ at rbo and, for each band cotangent array given, overwrites it with
 * −r̄_j·conj(y_k) at the band's entries (unused band entries 0).
 */
export function solveTridiagonalVjp(
  n: number,
  lower: Float64Array,
  diag: Float64Array,
  upper: Float64Array,
  y: Float64Array,
  yo: number,
  yBar: Float64Array,
  ybo: number,
  rBar: Float64Array,
  rbo: number,
  work: Float64Array,
  bandsBar: { lower: Float64Array | null; diag: Float64Array | null; upper: Float64Array | null } | null = null,
): void {
  solveTridiagonal(n, lower, diag, upper, yBar, ybo, rBar, rbo, work, true);
  if (!bandsBar) return;
  // −a·conj(b) for a = r̄_j, b = y_k.
  const put = (out: Float64Array, at: number, j: number, k: number): void => {
    const ar = rBar[rbo + 2 * j]!, ai = rBar[rbo + 2 * j + 1]!;
    const br = y[yo + 2 * k]!, bi = y[yo + 2 * k + 1]!;
    out[at] = -(ar * br + ai * bi);
    out[at + 1] = -(ai * br - ar * bi);
  };
  const { lower: lb, diag: db, upper: ub } = bandsBar;
  for (let k = 0; k < n; k++) {
    if (db) put(db, 2 * k, k, k);
    if (lb) {
      if (k >= 1) put(lb, 2 * k, k, k - 1);
      else lb[0] = lb[1] = 0;
    }
    if (ub) {
      if (k <= n - 2) put(ub, 2 * k, k, k + 1);
      else ub[2 * k] = ub[2 * k + 1] = 0;
    }
  }
}
