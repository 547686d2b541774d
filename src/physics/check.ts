/**
 * `checkProblem`: is a problem's physics usable for training? Gradient checks of the step, the
 * loss term and the controller (float64 central differences at a few sampled states and random
 * controls), the sizes and finiteness of what they return, the sampler's determinism, that a
 * recorded tensor-code step replays what eager evaluation computes, and — when a problem has
 * both a fused and a tensor-code form — that the two agree. Each part reports pass/fail with its
 * worst relative error; a failure names the part and the argument.
 */
import { Rng } from '../engine/random.js';
import { Tensor, vjp } from '../engine/tensor.js';
import { applyController } from '../nn/kernel.js';
import { lossTerm, simulatorStep } from './kernel.js';
import type { ProblemDefinition, ProblemInstance, Settings } from './problem.js';
import { RecordedLoss, RecordedSimulator } from './recorded.js';
import type { Loss, Simulator } from './simulator.js';

export interface CheckPart {
  readonly part: string;
  readonly ok: boolean;
  /** Worst relative error of the comparisons made (0 when none). */
  readonly worst: number;
  /** What was checked, or what is wrong. */
  readonly detail: string;
}

export interface CheckOptions {
  readonly seed?: number;
  /** States (and controls) checked (default 2). */
  readonly samples?: number;
  /** Relative tolerance of the gradient checks (default 1e-5). */
  readonly tolerance?: number;
}

const relDiff = (a: ArrayLike<number>, b: ArrayLike<number>, floor = 1e-12): number => {
  let err = 0, scale = floor;
  for (let i = 0; i < a.length; i++) {
    err = Math.max(err, Math.abs(a[i]! - b[i]!));
    scale = Math.max(scale, Math.abs(b[i]!));
  }
  return err / scale;
};

const allFinite = (a: ArrayLike<number>): boolean => {
  for (let i = 0; i < a.length; i++) if (!Number.isFinite(a[i]!)) return false;
  return true;
};

/**
 * Worst relative error of f's VJP per argument against central differences of s = ⟨w, f⟩:
 * every element for small arguments, three random directions for large ones (parameters).
 */
export function vjpErrors(f: (...xs: Tensor[]) => Tensor, inputs: readonly Tensor[], rng: Rng, h = 1e-6): number[] {
  const { value, pullback } = vjp(f, inputs);
  const w = Float64Array.from({ length: value.size }, () => rng.uniform(-1, 1));
  const analytic = pullback(w);
  const s = (xs: Tensor[]): number => {
    const y = f(...xs).data;
    let acc = 0;
    for (let i = 0; i < y.length; i++) acc += w[i]! * y[i]!;
    return acc;
  };
  const s0 = s([...inputs]);
  return inputs.map((x, k) => {
    const directions: Float64Array[] = [];
    if (x.size <= 64) {
      for (let i = 0; i < x.size; i++) directions.push(Float64Array.from({ length: x.size }, (_, j) => (i === j ? 1 : 0)));
    } else {
      for (let d = 0; d < 3; d++) directions.push(Float64Array.from({ length: x.size }, () => rng.uniform(-1, 1)));
    }
    const numeric: number[] = [], exact: number[] = [];
    for (const d of directions) {
      const at = (t: number): Tensor[] => inputs.map((y, j) => (j === k ? new Tensor(y.data.map((v, i) => v + t * d[i]!), y.shape) : y));
      numeric.push((s(at(h)) - s(at(-h))) / (2 * h));
      let dot = 0;
      for (let i = 0; i < d.length; i++) dot += analytic[k]![i]! * d[i]!;
      exact.push(dot);
    }
    // Central differences carry rounding noise of about ε·|s|/h: gradients far below |s| are
    // compared against that floor, not against themselves.
    return relDiff(exact, numeric, 1e-4 * Math.abs(s0) + 1e-12);
  });
}

