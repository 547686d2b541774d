/**
 * Guidance by repulsion: the batched explicit-Euler step and its hand-written VJP
 * (docs/problems.md). Per sample the state is [drivers + evaders][2: position, velocity][2: x, y],
 * drivers first; the control is [drivers][2: u_r, u_t].
 *
 *   x' = x + dt·v,  v' = v + dt·a(x, v, c)   (a from the old state)
 *
 * a is the sum of the enabled force terms of ./forces.ts (all by default); enabling a subset
 * lets each term be gradchecked alone through the same code.
 */
import type { Simulator } from '../simulator.js';
import {
  addControl,
  addEvade,
  addFlock,
  addFriction,
  addSpread,
  controlVjp,
  evadeVjp,
  flockVjp,
  frictionVjp,
  REPULSION_TERMS,
  spreadVjp,
  type Agents,
  type RepulsionConstants,
  type RepulsionTerm,
} from './forces.js';

export interface RepulsionOptions {
  /** The force terms to apply (default: all of REPULSION_TERMS). */
  terms?: readonly RepulsionTerm[];
}

export class RepulsionSimulator implements Simulator, Agents {
  readonly stateSize: number;
  readonly controlSize: number;
  readonly macsPerSample: number;
  readonly terms: readonly RepulsionTerm[];
  private readonly evade: boolean;
  private readonly friction: boolean;
  private readonly flock: boolean;
  private readonly spread: boolean;
  private readonly control: boolean;
  /** Accelerations of one sample, then their cotangents: [A][2] each. */
  private readonly acc: Float64Array;
  private readonly accBar: Float64Array;

  constructor(
    readonly drivers: number,
    readonly evaders: number,
    readonly k: RepulsionConstants,
    options: RepulsionOptions = {},
  ) {
    if (!Number.isInteger(drivers) || drivers < 1) throw new Error(`drivers (--drivers) must be an integer ≥ 1, got ${drivers}`);
    if (!Number.isInteger(evaders) || evaders < 1) throw new Error(`evaders (--evaders) must be an integer ≥ 1, got ${evaders}`);
    for (const [name, v] of Object.entries(k)) {
      if (!Number.isFinite(v)) throw new Error(`repulsion constant ${name} must be a finite number, got ${v}`);
    }
    if (!(k.eps > 0)) throw new Error(`repulsion constant eps must be > 0 (it softens every distance), got ${k.eps}`);
    const terms = options.terms ?? REPULSION_TERMS;
    for (const t of terms) {
      if (!REPULSION_TERMS.includes(t)) throw new Error(`unknown repulsion force term "${t}"; accepted: ${REPULSION_TERMS.join(', ')}`);
    }
    this.terms = [...terms];
    this.evade = terms.includes('evade');
    this.friction = terms.includes('friction');
    this.flock = terms.includes('flock');
    this.spread = terms.includes('spread');
    this.control = terms.includes('control');
    const A = drivers + evaders;
    this.stateSize = 4 * A;
    this.controlSize = 2 * drivers;
    this.acc = new Float64Array(2 * A);
    this.accBar = new Float64Array(2 * A);
    // Roughly 12 multiply-adds per interacting pair, 4 per agent and control component.
    const pairs = drivers * evaders + (evaders * (evaders - 1)) / 2 + (drivers * (drivers - 1)) / 2;
    this.macsPerSample = 12 * pairs + 8 * A + 6 * drivers;
  }

  step(x: Float64Array, c: Float64Array, xNext: Float64Array, B: number): void {
    const S = this.stateSize, C = this.controlSize, k = this.k, dt = k.dt, acc = this.acc;
    const A = this.drivers + this.evaders;
    for (let b = 0; b < B; b++) {
      const o = b * S;
      acc.fill(0);
      if (this.evade) addEvade(x, o, this, k, acc);
      if (this.friction) addFriction(x, o, this, k, acc);
      if (this.flock) addFlock(x, o, this, k, acc);
      if (this.spread) addSpread(x, o, this, k, acc);
      if (this.control) addControl(x, o, c, b * C, this, acc);
      for (let a = 0; a < A; a++) {
        const i = o + 4 * a;
        const vx = x[i + 2]!, vy = x[i + 3]!;
        xNext[i] = x[i]! + dt * vx;
        xNext[i + 1] = x[i + 1]! + dt * vy;
        xNext[i + 2] = vx + dt * acc[2 * a]!;
        xNext[i + 3] = vy + dt * acc[2 * a + 1]!;
      }
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
    const S = this.stateSize, C = this.controlSize, k = this.k, dt = k.dt, accBar = this.accBar;
    const A = this.drivers + this.evaders;
    for (let b = 0; b < B; b++) {
      const o = b * S, co = b * C;
      for (let a = 0; a < A; a++) {
        accBar[2 * a] = dt * xNextBar[o + 4 * a + 2]!;
        accBar[2 * a + 1] = dt * xNextBar[o + 4 * a + 3]!;
      }
      cBar.fill(0, co, co + C);
      if (xBar) {
        // Euler part: x̄ = x̄', v̄ = v̄' + dt·x̄' (each read before written, so xBar may alias xNextBar).
        for (let a = 0; a < A; a++) {
          const i = o + 4 * a;
          const px = xNextBar[i]!, py = xNextBar[i + 1]!;
          xBar[i] = px;
          xBar[i + 1] = py;
          xBar[i + 2] = xNextBar[i + 2]! + dt * px;
          xBar[i + 3] = xNextBar[i + 3]! + dt * py;
        }
        if (this.evade) evadeVjp(x, o, this, k, accBar, xBar);
        if (this.friction) frictionVjp(x, o, this, k, accBar, xBar);
        if (this.flock) flockVjp(x, o, this, k, accBar, xBar);
        if (this.spread) spreadVjp(x, o, this, k, accBar, xBar);
      }
      if (this.control) controlVjp(x, o, c, co, this, accBar, xBar, cBar);
    }
  }
}
