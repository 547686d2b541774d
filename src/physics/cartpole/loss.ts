/** FINAL loss of the swing-up: L = 1 − mean over batch and poles of cos θ_i at x_Nt. */
import type { Loss } from '../simulator.js';

export class CartpoleFinalLoss implements Loss {
  readonly kind = 'final';

  constructor(readonly poles: number) {}

  term(x: Float64Array, n: number, Nt: number, B: number, xBar: Float64Array | null): number {
    if (n !== Nt) return 0;
    const S = 2 * (1 + this.poles);
    const scale = 1 / (B * this.poles);
    let sum = 0;
    for (let b = 0; b < B; b++)
      for (let i = 1; i <= this.poles; i++) {
        const th = x[b * S + 2 * i]!;
        sum += Math.cos(th);
        if (xBar) xBar[b * S + 2 * i]! += Math.sin(th) * scale;
      }
    return 1 - sum * scale;
  }
}
