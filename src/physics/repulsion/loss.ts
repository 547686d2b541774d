/**
 * Loss of guidance by repulsion (docs/problems.md):
 *   CONTINUOUS: L_phys = mean over batch, steps 1..Nt, evaders and both coordinates of (x_e − target)²
 *   FINAL:      L_phys = mean over batch, evaders and both coordinates of (x_e − target)² at x_Nt
 * The regularisation rc·mean(u²) is added by the unroll (ProblemInstance.rc), not here.
 */
import type { Loss } from '../simulator.js';

export class RepulsionLoss implements Loss {
  constructor(
    readonly drivers: number,
    readonly evaders: number,
    readonly kind: 'final' | 'continuous' = 'continuous',
    readonly target: readonly [number, number] = [0, 0],
  ) {}

  term(x: Float64Array, n: number, Nt: number, B: number, xBar: Float64Array | null): number {
    if (this.kind === 'final' && n !== Nt) return 0;
    const S = 4 * (this.drivers + this.evaders);
    const scale = 1 / (B * (this.kind === 'final' ? 1 : Nt) * this.evaders * 2);
    const [tx, ty] = this.target;
    let sum = 0;
    for (let b = 0; b < B; b++)
      for (let e = this.drivers; e < this.drivers + this.evaders; e++) {
        const i = b * S + 4 * e;
        const ex = x[i]! - tx, ey = x[i + 1]! - ty;
        sum += ex * ex + ey * ey;
        if (xBar) {
          xBar[i]! += 2 * scale * ex;
          xBar[i + 1]! += 2 * scale * ey;
        }
      }
    return sum * scale;
  }
}