function part(name: string, run: () => { worst: number; detail: string; problem?: string | null }): CheckPart {
  try {
    const r = run();
    return { part: name, ok: !r.problem, worst: r.worst, detail: r.problem ?? r.detail };
  } catch (e) {
    return { part: name, ok: false, worst: NaN, detail: (e as Error).message.split('\n')[0]! };
  }
}

/** Judges per-argument errors: the failure message names the argument. */
function judge(what: string, names: readonly string[], errors: readonly number[], tol: number): { worst: number; detail: string; problem: string | null } {
  const worst = Math.max(0, ...errors);
  const bad = errors.map((e, i) => [names[i]!, e] as const).filter(([, e]) => !(e <= tol));
  const problem = bad.length
    ? bad.map(([n, e]) => `the gradient of ${what} with respect to ${n} is wrong (relative error ${e.toExponential(2)}, tolerance ${tol.toExponential(0)})`).join('; ')
    : null;
  return { worst, detail: `${what}: VJP matches central differences (${names.join(', ')})`, problem };
}

function stepCheck(sim: Simulator, x: Tensor, c: Tensor, rng: Rng, tol: number) {
  const y = simulatorStep(sim, x, c);
  if (!allFinite(y.data)) return { worst: NaN, detail: '', problem: 'the step returns non-finite numbers at sampled states' };
  return judge('the step', ['x (the state)', 'c (the control)'], vjpErrors((a, b) => simulatorStep(sim, a!, b!), [x, c], rng), tol);
}

function lossCheck(loss: Loss, S: number, x: Tensor, steps: number, rng: Rng, tol: number) {
  const ns = loss.kind === 'final' ? [steps] : [...new Set([1, steps])];
  let worst = 0;
  for (const n of ns) {
    const v = lossTerm(loss, S, x, n, steps).item();
    if (!Number.isFinite(v)) return { worst: NaN, detail: '', problem: `the loss term of step ${n} is not finite (${v})` };
    const r = judge(`the loss term of step ${n}`, ['x (the state)'], vjpErrors((a) => lossTerm(loss, S, a!, n, steps), [x], rng), tol);
    if (r.problem) return r;
    worst = Math.max(worst, r.worst);
  }
  return { worst, detail: `VJP matches central differences at step${ns.length > 1 ? 's' : ''} ${ns.join(' and ')}`, problem: null };
}

