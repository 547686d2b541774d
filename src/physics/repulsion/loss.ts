/**
 * CONTINUOUS loss of guidance by repulsion (docs/problems.md):
 *   L_phys = mean over batch, steps 1..Nt, evaders and both coordinates of (x_e − target)².
 * The regularisation rc·mean(u²) is added by the unroll (ProblemInstance.rc), not here.
 */
import type { Loss } from '../simulator.js';

export class RepulsionLoss implements Loss {
  readonly kind = 'continuous';

  constructor(
    readonly drivers: number,
    readonly evaders: number,
    readonly target: readonly [number, number] = [0, 0],
  ) {}

  term(x: Float64Array, _n: number, Nt: number, B: number, xBar: Float64Array | null): number {
    const S = 4 * (this.drivers + this.evaders);
    const scale = 1 / (B * Nt * this.evaders * 2);
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
