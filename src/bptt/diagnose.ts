/**
 * Gradient-flow diagnostics (docs/diagnostics.md): how the feedback of each gradient-flow mode
 * travels back through the unroll, for one controller θ and one batch x_0.
 *
 * Per mode and step: the norm of the state adjoint λ_n (read from the unroll's own sweep through
 * its observer, not recomputed) and of step n's share of the weight update, (∂N/∂θ)ᵀĉ_n summed
 * over the batch; the norm of each layer's part of the update; and the update's norm as a
 * function of the horizon (the same batch unrolled for Nt' = 1 … Nt steps). All norms are L2
 * norms over the whole batch, so the numbers include the loss's reduction over the batch (a mean
 * divides every λ by B).
 *
 * This is the slow road: one weight reduction per step and one unroll per horizon. Training
 * never takes it (its sweeps reduce all steps in one product).
 */
import { PAPER_LETTER, parseMode, type BaseMode } from './modes.js';
import { Unroll, type UnrollSetup } from './unroll.js';

/** What a diagnosis unrolls: an unroll's setup without the batch (that is x_0's). */
export type DiagnoseSetup = Omit<UnrollSetup, 'batch' | 'differentiable'>;

export const BASE_MODES: readonly BaseMode[] = ['full', 'physics', 'network', 'stop'];

/** Default number of points of the horizon curve at most (the curve costs Σ Nt' steps). */
export const DEFAULT_HORIZON_POINTS = 40;

export interface DiagnoseOptions {
  /** Base modes to diagnose, in this order (default all four: R, M, N, S). */
  modes?: readonly BaseMode[];
  /**
   * The horizon curve's horizons: every `horizonStride`-th Nt' = 1, 1 + stride, … and always Nt.
   * Default: the stride that gives at most DEFAULT_HORIZON_POINTS points; 0 skips the curve.
   */
  horizonStride?: number;
  /** Called after each unit of work (a mode's sweep or a horizon), with the units done and in all. */
  onProgress?: (done: number, total: number) => void;
}

export interface LayerNorm {
  /** The layer's name: its parameter arrays' common prefix (dense_0 for dense_0/kernel and dense_0/bias). */
  layer: string;
  norm: number;
}

export interface HorizonPoint {
  /** Nt' of this unroll. */
  steps: number;
  /** L2 norm of the mode's update for the unroll of Nt' steps. */
  gradNorm: number;
  /** The batch loss of that unroll (regularisation included). */
  loss: number;
}

export interface ModeDiagnostics {
  mode: BaseMode;
  /** The paper's letter: R, M, S; N for network. */
  letter: string;
  /** ‖λ_n‖ for n = 1 … Nt at index n − 1 (λ_0 is never formed: x_0 is data and feeds nothing). */
  adjointNorms: number[];
  /** ‖Σ_batch (∂N/∂θ)ᵀĉ_n‖ for n = 0 … Nt − 1 at index n: step n's share of the update. */
  stepGradNorms: number[];
  /** ‖update‖ of the whole unroll (the steps' shares summed). */
  gradNorm: number;
  /** ‖update‖ restricted to each layer's parameters, in layout order. */
  layerNorms: LayerNorm[];
  /** The update's norm as a function of the horizon (empty when skipped). */
  horizon: HorizonPoint[];
}

export interface GradientFlow {
  /** Nt. */
  steps: number;
  /** B, the states of x_0. */
  batch: number;
  /** The batch loss of the full unroll. */
  loss: number;
  modes: ModeDiagnostics[];
}

function norm(v: ArrayLike<number>, from = 0, to = v.length): number {
  let s = 0;
  for (let i = from; i < to; i++) s += v[i]! * v[i]!;
  return Math.sqrt(s);
}

/** The horizons of the curve: 1, 1 + stride, … and Nt. */
export function horizonsOf(steps: number, stride: number): number[] {
  if (stride === 0) return [];
  if (!Number.isInteger(stride) || stride < 1) throw new Error(`horizon stride must be a positive integer (0: no curve), got ${stride}`);
  const out: number[] = [];
  for (let h = 1; h < steps; h += stride) out.push(h);
  out.push(steps);
  return out;
}

