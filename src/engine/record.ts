/**
 * Record once, replay many times: a tensor function's graph is traced for one set of input
 * shapes, every op is planned and every buffer allocated once, and then forward and backward
 * replay over those buffers with no allocation per call. This is what makes a simulator step
 * written in ordinary tensor code usable inside a training loop that calls it hundreds of
 * times per update.
 *
 * Rules for the recorded function (as for `jax.jit`):
 * - it must not branch on tensor values (`if (x.item() > 0)`): only the branch taken while
 *   recording is replayed. Compute both sides and select with `where`;
 * - numbers read out of traced tensors (`.data`, `.item()`) become constants;
 * - tensors it creates from constants only (`tensor(9.81)`, `zeros`) are captured once.
 * `stopGradient` inside it is fine: its value is replayed, its gradient stays cut.
 *
 * Replay performs the eager engine's arithmetic in the eager engine's order: the forward
 * runs the same plans in the same order, and the backward sweeps the graph in the order of
 * `backward` and accumulates every cotangent in the same sequence. The first contribution to
 * a tensor lands in its zeroed buffer; a later one is added straight in when its plan adds a
 * single term per element (`KernelPlan.singleTerm`), else it goes through a scratch buffer
 * that is then added, exactly as `backward` does. So results are bit-identical to `vjp`.
 *
 * One recording holds one call's intermediates: `backward` must follow the `forward` it
 * differentiates. `fork()` gives more replays of the same recording with their own buffers.
 */
import { receivesGradient, withTape, type Kernel, type KernelPlan, type TapeEntry } from './kernel.js';
import { Tensor, sizeOf, topoOrder, type Shape } from './tensor.js';
import { shapeText } from './ops/indexing.js';

export interface RecordedFunction {
  readonly inputShapes: readonly Shape[];
  readonly outputShape: Shape;
  /**
   * Replays the forward pass reading the given input buffers (not copied); returns the output
   * buffer (owned by the recording, overwritten by the next call). `backward` reads the inputs
   * again: keep them unchanged until then (copy this output before passing it back as an input
   * of the same replay; passing it to a fork is fine).
   */
  forward(ins: readonly Float64Array[]): Float64Array;
  /**
   * After forward() with the same inputs: ADDS the cotangents of the inputs into inBars[i]
   * (null = not wanted; work that only feeds unwanted inputs is skipped). outBar has
   * outputShape's size.
   */
  backward(outBar: Float64Array, inBars: readonly (Float64Array | null)[]): void;
  /**
   * Another replay of the same recording with its own buffers (nothing is traced again):
   * keeps several calls' intermediates alive at once, e.g. one per time step of an unroll
   * whose backward sweep comes after all forward steps.
   */
  fork(): RecordedFunction;
}

/** Where a replayed op reads an operand: input i (given per call), a recorded value, or a captured constant. */
type Operand = { input: number } | { value: number } | { constant: Float64Array };

/** One recorded op in the forward program: enough to plan it again. */
interface Op {
  readonly kernel: Kernel<any>;
  readonly attrs: unknown;
  readonly inShapes: Shape[];
  readonly operands: Operand[];
}

/** The graph's tensors that take part in the backward sweep: inputs and recorded ops, by id. */
interface BackwardGraph {
  /** Traced tensors of the recording in `backward`'s order (inputs first, output last): size, input index or op index (else −1). */
  order: { size: number; input: number; op: number }[];
  /** Per tensor in `order`: its parents' positions in `order` (−1: a constant or cut edge). */
  parents: number[][];
}

/** Everything a replay needs, shared by the forks of one recording. */
interface Program {
  inputShapes: Shape[];
  outputShape: Shape;
  root: Operand;
  ops: Op[];
  graph: BackwardGraph;
}

