/**
 * Crank–Nicolson step of a particle in the box [0, 2] driven by a linear potential u·x
 * (docs/problems.md), and its hand-written VJP.
 *
 * Grid: Nx interior points x_k = k·dx, dx = 2/(Nx+1), k = 1 … Nx, Dirichlet walls (or, with the
 * 'float32' grid, the published code's float32 range, see float32Grid). State per sample
 * [Nx][2] = (Re ψ_k, Im ψ_k) (array index k−1); control u (one scalar per sample).
 *   (Hψ)_k = −(ψ_{k+1} − 2ψ_k + ψ_{k−1})/dx² + u·x_k·ψ_k
 *   A ψ' = B ψ,  A = I + i·dt/2·H,  B = I − i·dt/2·H
 * With β = dt/(2dx²) and γ_k = 2β + dt·u·x_k/2: A has diagonal 1 + iγ_k and off-diagonals −iβ,
 * B = conj(A). Each step is one O(Nx) complex tridiagonal solve per sample.
 *
 * VJP (complex notation over the (re, im) pairs, see tridiagonal.ts): with r̄ = A⁻ᴴ ψ̄',
 *   ψ̄ = Bᴴ r̄ = A r̄                       (A is complex symmetric and B = conj(A))
 *   ū = (dt/2) Σ_k x_k · Im(conj(r̄_k)·(ψ_k + ψ'_k))
 * (from dψ' = A⁻¹(dB·ψ − dA·ψ') with dA = −dB = i·dt/2·diag(x)·du). xNext = ψ' is taken from the
 * forward pass, so the VJP needs one adjoint solve and no forward solve.
 */
import type { Simulator } from '../simulator.js';

/**
 * The Thomas algorithm of tridiagonal.ts specialised to these matrices (A for q = −β, σ = 1; its
 * adjoint Aᴴ = conj(A) for q = β, σ = −1): off-diagonals i·q, diagonal 1 + i·σ·γ_k with
 * γ_k = 2β + h_b·x_k, for B samples (rows S numbers apart in r and y; h [B]). The general solver's
 * products with the bands' zero real parts and unit diagonal are left out; every other operation is
 * the same, in the same order, so the numbers are the same bit for bit (up to the sign of an exact
 * zero). Forward elimination runs as the right-hand side is made (`rhs`: r holds ψ and the
 * right-hand side is Bψ; else r is the right-hand side), the back substitution after.
 * Grid points run in the outer loop and samples in the inner one: one sample's elimination is a
 * chain of dependent operations (a division per point), so the samples' chains are interleaved
 * for the processor to overlap. `work` holds B·2n numbers (the elimination's c'_k per sample).
 */
function solveCn(
  n: number, q: number, sigma: number, beta: number, X: Float64Array, h: Float64Array, B: number, S: number,
  r: Float64Array, rhs: boolean, y: Float64Array, work: Float64Array,
): void {
  const g0 = 2 * beta, W = 2 * n;
  for (let k = 0; k < n; k++) {
    const k2 = 2 * k, xk = X[k]!;
    for (let b = 0, o = k2, w = k2; b < B; b++, o += S, w += W) {
      const g = g0 + h[b]! * xk;
      let tr: number, ti: number;
      if (rhs) {
        // r_k = (1 − iγ_k)ψ_k + iβ(ψ_{k−1} + ψ_{k+1}) (as the general step wrote it into xNext).
        const a = r[o]!, bi = r[o + 1]!;
        let nr = 0, ni = 0;
        if (k > 0) {
          nr += r[o - 2]!;
          ni += r[o - 1]!;
        }
        if (k < n - 1) {
          nr += r[o + 2]!;
          ni += r[o + 3]!;
        }
        tr = a + g * bi - beta * ni;
        ti = bi - g * a + beta * nr;
      } else {
        tr = r[o]!;
        ti = r[o + 1]!;
      }
      let mr: number, mi: number;
      if (k === 0) {
        mr = 1;
        mi = sigma * g;
      } else {
        const cr = work[w - 2]!, ci = work[w - 1]!, pr = y[o - 2]!, pi = y[o - 1]!;
        mr = 1 + q * ci;
        mi = sigma * g - q * cr;
        tr = tr + q * pi;
        ti = ti - q * pr;
      }
      const inv = 1 / (mr * mr + mi * mi);
      if (k < n - 1) {
        work[w] = q * mi * inv;
        work[w + 1] = q * mr * inv;
      }
      y[o] = (tr * mr + ti * mi) * inv;
      y[o + 1] = (ti * mr - tr * mi) * inv;
    }
  }
  // Back substitution: y_k = y'_k − c'_k·y_{k+1}.
  for (let k = n - 2; k >= 0; k--) {
    for (let b = 0, o = 2 * k, w = 2 * k; b < B; b++, o += S, w += W) {
      const wr = work[w]!, wi = work[w + 1]!;
      const nr = y[o + 2]!, ni = y[o + 3]!;
      y[o] = y[o]! - (wr * nr - wi * ni);
      y[o + 1] = y[o + 1]! - (wr * ni + wi * nr);
    }
  }
}

/** How the potential's coordinates x_k are made: exactly, or as the published code's float32 range. */
export type QuantumGrid = 'exact' | 'float32';

