/**
 * The vector field handed to the optimizer, for any mode: one forward pass, then one
 * backward sweep (base modes, schedules) or two (combined: physics as the base, full as the
 * comparison, merged by sign agreement). Also the per-update metrics of docs/method.md.
 */
import { cosineSimilarity, squaredNorm } from '../engine/vector.js';
import { combineSignAgreement } from './combine.js';
import type { BaseMode, Mode } from './modes.js';
import { Unroll, type UnrollSetup } from './unroll.js';

export interface UpdateResult {
  loss: number;
  physicsLoss: number;
  /** What the optimizer receives (before clipping). Reused buffer: copy to keep. */
  update: Float64Array;
  /** Squared L2 norm of `update`. */
  gradSize: number;
  /** cos(g_M, g_R) in mode combined, else 0. */
  cosSim: number;
  /** Mode combined only: the physics field g_M and the true gradient g_R (reused buffers). */
  gM?: Float64Array;
  gR?: Float64Array;
}

export class UpdateRule {
  readonly unroll: Unroll;
  private readonly gM: Float64Array;
  private readonly gR: Float64Array;
  private readonly u: Float64Array;

  constructor(setup: UnrollSetup) {
    this.unroll = new Unroll(setup);
    const P = setup.controller.paramCount;
    this.gM = new Float64Array(P);
    this.gR = new Float64Array(P);
    this.u = new Float64Array(P);
  }

  /**
   * The update for a batch x0 [B][stateSize] at θ = params, in `mode` or a per-step schedule,
   * truncated to `truncate` steps when given. Mode C truncates both of its fields (the cut is a
   * stop-gradient on the state, in the unroll both passes share).
   */
  compute(params: Float64Array, x0: Float64Array, mode: Mode | readonly BaseMode[], truncate: number | null = null): UpdateResult {
    const { loss, physicsLoss } = this.unroll.forward(params, x0);
    if (mode === 'combined') {
      this.unroll.gradientPair('physics', 'full', this.gM, this.gR, truncate);
      combineSignAgreement(this.gM, this.gR, this.u);
      return {
        loss,
        physicsLoss,
        update: this.u,
        gradSize: squaredNorm(this.u),
        cosSim: cosineSimilarity(this.gM, this.gR),
        gM: this.gM,
        gR: this.gR,
      };
    }
    this.unroll.gradient(mode, this.u, truncate);
    return { loss, physicsLoss, update: this.u, gradSize: squaredNorm(this.u), cosSim: 0 };
  }
}
