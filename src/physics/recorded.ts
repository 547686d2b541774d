/**
 * The automatic-gradient path: a step or loss term written as engine tensor code becomes a
 * `Simulator` / `Loss` whose VJP comes from the engine's autodiff. The tensor function is
 * recorded once per batch size (`record`: one eager trace, then replays forward and backward
 * over preallocated buffers), so the time loop allocates nothing.
 *
 * The step's VJP replays the step's forward first: the unroll asks for VJPs in reverse step
 * order and a recording holds one step's intermediates. The physics is a small part of an update
 * (the network dominates), and one hot recording replayed twice was measured faster than a
 * recording per step.
 */
import { record, type RecordedFunction } from '../engine/record.js';
import { Tensor } from '../engine/tensor.js';
import type { TensorLossTerm, TensorStep } from './define.js';
import type { Loss, Simulator } from './simulator.js';

function recordOrExplain(what: string, fn: (...xs: Tensor[]) => Tensor, inputs: Tensor[], outSize: number): RecordedFunction {
  let rec: RecordedFunction;
  try {
    rec = record(fn, inputs);
  } catch (e) {
    throw new Error(`${what}: ${(e as Error).message}`);
  }
  const size = rec.outputShape.reduce((a: number, b: number) => a * b, 1);
  if (size !== outSize) {
    throw new Error(`${what} returned shape [${rec.outputShape.join(', ')}] (${size} numbers), expected ${outSize}`);
  }
  return rec;
}

export class RecordedSimulator implements Simulator {
  private readonly byBatch = new Map<number, RecordedFunction>();
  /** Per batch size, where the state cotangent is gathered first: the caller's xBar may alias its xNextBar. */
  private readonly xScratch = new Map<number, Float64Array>();
  private readonly ins: Float64Array[] = [new Float64Array(0), new Float64Array(0)];
  private readonly bars: (Float64Array | null)[] = [null, null];

  constructor(
    readonly fn: TensorStep,
    readonly stateSize: number,
    readonly controlSize: number,
  ) {}

  /** The recording for batch size B (made on first use, from these inputs). */
  recording(x: Float64Array, c: Float64Array, B: number): RecordedFunction {
    let rec = this.byBatch.get(B);
    if (!rec) {
      const S = this.stateSize, C = this.controlSize;
      const inputs = [new Tensor(x.slice(0, B * S), [B, S]), new Tensor(c.slice(0, B * C), [B, C])];
      rec = recordOrExplain('the step', (xs, cs) => this.fn(xs!, cs!), inputs, B * S);
      this.byBatch.set(B, rec);
      this.xScratch.set(B, new Float64Array(B * S));
    }
    return rec;
  }

  step(x: Float64Array, c: Float64Array, xNext: Float64Array, B: number): void {
    const rec = this.recording(x, c, B);
    this.ins[0] = x;
    this.ins[1] = c;
    xNext.set(rec.forward(this.ins));
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
    const rec = this.recording(x, c, B);
    this.ins[0] = x;
    this.ins[1] = c;
    // Replayed, not kept per step: measured faster than one recording per step of the unroll
    // (npm run bench, cart-pole: automatic/fused 1.3 against 1.9 with per-step recordings).
    rec.forward(this.ins);
    const xs = xBar ? this.xScratch.get(B)!.fill(0) : null;
    cBar.fill(0, 0, B * this.controlSize);
    this.bars[0] = xs;
    this.bars[1] = cBar;
    rec.backward(xNextBar, this.bars);
    if (xBar) xBar.set(xs!);
  }
}

/** Kernel names, parents, attributes and constants of the graph behind `out`: equal fingerprints replay alike. */
function fingerprint(out: Tensor, leaves: readonly Tensor[]): string {
  const ids = new Map<Tensor, number>(leaves.map((l, i) => [l, i]));
  const parts: string[] = [];
  const visit = (t: Tensor): number => {
    const known = ids.get(t);
    if (known !== undefined) return known;
    let desc: string;
    if (t.node) {
      const parents = t.node.parents.map(visit);
      desc = `${t.node.kernel.name}(${parents.join(',')})${JSON.stringify(t.node.attrs ?? null)}[${t.shape.join(',')}]`;
    } else {
      desc = `const[${t.shape.join(',')}]${Array.from(t.data).join(',')}`;
    }
    const id = ids.size;
    ids.set(t, id);
    parts.push(desc);
    return id;
  };
  visit(out);
  return parts.join(';');
}

export class RecordedLoss implements Loss {
  /** Per batch size: the recording of each step index (steps whose graphs are equal share one). */
  private readonly byBatch = new Map<number, Map<number, RecordedFunction>>();
  private readonly shared = new Map<string, RecordedFunction>();
  private readonly ins: Float64Array[] = [new Float64Array(0)];
  private readonly bars: (Float64Array | null)[] = [null];
  private readonly one = Float64Array.of(1);

  constructor(
    readonly fn: TensorLossTerm,
    readonly kind: 'final' | 'continuous',
    readonly stateSize: number,
  ) {}

  recording(x: Float64Array, n: number, Nt: number, B: number): RecordedFunction {
    let perStep = this.byBatch.get(B);
    if (!perStep) this.byBatch.set(B, (perStep = new Map()));
    let rec = perStep.get(n);
    if (!rec) {
      const S = this.stateSize;
      const step = { n, Nt };
      const term = (xs: Tensor): Tensor => this.fn(xs, step);
      const leaf = new Tensor(x.slice(0, B * S), [B, S], null, true);
      const key = `${B}|${Nt}|${fingerprint(term(leaf), [leaf])}`;
      rec = this.shared.get(key);
      if (!rec) {
        rec = recordOrExplain(`the loss term of step ${n}`, term, [new Tensor(x.slice(0, B * S), [B, S])], 1);
        this.shared.set(key, rec);
      }
      perStep.set(n, rec);
    }
    return rec;
  }

  term(x: Float64Array, n: number, Nt: number, B: number, xBar: Float64Array | null): number {
    if (this.kind === 'final' && n !== Nt) return 0;
    const rec = this.recording(x, n, Nt, B);
    this.ins[0] = x;
    const value = rec.forward(this.ins)[0]!;
    if (xBar) {
      this.bars[0] = xBar;
      rec.backward(this.one, this.bars);
    }
    return value;
  }
}
