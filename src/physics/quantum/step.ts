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
import { solveTridiagonal } from './tridiagonal.js';

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
  /** Bands of A: the constant off-diagonals −iβ and a per-sample diagonal (scratch). */
  private readonly off: Float64Array;
  private readonly diag: Float64Array;
  private readonly work: Float64Array;
  private readonly rBar: Float64Array;

  constructor(readonly nx: number, readonly dt: number, readonly grid: QuantumGrid = 'exact') {
    if (!Number.isInteger(nx) || nx < 1) throw new Error(`quantum simulator: Nx must be a positive integer, got ${nx}`);
    if (!(dt > 0) || !Number.isFinite(dt)) throw new Error(`quantum simulator: dt must be a positive number, got ${dt}`);
    this.stateSize = 2 * nx;
    this.dx = 2 / (nx + 1);
    this.x = grid === 'float32' ? float32Grid(nx) : Float64Array.from({ length: nx }, (_, i) => (i + 1) * this.dx);
    this.beta = dt / (2 * this.dx * this.dx);
    this.off = new Float64Array(2 * nx);
    for (let k = 0; k < nx; k++) this.off[2 * k + 1] = -this.beta;
    this.diag = new Float64Array(2 * nx);
    this.work = new Float64Array(2 * nx);
    this.rBar = new Float64Array(2 * nx);
    // Right-hand side, Thomas sweep and back substitution: ~ 12 + 12 + 4 real multiply-adds per point.
    this.macsPerSample = 28 * nx;
  }

  /** Fills the diagonal of A for control u: 1 + i·(2β + dt·u·x_k/2). */
  private fillDiag(u: number): void {
    const { diag, x, nx } = this;
    const g0 = 2 * this.beta, h = 0.5 * this.dt * u;
    for (let k = 0; k < nx; k++) {
      diag[2 * k] = 1;
      diag[2 * k + 1] = g0 + h * x[k]!;
    }
  }

  step(x: Float64Array, c: Float64Array, xNext: Float64Array, B: number): void {
    const { nx, beta, diag, off, work } = this;
    const S = this.stateSize;
    for (let b = 0; b < B; b++) {
      const o = b * S;
      this.fillDiag(c[b]!);
      // r = Bψ: r_k = (1 − iγ_k)ψ_k + iβ(ψ_{k−1} + ψ_{k+1}), written into xNext, then solved in place.
      for (let k = 0; k < nx; k++) {
        const p = o + 2 * k;
        const g = diag[2 * k + 1]!;
        const a = x[p]!, bi = x[p + 1]!;
        let nr = 0, ni = 0;
        if (k > 0) {
          nr += x[p - 2]!;
          ni += x[p - 1]!;
        }
        if (k < nx - 1) {
          nr += x[p + 2]!;
          ni += x[p + 3]!;
        }
        xNext[p] = a + g * bi - beta * ni;
        xNext[p + 1] = bi - g * a + beta * nr;
      }
      solveTridiagonal(nx, off, diag, off, xNext, o, xNext, o, work);
    }
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
    const { nx, beta, diag, off, work, rBar } = this;
    const S = this.stateSize;
    const X = this.x;
    for (let b = 0; b < B; b++) {
      const o = b * S;
      this.fillDiag(c[b]!);
      solveTridiagonal(nx, off, diag, off, xNextBar, o, rBar, 0, work, true);
      let uBar = 0;
      for (let k = 0; k < nx; k++) {
        const p = o + 2 * k;
        const sr = x[p]! + xNext[p]!, si = x[p + 1]! + xNext[p + 1]!;
        uBar += X[k]! * (rBar[2 * k]! * si - rBar[2 * k + 1]! * sr);
      }
      cBar[b] = 0.5 * this.dt * uBar;
      if (!xBar) continue;
      // ψ̄ = A r̄: ψ̄_k = (1 + iγ_k) r̄_k − iβ(r̄_{k−1} + r̄_{k+1}).
      for (let k = 0; k < nx; k++) {
        const g = diag[2 * k + 1]!;
        const a = rBar[2 * k]!, bi = rBar[2 * k + 1]!;
        let nr = 0, ni = 0;
        if (k > 0) {
          nr += rBar[2 * k - 2]!;
          ni += rBar[2 * k - 1]!;
        }
        if (k < nx - 1) {
          nr += rBar[2 * k + 2]!;
          ni += rBar[2 * k + 3]!;
        }
        xBar[o + 2 * k] = a - g * bi + beta * ni;
        xBar[o + 2 * k + 1] = bi + g * a - beta * nr;
      }
    }
  }
}