export function record(fn: (...xs: Tensor[]) => Tensor, exampleInputs: readonly Tensor[]): RecordedFunction {
  const leaves = exampleInputs.map((x) => new Tensor(Float64Array.from(x.data), x.shape, null, true));
  const { result: out, tape } = withTape(() => fn(...leaves));
  if (!(out instanceof Tensor)) throw new Error('record: the function must return a Tensor');

  // Which buffers vary with the inputs: the inputs and every op reading a varying buffer.
  // Buffers, not tensors, so untraced aliases (stopGradient(x)) are followed too.
  const source = new Map<Float64Array, Operand>();
  leaves.forEach((l, i) => source.set(l.data, { input: i }));
  const varying = tape.map((e, k) => {
    const v = e.inputs.some((x) => source.has(x.data));
    if (v && !source.has(e.output.data)) source.set(e.output.data, { value: k });
    return v;
  });
  const operandOf = (x: Tensor): Operand => source.get(x.data) ?? { constant: x.data };

  // The forward program: the varying ops the output depends on, in execution order.
  const root = operandOf(out);
  const needed = new Array<boolean>(tape.length).fill(false);
  if ('value' in root) needed[root.value] = true;
  for (let k = tape.length - 1; k >= 0; k--) {
    if (!needed[k]) continue;
    for (const x of tape[k]!.inputs) {
      const s = operandOf(x);
      if ('value' in s) needed[s.value] = true;
    }
  }
  const opIndex = new Map<number, number>();
  const ops: Op[] = [];
  tape.forEach((entry, k) => {
    if (!needed[k] || !varying[k]) return;
    const { kernel, attrs, inputs } = entry;
    if (!kernel.plan) {
      throw new Error(
        `op ${kernel.name} cannot be recorded; it is a fused kernel with only forward/vjp. ` +
          `Give it a plan() or call it outside the recorded function.`,
      );
    }
    opIndex.set(k, ops.length);
    ops.push({ kernel, attrs, inShapes: inputs.map((x) => x.shape), operands: inputs.map(operandOf) });
  });

  // Operands and the output refer to positions in the forward program from here on.
  const remap = (o: Operand): Operand => ('value' in o ? { value: opIndex.get(o.value)! } : o);
  return new Replay({
    inputShapes: leaves.map((l) => l.shape),
    outputShape: out.shape,
    root: remap(root),
    ops: ops.map((op) => ({ ...op, operands: op.operands.map(remap) })),
    graph: backwardGraph(out, leaves, tape, opIndex),
  });
}

function backwardGraph(out: Tensor, leaves: Tensor[], tape: TapeEntry[], opIndex: Map<number, number>): BackwardGraph {
  const id = new Map<Tensor, { input: number; op: number }>();
  leaves.forEach((l, i) => id.set(l, { input: i, op: -1 }));
  tape.forEach((e, k) => {
    const op = opIndex.get(k);
    if (op !== undefined && e.output.traced) id.set(e.output, { input: -1, op });
  });
  // Tensors from outside the recording (closed-over traced tensors) are constants here.
  const tensors = (id.has(out) ? topoOrder(out) : []).filter((t) => id.has(t));
  const order = tensors.map((t) => ({ size: t.size, ...id.get(t)! }));
  const pos = new Map(tensors.map((t, i) => [t, i]));
  const parents = tensors.map((t) =>
    (t.node?.parents ?? []).map((p, j) => (p.traced && receivesGradient(t.node!.kernel, j) ? pos.get(p) ?? -1 : -1)),
  );
  return { order, parents };
}

/** The backward program for one pattern of wanted inputs. */
interface BackwardSchedule {
  wanted: boolean[];
  /** All cotangent and scratch buffers, zeroed once per call. */
  arena: Float64Array;
  /** Per step: the op, its cotangent buffer (null: the caller's outBar), the buffers its inputs' cotangents go into. */
  stepOp: number[];
  stepBar: (Float64Array | null)[];
  stepInBars: (Float64Array | null)[][];
  /** Per step, the range [addStart[s], addStart[s+1]) of scratch buffers to add into their targets afterwards. */
  addStart: number[];
  addFrom: Float64Array[];
  addTo: Float64Array[];
  /** Per input: its accumulated cotangent (null: none; the caller's outBar when the output is that input). */
  inputBar: (Float64Array | null)[];
  outputIsInput: number;
}

