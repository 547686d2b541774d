/**
 * The differentiable unroll: c_n = N(x_n; θ), x_{n+1} = P(x_n, c_n), n = 0 … Nt−1, over a batch,
 * with one forward pass and backward sweeps in any gradient-flow mode (docs/method.md).
 *
 * Every buffer is allocated once per unroll shape. The network's weight gradient is never
 * accumulated inside the time loop: activations and per-row adjoints of all Nt·B rows are kept
 * and reduced by one batched product at the end. Steps whose feedback does not pass through
 * the network's input (b = 0, e.g. every step of mode M) need no sequential network backward
 * at all; their rows are back-propagated in one batch too.
 *
 * Scalar-output controllers that can scale their adjoints (nn/capabilities.ts) take a shorter
 * road: one backward pass with unit cotangents over all Nt·B rows, after the forward pass, gives
 * every row's Jacobian; each sweep scales those rows by its ĉ, and its time loop adds ĉ·∂N/∂x to λ
 * (inputSize numbers per row) instead of running the network backwards step by step. Mode C's
 * two sweeps share that pass.
 */
import type { Activations, Adjoints, Controller } from '../nn/controller.js';
import { bindsParams, scalesAdjoints, type AdjointScaling } from '../nn/capabilities.js';
import type { Loss, Simulator } from '../physics/simulator.js';
import { FLOWS, truncateFlows, type BaseMode, type Flow } from './modes.js';

export interface UnrollSetup {
  controller: Controller;
  simulator: Simulator;
  loss: Loss;
  /** Nt. */
  steps: number;
  /** B, samples per unroll. */
  batch: number;
  /** Control regularisation: adds rc · mean(c²) over batch, steps and components. */
  rc?: number;
  /**
   * Keep every step's network activations for backward sweeps (default true). False gives a
   * forward-only rollout (evaluation, animation) whose network workspace holds one step.
   */
  differentiable?: boolean;
}

export interface ForwardResult {
  /** Batch loss including the regularisation term. */
  loss: number;
  /** The loss without the regularisation term. */
  physicsLoss: number;
}

/** The result of one backward sweep: its adjoints and control cotangents, ready for the weight reduction. */
interface Sweep {
  readonly adj: Adjoints;
  /** ĉ_n for every step: [Nt][B][controlSize]. */
  readonly cBar: Float64Array;
  /** Per-step views of cBar, made once (the time loop does not allocate). */
  readonly cBarAt: readonly Float64Array[];
}

/** Every row's Jacobian for the scalar-output road (see the file comment). */
interface RowJacobian {
  readonly controller: Controller & AdjointScaling;
  /** The adjoints for output cotangent 1, all Nt·B rows. */
  readonly adj: Adjoints;
  /** ∂N/∂x of every row: [Nt·B][inputSize]. */
  readonly dx: Float64Array;
  /** Output cotangent 1 for every row. */
  readonly ones: Float64Array;
  /** Computed since the last forward pass; `withInput`: dx too. */
  fresh: boolean;
  withInput: boolean;
}

export class Unroll {
  readonly steps: number;
  readonly batch: number;
  readonly rc: number;
  /** x_0 … x_Nt, each [B][stateSize] (views into one buffer). */
  readonly states: Float64Array[];
  /** c_0 … c_{Nt−1}, each [B][controlSize]; `controlBuffer` holds them contiguously. */
  readonly controls: Float64Array[];
  readonly controlBuffer: Float64Array;
  private readonly acts: Activations;
  private readonly sweeps: Sweep[];
  private readonly differentiable: boolean;
  private lam: Float64Array;
  private lamNext: Float64Array;
  private readonly px: Float64Array;
  private readonly deferred: Uint8Array;
  private readonly jac: RowJacobian | null;
  private params: Float64Array | null = null;
  /**
   * Diagnostics only (bptt/diagnose.ts): receives each λ_n [B][stateSize], n = Nt … 1, as a sweep
   * forms it (the array is reused after the call). Null by default: one check per step.
   */
  adjointObserver: ((n: number, lambda: Float64Array) => void) | null = null;

