/**
 * Multi-pole cart-pole step (semi-implicit Euler) and its hand-written VJP.
 * Per sample the state is [x, ẋ, θ_1, θ̇_1, …, θ_NP, θ̇_NP] (layout [1+NP][2]); the control
 * is the force f. Equations: docs/problems.md.
 */
import type { Simulator } from '../simulator.js';

export interface CartpoleConstants {
  g: number;
  /** Pole mass. */
  m: number;
  /** Total mass (cart + pole). */
  M: number;
  /** Pole length. */
  l: number;
  dt: number;
}

/** The published constants (dt = T/Nt comes from the settings). */
export const CARTPOLE_CONSTANTS: Omit<CartpoleConstants, 'dt'> = { g: 9.8, m: 0.1, M: 1.1, l: 0.5 };

export class CartpoleSimulator implements Simulator {
  readonly stateSize: number;
  readonly controlSize = 1;
  readonly macsPerSample: number;

  constructor(readonly poles: number, readonly k: CartpoleConstants) {
    this.stateSize = 2 * (1 + poles);
    this.macsPerSample = 20 * poles;
  }

  step(x: Float64Array, c: Float64Array, xNext: Float64Array, B: number): void {
    const { g, m, M, l, dt } = this.k;
    const ml = m * l;
    const S = this.stateSize;
    for (let b = 0; b < B; b++) {
      const o = b * S;
      const f = c[b]!;
      let C = 0;
      for (let i = 1; i <= this.poles; i++) {
        const th = x[o + 2 * i]!, thd = x[o + 2 * i + 1]!;
        const s = Math.sin(th), k = Math.cos(th), q = s * thd * thd;
        const A = (f + ml * q) / M;
        const Bi = l * (4 / 3 - (m * k * k) / M);
        const tdd = (g * s - k * A) / Bi;
        C += q - tdd * k;
        const thdN = thd + dt * tdd;
        xNext[o + 2 * i + 1] = thdN;
        xNext[o + 2 * i] = th + dt * thdN;
      }
      const xdd = (f + ml * C) / M;
      const xdN = x[o + 1]! + dt * xdd;
      xNext[o + 1] = xdN;
      xNext[o] = x[o]! + dt * xdN;
    }
  }

  stepVjp(
    x: Float64Array,
    c: Float64Array,
    _xNext: Float64Array,
    xNextBar: Float64Array,
    xBar: Float64Array | null,
    cBar: Float64Array,
    B: number,
  ): void {
    const { g, m, M, l, dt } = this.k;
    const ml = m * l;
    const S = this.stateSize;
    for (let b = 0; b < B; b++) {
      const o = b * S;
      const f = c[b]!;
      // Cart: x' = x + dt·ẋ', ẋ' = ẋ + dt·ẍ, ẍ = (f + ml·C)/M.
      const xdNBar = xNextBar[o + 1]! + dt * xNextBar[o]!;
      const xddBar = dt * xdNBar;
      let fBar = xddBar / M;
      const CBar = (ml * xddBar) / M;
      if (xBar) {
        xBar[o] = xNextBar[o]!;
        xBar[o + 1] = xdNBar;
      }
      for (let i = 1; i <= this.poles; i++) {
        const th = x[o + 2 * i]!, thd = x[o + 2 * i + 1]!;
        const s = Math.sin(th), k = Math.cos(th), q = s * thd * thd;
        const A = (f + ml * q) / M;
        const Bi = l * (4 / 3 - (m * k * k) / M);
        const tdd = (g * s - k * A) / Bi;
        // θ' = θ + dt·θ̇', θ̇' = θ̇ + dt·θ̈; C gathers q − θ̈·k.
        const thdNBar = xNextBar[o + 2 * i + 1]! + dt * xNextBar[o + 2 * i]!;
        const tddBar = dt * thdNBar - CBar * k;
        let qBar = CBar;
        let kBar = -CBar * tdd;
        // θ̈ = (g·s − k·A)/B_i
        let sBar = (g * tddBar) / Bi;
        kBar -= (A * tddBar) / Bi;
        const ABar = (-k * tddBar) / Bi;
        const BBar = (-tdd * tddBar) / Bi;
        kBar += BBar * l * ((-2 * m * k) / M);
        fBar += ABar / M;
        qBar += (ml * ABar) / M;
        sBar += qBar * thd * thd;
        if (xBar) {
          xBar[o + 2 * i] = xNextBar[o + 2 * i]! + sBar * k - kBar * s;
          xBar[o + 2 * i + 1] = thdNBar + 2 * qBar * s * thd;
        }
      }
      cBar[b] = fBar;
    }
  }
}