class Replay implements RecordedFunction {
  readonly inputShapes: readonly Shape[];
  readonly outputShape: Shape;
  private readonly inputSizes: number[];
  private readonly plans: KernelPlan[];
  private readonly values: Float64Array[];
  private readonly opIns: Float64Array[][];
  /** (op, argument, input) triples: which operand slots read which per-call input. */
  private readonly patchOp: number[] = [];
  private readonly patchArg: number[] = [];
  private readonly patchInput: number[] = [];
  private readonly output: Float64Array;
  /** Copied into the output each call when the output is an input (≥ 0) or a constant. */
  private readonly outputFromInput: number;
  private readonly outputConstant: Float64Array | null;
  private schedule: BackwardSchedule | null = null;

  constructor(private readonly program: Program) {
    const { inputShapes, outputShape, root, ops } = program;
    this.inputShapes = inputShapes;
    this.outputShape = outputShape;
    this.inputSizes = inputShapes.map(sizeOf);
    // Planned per replay: plans may keep per-call state (the winners of a max).
    this.plans = ops.map((op) => op.kernel.plan!(op.inShapes, op.attrs));
    const arena = new Float64Array(this.plans.reduce((n, plan) => n + sizeOf(plan.outShape), 0));
    let at = 0;
    this.values = this.plans.map((plan) => arena.subarray(at, (at += sizeOf(plan.outShape))));
    this.opIns = ops.map((op, k) =>
      op.operands.map((o, j) => {
        if ('input' in o) {
          this.patchOp.push(k);
          this.patchArg.push(j);
          this.patchInput.push(o.input);
          return new Float64Array(this.inputSizes[o.input]!); // replaced by the caller's buffer each call
        }
        return 'value' in o ? this.values[o.value]! : o.constant;
      }),
    );
    this.outputFromInput = 'input' in root ? root.input : -1;
    this.outputConstant = 'constant' in root ? root.constant : null;
    this.output = 'value' in root ? this.values[root.value]! : new Float64Array(sizeOf(outputShape));
  }

  fork(): RecordedFunction {
    return new Replay(this.program);
  }

  forward(ins: readonly Float64Array[]): Float64Array {
    this.checkInputs(ins);
    const { patchOp, patchArg, patchInput, opIns, plans, values } = this;
    for (let p = 0; p < patchOp.length; p++) opIns[patchOp[p]!]![patchArg[p]!] = ins[patchInput[p]!]!;
    for (let k = 0; k < plans.length; k++) plans[k]!.forward(opIns[k]!, values[k]!);
    if (this.outputFromInput >= 0) this.output.set(ins[this.outputFromInput]!);
    else if (this.outputConstant) this.output.set(this.outputConstant);
    return this.output;
  }

  backward(outBar: Float64Array, inBars: readonly (Float64Array | null)[]): void {
    if (outBar.length !== this.output.length) {
      throw new Error(`backward: outBar has ${outBar.length} numbers, the output ${shapeText(this.outputShape)} has ${this.output.length}`);
    }
    if (inBars.length !== this.inputSizes.length) throw new Error(`backward: ${inBars.length} cotangent buffers for ${this.inputSizes.length} inputs`);
    let s = this.schedule;
    let same = s !== null;
    for (let i = 0; i < inBars.length; i++) {
      const b = inBars[i];
      if (b && b.length !== this.inputSizes[i]) {
        throw new Error(`backward: cotangent buffer ${i} has ${b.length} numbers, input ${shapeText(this.inputShapes[i]!)} has ${this.inputSizes[i]}`);
      }
      if (s && s.wanted[i] !== (b !== null && b !== undefined)) same = false;
    }
    if (!same) s = this.schedule = this.plan(inBars.map((b) => b !== null && b !== undefined));
    const { stepOp, stepBar, stepInBars, addStart, addFrom, addTo, inputBar } = s!;
    s!.arena.fill(0);
    const { plans, opIns, values } = this;
    for (let t = 0; t < stepOp.length; t++) {
      const k = stepOp[t]!;
      plans[k]!.backward(stepBar[t] ?? outBar, opIns[k]!, values[k]!, stepInBars[t]!);
      for (let a = addStart[t]!; a < addStart[t + 1]!; a++) {
        const from = addFrom[a]!, to = addTo[a]!;
        for (let j = 0; j < to.length; j++) to[j]! += from[j]!;
      }
    }
    for (let i = 0; i < inputBar.length; i++) {
      const target = inBars[i];
      if (!target) continue;
      const bar = i === s!.outputIsInput ? outBar : inputBar[i];
      if (bar) for (let j = 0; j < target.length; j++) target[j]! += bar[j]!;
    }
  }