  constructor(readonly setup: UnrollSetup) {
    const { controller, simulator, steps, batch } = setup;
    if (!Number.isInteger(steps) || steps < 1) throw new Error(`steps must be a positive integer, got ${steps}`);
    if (!Number.isInteger(batch) || batch < 1) throw new Error(`batch must be a positive integer, got ${batch}`);
    if (controller.inputSize !== simulator.stateSize || controller.outputSize !== simulator.controlSize) {
      throw new Error(
        `controller maps ${controller.inputSize} → ${controller.outputSize} numbers but the simulator has ` +
          `${simulator.stateSize} state and ${simulator.controlSize} control numbers per sample`,
      );
    }
    // | 0: integers V8 holds as heap numbers would make all index arithmetic float64.
    this.steps = steps | 0;
    this.batch = batch | 0;
    this.rc = setup.rc ?? 0;
    const S = simulator.stateSize * batch;
    const C = simulator.controlSize * batch;
    const stateBuffer = new Float64Array((steps + 1) * S);
    this.states = Array.from({ length: steps + 1 }, (_, n) => stateBuffer.subarray(n * S, (n + 1) * S));
    this.controlBuffer = new Float64Array(steps * C);
    this.controls = Array.from({ length: steps }, (_, n) => this.controlBuffer.subarray(n * C, (n + 1) * C));
    this.differentiable = setup.differentiable ?? true;
    this.acts = controller.createActivations(this.differentiable ? steps * batch : batch);
    // Two sweeps: mode C needs the physics and the full field from the same forward pass.
    this.sweeps = this.differentiable
      ? [0, 1].map(() => {
          const cBar = new Float64Array(steps * C);
          const cBarAt = Array.from({ length: steps }, (_, n) => cBar.subarray(n * C, (n + 1) * C));
          return { adj: controller.createAdjoints(steps * batch), cBar, cBarAt };
        })
      : [];
    this.lam = new Float64Array(S);
    this.lamNext = new Float64Array(S);
    this.px = new Float64Array(S);
    this.deferred = new Uint8Array(steps);
    const rows = steps * batch;
    this.jac =
      this.differentiable && scalesAdjoints(controller)
        ? {
            controller,
            adj: controller.createAdjoints(rows),
            dx: new Float64Array(rows * controller.inputSize),
            ones: new Float64Array(rows).fill(1),
            fresh: false,
            withInput: false,
          }
        : null;
  }

  /** Runs the controller and the simulator from x0 [B][stateSize]; keeps everything the sweeps need. */
  forward(params: Float64Array, x0: Float64Array): ForwardResult {
    const { controller, simulator, loss } = this.setup;
    const B = this.batch;
    const Nt = this.steps;
    if (x0.length !== this.states[0]!.length) throw new Error(`x0 has ${x0.length} numbers, expected ${this.states[0]!.length}`);
    if (params.length !== controller.paramCount) throw new Error(`θ has ${params.length} numbers, the controller needs ${controller.paramCount}`);
    this.params = params;
    if (this.jac) this.jac.fresh = false;
    this.states[0]!.set(x0);
    let physicsLoss = 0;
    // θ stays unchanged for the Nt steps: a controller may keep it in a faster form meanwhile.
    const binds = bindsParams(controller);
    if (binds) controller.bindParams(params);
    try {
      for (let n = 0; n < Nt; n++) {
        controller.forward(params, this.states[n]!, 0, this.controls[n]!, 0, this.differentiable ? n * B : 0, B, this.acts);
        simulator.step(this.states[n]!, this.controls[n]!, this.states[n + 1]!, B);
        physicsLoss += loss.term(this.states[n + 1]!, n + 1, Nt, B, null);
      }
    } finally {
      if (binds) controller.releaseParams();
    }
    let reg = 0;
    if (this.rc !== 0) {
      const c = this.controlBuffer;
      for (let i = 0; i < c.length; i++) reg += c[i]! * c[i]!;
      reg *= this.rc / c.length;
    }
    return { loss: physicsLoss + reg, physicsLoss };
  }

  /**
   * One backward sweep after `forward`, with a flow per step (a base mode for all steps or a
   * per-step schedule), truncated to `truncate` steps when given (modes.ts truncateFlows).
   * Writes dL/dθ as that mode defines it into `grad` (overwritten).
   */
  gradient(modes: BaseMode | readonly BaseMode[], grad: Float64Array, truncate: number | null = null): Float64Array {
    const flows = this.flowsOf(modes, truncate);
    this.withBound(() => {
      this.prepareJacobian(this.needsInput(flows));
      const sweep = this.sweep(flows, this.sweeps[0]!);
      grad.fill(0);
      this.setup.controller.accumulateParamGrad(this.acts, [sweep.adj], 0, this.steps * this.batch, [grad]);
    });
    return grad;
  }

  /**
   * Two sweeps from the same forward pass (e.g. physics and full for mode C); their weight
   * gradients are reduced in one pass over the activations.
   */
  gradientPair(
    first: BaseMode | readonly BaseMode[],
    second: BaseMode | readonly BaseMode[],
    gradFirst: Float64Array,
    gradSecond: Float64Array,
    truncate: number | null = null,
  ): void {
    const f0 = this.flowsOf(first, truncate);
    const f1 = this.flowsOf(second, truncate);
    this.withBound(() => {
      this.prepareJacobian(this.needsInput(f0) || this.needsInput(f1));
      const s0 = this.sweep(f0, this.sweeps[0]!);
      const s1 = this.sweep(f1, this.sweeps[1]!);
      gradFirst.fill(0);
      gradSecond.fill(0);
      this.setup.controller.accumulateParamGrad(this.acts, [s0.adj, s1.adj], 0, this.steps * this.batch, [gradFirst, gradSecond]);
    });
  }

  /** Runs `f` with θ bound to a controller that can keep it resident (θ does not change during the sweeps). */
  private withBound(f: () => void): void {
    const { controller } = this.setup;
    const params = this.params;
    const binds = params !== null && bindsParams(controller);
    if (binds) controller.bindParams(params);
    try {
      f();
    } finally {
      if (binds) controller.releaseParams();
    }
  }