/**
 * The published code's coordinates (**quirk**): a float32 range from 0 towards 2 in float32 steps
 * of dx, its first point dropped. The range adds the step to a float32 accumulator
 * (x_k = fl32(x_{k−1} + fl32(dx))), so x_k drifts from k·dx by float32 roundings (~1e-7 relative);
 * its length is ⌈fl32(2 / fl32(dx))⌉, which must be Nx + 1 for the published code to run at all.
 */
export function float32Grid(nx: number): Float64Array {
  const step = Math.fround(2 / (nx + 1));
  const size = Math.ceil(Math.fround(2 / step));
  if (size !== nx + 1) {
    throw new Error(`--grid float32: with Nx = ${nx} the published float32 range has ${size - 1} interior points, not ${nx}, so the published code cannot run this grid; use --grid exact`);
  }
  const x = new Float64Array(nx);
  let v = 0;
  for (let k = 0; k < nx; k++) {
    v = Math.fround(v + step);
    x[k] = v;
  }
  return x;
}

export class QuantumSimulator implements Simulator {
  readonly stateSize: number;
  readonly controlSize = 1;
  readonly macsPerSample: number;
  readonly dx: number;
  /** Grid coordinates x_k, k = 1 … Nx (array index k−1). */
  readonly x: Float64Array;
  private readonly beta: number;
  /** Per-sample scratch, grown to the largest batch seen: the elimination's c'_k, r̄ and dt·u/2, [B][2Nx] and [B]. */
  private work = new Float64Array(0);
  private rBar = new Float64Array(0);
  private h = new Float64Array(0);

  constructor(readonly nx: number, readonly dt: number, readonly grid: QuantumGrid = 'exact') {
    if (!Number.isInteger(nx) || nx < 1) throw new Error(`quantum simulator: Nx must be a positive integer, got ${nx}`);
    if (!(dt > 0) || !Number.isFinite(dt)) throw new Error(`quantum simulator: dt must be a positive number, got ${dt}`);
    this.stateSize = 2 * nx;
    this.dx = 2 / (nx + 1);
    this.x = grid === 'float32' ? float32Grid(nx) : Float64Array.from({ length: nx }, (_, i) => (i + 1) * this.dx);
    this.beta = dt / (2 * this.dx * this.dx);
    // Right-hand side, Thomas sweep and back substitution: ~ 12 + 12 + 4 real multiply-adds per point.
    this.macsPerSample = 28 * nx;
  }

  /** xNext must not overlap x (the right-hand side is read from x while xNext is written). */
  step(x: Float64Array, c: Float64Array, xNext: Float64Array, B: number): void {
    this.scratch(B);
    const h = this.h;
    // γ_k = 2β + (dt·u/2)·x_k: A's diagonal 1 + iγ_k.
    for (let b = 0; b < B; b++) h[b] = 0.5 * this.dt * c[b]!;
    solveCn(this.nx, -this.beta, 1, this.beta, this.x, h, B, this.stateSize, x, true, xNext, this.work);
  }

  /** Makes the per-sample scratch hold B samples (allocates only when B exceeds every earlier batch). */
  private scratch(B: number): void {
    if (this.h.length >= B) return;
    this.work = new Float64Array(B * this.stateSize);
    this.rBar = new Float64Array(B * this.stateSize);
    this.h = new Float64Array(B);
  }

  stepVjp(
    x: Float64Array,
    c: Float64Array,
    xNext: Float64Array,
    xNextBar: Float64Array,
    xBar: Float64Array | null,
    cBar: Float64Array,
    B: number,
  ): void {
    this.scratch(B);
    const { nx, beta, rBar, h } = this;
    const S = this.stateSize;
    const X = this.x;
    const g0 = 2 * beta;
    for (let b = 0; b < B; b++) h[b] = 0.5 * this.dt * c[b]!;
    solveCn(nx, beta, -1, beta, X, h, B, S, xNextBar, false, rBar, this.work);
    for (let b = 0; b < B; b++) {
      const o = b * S;
      // ū (summed in k order) and ψ̄ = A r̄: ψ̄_k = (1 + iγ_k) r̄_k − iβ(r̄_{k−1} + r̄_{k+1}).
      let uBar = 0;
      for (let k = 0; k < nx; k++) {
        const p = o + 2 * k;
        const sr = x[p]! + xNext[p]!, si = x[p + 1]! + xNext[p + 1]!;
        uBar += X[k]! * (rBar[p]! * si - rBar[p + 1]! * sr);
        if (!xBar) continue;
        const g = g0 + h[b]! * X[k]!;
        const a = rBar[p]!, bi = rBar[p + 1]!;
        let nr = 0, ni = 0;
        if (k > 0) {
          nr += rBar[p - 2]!;
          ni += rBar[p - 1]!;
        }
        if (k < nx - 1) {
          nr += rBar[p + 2]!;
          ni += rBar[p + 3]!;
        }
        xBar[o + 2 * k] = a - g * bi + beta * ni;
        xBar[o + 2 * k + 1] = bi + g * a - beta * nr;
      }
      cBar[b] = 0.5 * this.dt * uBar;
    }
  }
}
