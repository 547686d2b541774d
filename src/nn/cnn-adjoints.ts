/**
 * The CNN's adjoint sets (cnn.ts) in its heap, and their scaling (AdjointScaling), done lazily.
 *
 * A set of `rows` rows holds, per row, the Conv2D's own gradient g1 [7w], the Conv1D's
 * pre-activation cotangents d2 [H2·w] and the Dense output's d3 [1] (three arrays, one after the
 * other) and its own row of factors. Scaling a whole set from another (what the unroll does for
 * every sweep) writes only the factors and refers to the source's numbers; the weight gradient
 * multiplies as it reads (cnn.ts). That saves writing and re-reading every number of the set.
 *
 * The numbers are reference-counted: a set about to be overwritten while others refer to its
 * numbers moves to fresh ones first, so theirs stay as they were; numbers nobody refers to any more
 * go back to the heap (../kernels/regions.ts), as do those of a set that is released (`release`:
 * lifetime is explicit). Scaling is exact either way: lazy and written-out sets give the same
 * numbers bit for bit.
 */
import type { Adjoints } from './controller.js';
import type { HeapKernels } from '../kernels/heap.js';
import type { HeapRegions } from '../kernels/regions.js';

/** A set's numbers in the heap: g1, d2, d3 of all rows from p on (len numbers). */
interface Numbers {
  readonly p: number;
  readonly len: number;
  refs: number;
}

/** What may change about a set (and what is released when its object is collected). */
interface State {
  readonly rows: number;
  own: Numbers;
  /** When set: the set's rows are those numbers times the set's factors. */
  lazy: Numbers | null;
  /** The set's factors [rows] (+ `spare` more numbers). */
  readonly factors: number;
}

export interface CnnAdjoints extends Adjoints {
  readonly state: State;
}

/** A set after release: using it is an error, not a read of numbers that belong to another set. */
const RELEASED: Numbers = { p: -1, len: 0, refs: Infinity };

/** Heap indices of a set's arrays; factors ≥ 0: their rows are to be multiplied by factors[r]. */
export interface AdjointView {
  readonly g1: number;
  readonly d2: number;
  readonly d3: number;
  readonly factors: number;
}

export class AdjointStore {
  /**
   * g1Size, d2Size: numbers per row; zeros: at least max(g1Size, d2Size) zeros in the heap; spare:
   * numbers after each set's factors that may be read (not used).
   */
  constructor(
    private readonly kern: HeapKernels,
    private readonly regions: HeapRegions,
    private readonly g1Size: number,
    private readonly d2Size: number,
    private readonly zeros: number,
    private readonly spare: number,
  ) {}

  create(rows: number): CnnAdjoints {
    const state: State = { rows, own: this.numbers(rows), lazy: null, factors: this.regions.alloc(rows + this.spare) };
    this.kern.ensure(this.regions.top);
    return { rows, state };
  }

  /** Gives a set's numbers back to the heap (others that refer to them keep them); the set is unusable after. */
  release(a: CnnAdjoints): void {
    const s = a.state;
    if (s.own === RELEASED) return;
    this.drop(s.own);
    if (s.lazy) this.drop(s.lazy);
    this.regions.release(s.factors, s.rows + this.spare);
    s.own = RELEASED;
    s.lazy = null;
  }

  /** Where a set's rows are, for reading. */
  view(a: CnnAdjoints): AdjointView {
    const { lazy, own, factors } = a.state;
    if (own === RELEASED) throw new Error('CNN: an adjoint set used after release');
    return this.at(lazy ?? own, lazy ? factors : -1);
  }

  /**
   * The set's own numbers, made safe to write: moved to fresh ones if others refer to them, and
   * written out if the set was lazy. `whole`: every row is about to be written (nothing to keep).
   */
  writable(a: CnnAdjoints, whole: boolean): AdjointView {
    const s = a.state;
    if (s.own === RELEASED) throw new Error('CNN: an adjoint set used after release');
    if (s.own.refs > 1) {
      const fresh = this.numbers(a.rows);
      if (!whole && !s.lazy) this.kern.heap.copyWithin(fresh.p, s.own.p, s.own.p + fresh.len);
      this.drop(s.own);
      s.own = fresh;
    }
    if (s.lazy) {
      if (!whole) this.scaleRows(this.at(s.lazy, -1), s.factors, 0, a.rows, this.at(s.own, -1));
      this.drop(s.lazy);
      s.lazy = null;
    }
    return this.at(s.own, -1);
  }

  /** dst's rows r0 … r0+n−1 = scale[sOff + r − r0] × src's: lazily when that is all of both sets. */
  scale(src: CnnAdjoints, scale: Float64Array, sOff: number, r0: number, n: number, dst: CnnAdjoints): void {
    // A lazy source is written out first, so every product is formed as in an eager pass.
    if (src.state.lazy) this.writable(src, false);
    const whole = src !== dst && r0 === 0 && n === src.rows && n === dst.rows;
    const from = this.view(src);
    const to = this.writable(dst, whole);
    const hp = this.kern.heap;
    for (let r = 0; r < n; r++) hp[dst.state.factors + r0 + r] = scale[sOff + r]!;
    if (whole) {
      dst.state.lazy = src.state.own;
      src.state.own.refs++;
    } else this.scaleRows(from, dst.state.factors, r0, n, to);
  }

  /** to's rows r0 … r0+n−1 = factors[r] × from's. */
  private scaleRows(from: AdjointView, factors: number, r0: number, n: number, to: AdjointView): void {
    const k = this.kern, G1 = this.g1Size, N2 = this.d2Size, hp = k.heap;
    for (let r = r0; r < r0 + n; r++) hp[to.d3 + r] = hp[factors + r]! * hp[from.d3 + r]!;
    // scaleRows times 1 − 0² = 1: just the factors.
    k.scaleRows(factors + r0, n, from.g1 + r0 * G1, G1, G1, this.zeros, 0, to.g1 + r0 * G1);
    k.scaleRows(factors + r0, n, from.d2 + r0 * N2, N2, N2, this.zeros, 0, to.d2 + r0 * N2);
  }

  private at(nums: Numbers, factors: number): AdjointView {
    const rows = nums.len / (this.g1Size + this.d2Size + 1);
    const g1 = nums.p, d2 = g1 + rows * this.g1Size, d3 = d2 + rows * this.d2Size;
    return { g1, d2, d3, factors };
  }

  private numbers(rows: number): Numbers {
    const len = rows * (this.g1Size + this.d2Size + 1);
    const nums = { p: this.regions.alloc(len), len, refs: 1 };
    this.kern.ensure(this.regions.top);
    return nums;
  }

  private drop(nums: Numbers): void {
    if (--nums.refs === 0) this.regions.release(nums.p, nums.len);
  }
}
