/**
 * Eigenstates of the box without a field (docs/problems.md): φ_n(k) ∝ sin(π·n·k/(Nx+1)),
 * k = 1 … Nx, normalised to Σ_k |φ_n(k)|² = 1; n = 1 is the ground state. These are exact
 * eigenvectors of the discrete Laplacian with Dirichlet walls, so under zero control the
 * Crank–Nicolson step only turns their phase.
 */

/** φ_n as real amplitudes [Nx] (array index k−1). */
export function eigenstate(nx: number, n: number): Float64Array {
  if (!Number.isInteger(nx) || nx < 1) throw new Error(`eigenstate: Nx must be a positive integer, got ${nx}`);
  if (!Number.isInteger(n) || n < 1 || n > nx) throw new Error(`eigenstate: n must be an integer from 1 to Nx = ${nx}, got ${n}`);
  const phi = new Float64Array(nx);
  let norm = 0;
  for (let k = 1; k <= nx; k++) {
    const v = Math.sin((Math.PI * n * k) / (nx + 1));
    phi[k - 1] = v;
    norm += v * v;
  }
  const s = 1 / Math.sqrt(norm);
  for (let k = 0; k < nx; k++) phi[k]! *= s;
  return phi;
}

/** φ_n·e^{i·phase} as a state [Nx][2] = (re, im). */
export function eigenstateState(nx: number, n: number, phase = 0): Float64Array {
  const phi = eigenstate(nx, n);
  const out = new Float64Array(2 * nx);
  const cr = Math.cos(phase), ci = Math.sin(phase);
  for (let k = 0; k < nx; k++) {
    out[2 * k] = cr * phi[k]!;
    out[2 * k + 1] = ci * phi[k]!;
  }
  return out;
}

/** ⟨φ, ψ⟩ = Σ_k φ_k·ψ_k for real φ [Nx] and the state ψ at offset o: writes (re, im) into out. */
export function overlap(phi: Float64Array, psi: Float64Array, o: number, out: Float64Array): Float64Array {
  let re = 0, im = 0;
  for (let k = 0; k < phi.length; k++) {
    re += phi[k]! * psi[o + 2 * k]!;
    im += phi[k]! * psi[o + 2 * k + 1]!;
  }
  out[0] = re;
  out[1] = im;
  return out;
}