export function defaultHorizonStride(steps: number): number {
  return Math.max(1, Math.ceil(steps / DEFAULT_HORIZON_POINTS));
}

/** Layers as runs of parameter arrays with the same name prefix (before the last "/"). */
function layersOf(setup: DiagnoseSetup): { layer: string; ranges: [number, number][] }[] {
  const out: { layer: string; ranges: [number, number][] }[] = [];
  for (const p of setup.controller.layout) {
    const cut = p.name.lastIndexOf('/');
    const layer = cut > 0 ? p.name.slice(0, cut) : p.name;
    const last = out.at(-1);
    if (last && last.layer === layer) last.ranges.push([p.offset, p.offset + p.size]);
    else out.push({ layer, ranges: [[p.offset, p.offset + p.size]] });
  }
  return out;
}

/**
 * The gradient flow of `modes` for controller parameters θ = `params` on the batch x_0 = `x0`
 * ([B][stateSize]), each mode from the same forward pass.
 */
export function diagnoseGradientFlow(setup: DiagnoseSetup, params: Float64Array, x0: Float64Array, opts: DiagnoseOptions = {}): GradientFlow {
  const S = setup.simulator.stateSize;
  if (x0.length === 0 || x0.length % S !== 0) throw new Error(`x0 has ${x0.length} numbers, expected a positive multiple of the state size ${S}`);
  const modes = opts.modes ?? BASE_MODES;
  if (modes.length === 0) throw new Error('diagnose at least one mode');
  for (const m of modes) if (!BASE_MODES.includes(m)) throw new Error(`mode ${String(m)} has no adjoint of its own; diagnose base modes (full, physics, network, stop)`);
  const B = x0.length / S;
  const Nt = setup.steps;
  const horizons = horizonsOf(Nt, opts.horizonStride ?? defaultHorizonStride(Nt));
  const total = modes.length + horizons.length;
  let done = 0;
  const tick = (): void => opts.onProgress?.(++done, total);

  const unroll = new Unroll({ ...setup, batch: B });
  const { loss } = unroll.forward(params, x0);
  const P = setup.controller.paramCount;
  const grad = new Float64Array(P);
  const stepGrad = new Float64Array(P);
  const layers = layersOf(setup);
  const results: ModeDiagnostics[] = modes.map((mode) => {
    const adjointNorms = new Array<number>(Nt).fill(0);
    unroll.adjointObserver = (n, lambda) => (adjointNorms[n - 1] = norm(lambda));
    try {
      unroll.gradient(mode, grad);
    } finally {
      unroll.adjointObserver = null;
    }
    const stepGradNorms = Array.from({ length: Nt }, (_, n) => norm(unroll.stepGradient(n, stepGrad)));
    const layerNorms = layers.map(({ layer, ranges }) => ({ layer, norm: Math.sqrt(ranges.reduce((s, [a, b]) => s + norm(grad, a, b) ** 2, 0)) }));
    tick();
    return { mode, letter: PAPER_LETTER[mode], adjointNorms, stepGradNorms, gradNorm: norm(grad), layerNorms, horizon: [] };
  });
  for (const h of horizons) {
    const short = h === Nt ? unroll : new Unroll({ ...setup, steps: h, batch: B });
    const r = short.forward(params, x0);
    for (const m of results) m.horizon.push({ steps: h, gradNorm: norm(short.gradient(m.mode, grad)), loss: r.loss });
    tick();
  }
  return { steps: Nt, batch: B, loss, modes: results };
}

/** "R,M" → the base modes to diagnose, in order and once each; C (combined) has no adjoint of its own. */
export function parseDiagnosedModes(text: string): BaseMode[] {
  const out: BaseMode[] = [];
  for (const part of text.split(',')) {
    const mode = parseMode(part);
    if (mode === 'combined') throw new Error('C (combined) has no adjoint of its own, it merges the fields of M and R: diagnose R,M instead');
    if (!out.includes(mode)) out.push(mode);
  }
  return out;
}