  /**
   * Step n's share of the weight gradient of the last `gradient` call: Σ over its B rows of
   * (∂N/∂θ)ᵀĉ_n, into `grad` (overwritten). One reduction per step, for diagnostics only.
   */
  stepGradient(n: number, grad: Float64Array): Float64Array {
    if (!Number.isInteger(n) || n < 0 || n >= this.steps) throw new Error(`step ${n} is not in 0 … ${this.steps - 1}`);
    grad.fill(0);
    this.withBound(() => this.setup.controller.accumulateParamGrad(this.acts, [this.sweeps[0]!.adj], n * this.batch, this.batch, [grad]));
    return grad;
  }

  private flowsOf(modes: BaseMode | readonly BaseMode[], truncate: number | null): (n: number) => Flow {
    if (typeof modes === 'string') {
      const flow = FLOWS[modes];
      return truncateFlows(() => flow, truncate, this.steps);
    }
    if (modes.length !== this.steps) throw new Error(`schedule has ${modes.length} modes for ${this.steps} steps`);
    return truncateFlows((n) => FLOWS[modes[n]!], truncate, this.steps);
  }

  /** Whether some step's feedback passes through the network's input (b ≠ 0 at a step n ≥ 1). */
  private needsInput(flowAt: (n: number) => Flow): boolean {
    for (let n = 1; n < this.steps; n++) if (flowAt(n).b !== 0) return true;
    return false;
  }

  /** The scalar-output road: every row's Jacobian, once per forward pass (dx when asked). */
  private prepareJacobian(withInput: boolean): void {
    const jac = this.jac;
    const params = this.params;
    if (!jac || !params || (jac.fresh && (jac.withInput || !withInput))) return;
    if (withInput) jac.dx.fill(0);
    jac.controller.backward(params, jac.ones, 0, 0, this.steps * this.batch, this.acts, jac.adj, withInput ? jac.dx : null, 0);
    jac.fresh = true;
    jac.withInput = withInput;
  }

  private sweep(flowAt: (n: number) => Flow, sweep: Sweep): Sweep {
    const params = this.params;
    if (!params) throw new Error('call forward() before a backward sweep');
    if (!this.differentiable) throw new Error('this unroll was built forward-only (differentiable: false)');
    const { controller, simulator, loss } = this.setup;
    const B = this.batch;
    const Nt = this.steps;
    const Cs = simulator.controlSize * B;
    const jac = this.jac;
    const regScale = (2 * this.rc) / this.controlBuffer.length;
    let lam = this.lam;
    let lamNext = this.lamNext;
    lam.fill(0);
    loss.term(this.states[Nt]!, Nt, Nt, B, lam);
    this.adjointObserver?.(Nt, lam);
    for (let n = Nt - 1; n >= 0; n--) {
      const { a, b } = flowAt(n);
      const cBar = sweep.cBarAt[n]!;
      // λ_0 feeds nothing (x_0 is data), so step 0 never needs the state cotangents.
      const needPhysics = a !== 0 && n > 0;
      simulator.stepVjp(this.states[n]!, this.controls[n]!, this.states[n + 1]!, lam, needPhysics ? this.px : null, cBar, B);
      if (regScale !== 0) {
        const c = this.controls[n]!;
        for (let i = 0; i < Cs; i++) cBar[i]! += regScale * c[i]!;
      }
      if (n === 0) {
        this.deferred[0] = 1;
        break;
      }
      lamNext.fill(0);
      loss.term(this.states[n]!, n, Nt, B, lamNext);
      if (needPhysics) for (let i = 0; i < lamNext.length; i++) lamNext[i]! += this.px[i]!;
      if (b !== 0 && jac) {
        // λ_n += ĉ_n·∂N/∂x_n, row by row (one output per row: Cs = B).
        const S = lamNext.length / B;
        const dx = jac.dx;
        for (let r = 0, i = 0, k = n * B * S; r < B; r++) {
          const c = cBar[r]!;
          for (let end = i + S; i < end; i++, k++) lamNext[i]! += c * dx[k]!;
        }
      } else if (b !== 0) {
        controller.backward(params, sweep.cBar, n * Cs, n * B, B, this.acts, sweep.adj, lamNext, 0);
        this.deferred[n] = 0;
      } else {
        this.deferred[n] = 1;
      }
      this.adjointObserver?.(n, lamNext);
      const t = lam;
      lam = lamNext;
      lamNext = t;
    }
    if (jac) {
      jac.controller.scaleAdjoints(jac.adj, sweep.cBar, 0, 0, Nt * B, sweep.adj);
      return sweep;
    }
    // Rows of steps not yet back-propagated through the network, in contiguous runs.
    for (let n0 = 0; n0 < Nt; ) {
      if (!this.deferred[n0]) {
        n0++;
        continue;
      }
      let n1 = n0;
      while (n1 < Nt && this.deferred[n1]) n1++;
      controller.backward(params, sweep.cBar, n0 * Cs, n0 * B, (n1 - n0) * B, this.acts, sweep.adj, null, 0);
      n0 = n1;
    }
    return sweep;
  }
}
