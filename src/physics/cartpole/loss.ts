/**
 * Loss of the swing-up (docs/problems.md), 1 − cos θ_i averaged over the batch and the poles:
 *   FINAL:      L = 1 − mean over batch and poles of cos θ_i at x_Nt (the published runs)
 *   CONTINUOUS: L = 1 − mean over batch, steps 1 … Nt and poles of cos θ_i (term_n carries 1/Nt)
 */
import type { Loss } from '../simulator.js';

export class CartpoleLoss implements Loss {
  constructor(readonly poles: number, readonly kind: 'final' | 'continuous' = 'final') {}

  term(x: Float64Array, n: number, Nt: number, B: number, xBar: Float64Array | null): number {
    if (this.kind === 'final' && n !== Nt) return 0;
    const S = 2 * (1 + this.poles);
    const scale = 1 / (B * this.poles * (this.kind === 'final' ? 1 : Nt));
    let sum = 0;
    for (let b = 0; b < B; b++)
      for (let i = 1; i <= this.poles; i++) {
        const th = x[b * S + 2 * i]!;
        sum += Math.cos(th);
        if (xBar) xBar[b * S + 2 * i]! += Math.sin(th) * scale;
      }
    return (this.kind === 'final' ? 1 : 1 / Nt) - sum * scale;
  }
}