  private checkInputs(ins: readonly Float64Array[]): void {
    if (ins.length !== this.inputSizes.length) throw new Error(`forward: ${ins.length} inputs given, the recording takes ${this.inputSizes.length}`);
    for (let i = 0; i < ins.length; i++) {
      if (ins[i]!.length !== this.inputSizes[i]) {
        throw new Error(`forward: input ${i} has ${ins[i]!.length} numbers, recorded shape ${shapeText(this.inputShapes[i]!)} needs ${this.inputSizes[i]}`);
      }
    }
  }

  /** Builds the backward program for the given wanted inputs (once per pattern). */
  private plan(wanted: boolean[]): BackwardSchedule {
    const { order, parents } = this.program.graph;
    const n = order.length;
    // useful: the tensor's cotangent reaches a wanted input. hasBar: it receives one (as in `backward`).
    const useful = order.map(() => false);
    for (let i = 0; i < n; i++) {
      useful[i] = order[i]!.input >= 0 ? wanted[order[i]!.input]! : parents[i]!.some((p) => p >= 0 && useful[p]);
    }
    const hasBar = order.map((_, i) => i === n - 1);
    for (let i = n - 1; i >= 0; i--) if (hasBar[i] && order[i]!.op >= 0) for (const p of parents[i]!) if (p >= 0) hasBar[p] = true;
    const live = (i: number): boolean => useful[i]! && hasBar[i]!;

    // Lay out the arena: one cotangent per live tensor (except the output's: the caller's
    // outBar), one scratch per contribution after the first.
    const contributed = order.map(() => false);
    const sizes: number[] = [];
    const barAt = order.map((o, i) => (live(i) && i !== n - 1 ? (sizes.push(o.size), sizes.length - 1) : -1));
    const scratchAt: number[][] = [];
    for (let i = n - 1; i >= 0; i--) {
      if (!live(i) || order[i]!.op < 0) continue;
      const singleTerm = this.plans[order[i]!.op]!.singleTerm;
      scratchAt[i] = parents[i]!.map((p, j) => {
        if (p < 0 || !live(p)) return -1;
        if (!contributed[p]) return ((contributed[p] = true), -1);
        if (singleTerm?.[j]) return -1;
        sizes.push(order[p]!.size);
        return sizes.length - 1;
      });
    }
    const arena = new Float64Array(sizes.reduce((a, b) => a + b, 0));
    let at = 0;
    const buffers = sizes.map((size) => arena.subarray(at, (at += size)));
    const barOf = (i: number): Float64Array | null => (i === n - 1 ? null : buffers[barAt[i]!]!);

    const s: BackwardSchedule = {
      wanted, arena, stepOp: [], stepBar: [], stepInBars: [], addStart: [0], addFrom: [], addTo: [],
      inputBar: wanted.map(() => null), outputIsInput: n > 0 && order[n - 1]!.input >= 0 ? order[n - 1]!.input : -1,
    };
    for (let i = n - 1; i >= 0; i--) {
      if (!live(i) || order[i]!.op < 0) continue;
      s.stepOp.push(order[i]!.op);
      s.stepBar.push(barOf(i));
      s.stepInBars.push(
        parents[i]!.map((p, j) => {
          if (p < 0 || !live(p)) return null;
          const scratch = scratchAt[i]![j]!;
          if (scratch < 0) return barOf(p);
          s.addFrom.push(buffers[scratch]!);
          s.addTo.push(barOf(p)!);
          return buffers[scratch]!;
        }),
      );
      s.addStart.push(s.addFrom.length);
    }
    order.forEach((o, i) => {
      if (o.input >= 0 && live(i) && i !== n - 1) s.inputBar[o.input] = barOf(i);
    });
    return s;
  }
}