/** Runs every check on `def` with `settings` (defaults for the rest). */
export function checkProblem(def: ProblemDefinition, settings: Settings = {}, opts: CheckOptions = {}): CheckPart[] {
  const seed = opts.seed ?? 0, B = opts.samples ?? 2, tol = opts.tolerance ?? 1e-5;
  const parts: CheckPart[] = [];
  let inst: ProblemInstance | null = null;
  parts.push(
    part('definition', () => {
      inst = def.create(settings);
      return { worst: 0, detail: `state ${inst.simulator.stateSize}, control ${inst.simulator.controlSize}, ${inst.steps} steps, ${inst.gradients} gradients, ${inst.controller.paramCount} parameters` };
    }),
  );
  const instance = inst as ProblemInstance | null;
  if (!instance) return parts;
  const S = instance.simulator.stateSize, C = instance.simulator.controlSize;
  let x0: Float64Array = new Float64Array(0);
  parts.push(
    part('sampler', () => {
      x0 = instance.sample(B, new Rng(seed));
      if (x0.length !== B * S) return { worst: 0, detail: '', problem: `sample(${B}) returned ${x0.length} numbers, expected ${B}×${S}` };
      if (!allFinite(x0)) return { worst: 0, detail: '', problem: 'sample() returned non-finite numbers' };
      const again = instance.sample(B, new Rng(seed));
      if (relDiff(again, x0) !== 0) return { worst: 0, detail: '', problem: 'sample() is not deterministic: the same seed gave different states (draw every random number from the given rng)' };
      return { worst: 0, detail: `${B} states of ${S} numbers, finite, the same for the same seed` };
    }),
  );
  if (!parts.at(-1)!.ok) return parts;
  const rng = new Rng(seed + 1);
  const x = new Tensor(x0, [B, S]);
  const c = new Tensor(Float64Array.from({ length: B * C }, () => 0.5 * rng.normal()), [B, C]);
  const { physics } = instance;
  const fused = physics.fusedStep ?? null;
  const auto = physics.step ? new RecordedSimulator(physics.step, S, C) : null;
  if (fused) parts.push(part('step (fused)', () => stepCheck(fused, x, c, rng, tol)));
  if (auto) {
    parts.push(part('step (automatic)', () => stepCheck(auto, x, c, rng, tol)));
    parts.push(
      part('step replay', () => {
        const eager = physics.step!(x, c).data;
        const replayed = new Float64Array(B * S);
        auto.step(x0, c.data, replayed, B);
        const d = relDiff(replayed, eager);
        return { worst: d, detail: 'the recorded step replays what eager evaluation computes', problem: d === 0 ? null : `the recorded step differs from eager evaluation (relative ${d.toExponential(2)}): does the step branch on values? use where()` };
      }),
    );
  }
  if (fused && auto) {
    parts.push(
      part('fused = automatic (step)', () => {
        const a = simulatorStep(fused, x, c).data, b = simulatorStep(auto, x, c).data;
        const w = new Float64Array(B * S).map(() => rng.uniform(-1, 1));
        const va = vjp((p, q) => simulatorStep(fused, p!, q!), [x, c]).pullback(w);
        const vb = vjp((p, q) => simulatorStep(auto, p!, q!), [x, c]).pullback(w);
        const d = Math.max(relDiff(a, b), relDiff(va[0]!, vb[0]!), relDiff(va[1]!, vb[1]!));
        return { worst: d, detail: 'the fused step and its VJP equal the tensor-code step and its autodiff', problem: d <= 1e-10 ? null : `the fused and the tensor-code step differ (relative ${d.toExponential(2)})` };
      }),
    );
  }
  const lossFused = physics.loss.fused ?? null;
  const lossAuto = physics.loss.term ? new RecordedLoss(physics.loss.term, physics.loss.kind, S) : null;
  if (lossFused) parts.push(part('loss (fused)', () => lossCheck(lossFused, S, x, instance.steps, rng, tol)));
  if (lossAuto) parts.push(part('loss (automatic)', () => lossCheck(lossAuto, S, x, instance.steps, rng, tol)));
  if (lossFused && lossAuto) {
    parts.push(
      part('fused = automatic (loss)', () => {
        const n = instance.steps;
        const ga = vjp((p) => lossTerm(lossFused, S, p!, n, n), [x]), gb = vjp((p) => lossTerm(lossAuto, S, p!, n, n), [x]);
        const one = Float64Array.of(1);
        const d = Math.max(relDiff(ga.value.data, gb.value.data), relDiff(ga.pullback(one)[0]!, gb.pullback(one)[0]!));
        return { worst: d, detail: 'the fused loss and its gradient equal the tensor-code term and its autodiff', problem: d <= 1e-10 ? null : `the fused and the tensor-code loss differ (relative ${d.toExponential(2)})` };
      }),
    );
  }
  parts.push(
    part('controller', () => {
      const ctl = instance.controller;
      const theta = new Tensor(ctl.initParams(new Rng(seed + 2)).map((v) => v + 0.05 * rng.normal()), [ctl.paramCount]);
      const y = applyController(ctl, x, theta);
      if (y.size !== B * C) return { worst: 0, detail: '', problem: `the controller returns ${y.size / B} numbers per state, the problem needs ${C}` };
      return judge('the controller', ['its input x', 'its parameters θ'], vjpErrors((a, t) => applyController(ctl, a!, t!), [x, theta], rng), tol);
    }),
  );
  return parts;
}

