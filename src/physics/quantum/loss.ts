/**
 * Loss of the state transfer (docs/problems.md): the infidelity with the target eigenstate,
 *   term_n = mean over batch of (1 − |⟨φ_target, ψ_n⟩|²)
 * CONTINUOUS sums it over every step n = 1 … Nt (values up to Nt); FINAL keeps the last step only.
 */
import type { Loss } from '../simulator.js';
import { eigenstate } from './eigen.js';

export class QuantumLoss implements Loss {
  /** The target eigenstate φ_target as real amplitudes [Nx]. */
  readonly phi: Float64Array;

  constructor(readonly nx: number, readonly target: number, readonly kind: 'final' | 'continuous') {
    this.phi = eigenstate(nx, target);
  }

  term(x: Float64Array, n: number, Nt: number, B: number, xBar: Float64Array | null): number {
    if (this.kind === 'final' && n !== Nt) return 0;
    const { phi, nx } = this;
    const S = 2 * nx;
    let fidelity = 0;
    for (let b = 0; b < B; b++) {
      const o = b * S;
      let re = 0, im = 0;
      for (let k = 0; k < nx; k++) {
        re += phi[k]! * x[o + 2 * k]!;
        im += phi[k]! * x[o + 2 * k + 1]!;
      }
      fidelity += re * re + im * im;
      if (xBar) {
        // ∂(−|o|²/B)/∂(Re ψ_k, Im ψ_k) = −(2/B)·(Re o, Im o)·φ_k.
        const sr = (-2 / B) * re, si = (-2 / B) * im;
        for (let k = 0; k < nx; k++) {
          xBar[o + 2 * k]! += sr * phi[k]!;
          xBar[o + 2 * k + 1]! += si * phi[k]!;
        }
      }
    }
    return 1 - fidelity / B;
  }
}
