/**
 * The differentiable unroll: c_n = N(x_n; θ), x_{n+1} = P(x_n, c_n), n = 0 … Nt−1, over a batch,
 * with one forward pass and backward sweeps in any gradient-flow mode (spec/method.md).
 *
 * Every buffer is allocated once per unroll shape. The network's weight gradient is never
 * accumulated inside the time loop: activations and per-row adjoints of all Nt·B rows are kept
 * and reduced by one batched product at the end. Steps whose feedback does not pass through
 * the network's input (b = 0, e.g. every step of mode M) need no sequential network backward
 * at all; their rows are back-propagated in one batch too.
 */
import type { Activations, Adjoints, Controller } from '../nn/controller.js';
import type { Loss, Simulator } from '../physics/simulator.js';
import { FLOWS, type BaseMode, type Flow } from './modes.js';

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
  private params: Float64Array | null = null;

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
    this.steps = steps;
    this.batch = batch;
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
      ? [0, 1].map(() => ({ adj: controller.createAdjoints(steps * batch), cBar: new Float64Array(steps * C) }))
      : [];
    this.lam = new Float64Array(S);
    this.lamNext = new Float64Array(S);
    this.px = new Float64Array(S);
    this.deferred = new Uint8Array(steps);
  }

  /** Runs the controller and the simulator from x0 [B][stateSize]; keeps everything the sweeps need. */
  forward(params: Float64Array, x0: Float64Array): ForwardResult {
    const { controller, simulator, loss } = this.setup;
    const B = this.batch;
    const Nt = this.steps;
    if (x0.length !== this.states[0]!.length) throw new Error(`x0 has ${x0.length} numbers, expected ${this.states[0]!.length}`);
    if (params.length !== controller.paramCount) throw new Error(`θ has ${params.length} numbers, the controller needs ${controller.paramCount}`);
    this.params = params;
    this.states[0]!.set(x0);
    let physicsLoss = 0;
    for (let n = 0; n < Nt; n++) {
      controller.forward(params, this.states[n]!, 0, this.controls[n]!, 0, this.differentiable ? n * B : 0, B, this.acts);
      simulator.step(this.states[n]!, this.controls[n]!, this.states[n + 1]!, B);
      physicsLoss += loss.term(this.states[n + 1]!, n + 1, Nt, B, null);
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
   * per-step schedule). Writes dL/dθ as that mode defines it into `grad` (overwritten).
   */
  gradient(modes: BaseMode | readonly BaseMode[], grad: Float64Array): Float64Array {
    const sweep = this.sweep(this.flowsOf(modes), this.sweeps[0]!);
    grad.fill(0);
    this.setup.controller.accumulateParamGrad(this.acts, [sweep.adj], 0, this.steps * this.batch, [grad]);
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
  ): void {
    const s0 = this.sweep(this.flowsOf(first), this.sweeps[0]!);
    const s1 = this.sweep(this.flowsOf(second), this.sweeps[1]!);
    gradFirst.fill(0);
    gradSecond.fill(0);
    this.setup.controller.accumulateParamGrad(this.acts, [s0.adj, s1.adj], 0, this.steps * this.batch, [gradFirst, gradSecond]);
  }

  private flowsOf(modes: BaseMode | readonly BaseMode[]): (n: number) => Flow {
    if (typeof modes === 'string') {
      const flow = FLOWS[modes];
      return () => flow;
    }
    if (modes.length !== this.steps) throw new Error(`schedule has ${modes.length} modes for ${this.steps} steps`);
    return (n) => FLOWS[modes[n]!];
  }

  private sweep(flowAt: (n: number) => Flow, sweep: Sweep): Sweep {
    const params = this.params;
    if (!params) throw new Error('call forward() before a backward sweep');
    if (!this.differentiable) throw new Error('this unroll was built forward-only (differentiable: false)');
    const { controller, simulator, loss } = this.setup;
    const B = this.batch;
    const Nt = this.steps;
    const Cs = simulator.controlSize * B;
    const regScale = (2 * this.rc) / this.controlBuffer.length;
    let lam = this.lam;
    let lamNext = this.lamNext;
    lam.fill(0);
    loss.term(this.states[Nt]!, Nt, Nt, B, lam);
    for (let n = Nt - 1; n >= 0; n--) {
      const { a, b } = flowAt(n);
      const cBar = sweep.cBar.subarray(n * Cs, (n + 1) * Cs);
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
      if (b !== 0) {
        controller.backward(params, sweep.cBar, n * Cs, n * B, B, this.acts, sweep.adj, lamNext, 0);
        this.deferred[n] = 0;
      } else {
        this.deferred[n] = 1;
      }
      const t = lam;
      lam = lamNext;
      lamNext = t;
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
