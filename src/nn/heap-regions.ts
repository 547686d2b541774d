/**
 * First-fit allocation of index ranges of a heap (heap-kernels.ts) above a fixed base, for arrays
 * that live in the heap: freed ranges are merged with their neighbours and reused. Objects can
 * hand their range back when they are garbage-collected (`track`), so callers that create them
 * freely (e.g. one set of activations per call) do not make the heap grow without bound.
 */
export class HeapRegions {
  /** Free ranges [start, length], by start, none adjacent. */
  private readonly free: [number, number][] = [];
  private readonly reclaim = new FinalizationRegistry<[number, number]>(([p, len]) => this.release(p, len));
  /** One past the highest index ever handed out. */
  private topIndex: number;

  constructor(base: number) {
    this.topIndex = base;
  }

  get top(): number {
    return this.topIndex;
  }

  /** The start of `len` free numbers (even starts and lengths: f64x2 pairs stay within a range). */
  alloc(len: number): number {
    len += len & 1;
    const k = this.free.findIndex(([, l]) => l >= len);
    if (k < 0) {
      this.topIndex += len;
      return this.topIndex - len;
    }
    const [p, l] = this.free[k]!;
    if (l === len) this.free.splice(k, 1);
    else this.free[k] = [p + len, l - len];
    return p;
  }

  release(p: number, len: number): void {
    len += len & 1;
    let k = this.free.findIndex(([q]) => q > p);
    if (k < 0) k = this.free.length;
    this.free.splice(k, 0, [p, len]);
    // Merge with the next range, then with the previous one.
    const next = this.free[k + 1];
    if (next && p + len === next[0]) this.free.splice(k, 2, [p, len + next[1]]);
    const prev = this.free[k - 1];
    if (prev && prev[0] + prev[1] === p) this.free.splice(k - 1, 2, [prev[0], prev[1] + this.free[k]![1]]);
  }

  /** Releases [p, p + len) once `owner` has been garbage-collected. */
  track(owner: object, p: number, len: number): void {
    this.reclaim.register(owner, [p, len]);
  }
}
