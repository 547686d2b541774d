/**
 * First-fit allocation of index ranges of a heap (heap.ts) above a fixed base, for arrays that live
 * in the heap: freed ranges are merged with their neighbours and reused. Lifetime is explicit: the
 * owner of a range hands it back with `release` (nothing is reclaimed by the garbage collector);
 * the whole heap goes when its kernels object goes.
 */
export class HeapRegions {
  /** Free ranges [start, length], by start, none adjacent. */
  private readonly free: [number, number][] = [];
  /** One past the highest index ever handed out. */
  private topIndex: number;

  constructor(base: number) {
    this.topIndex = base;
  }

  get top(): number {
    return this.topIndex;
  }

  /** The start of `len` free numbers (starts and lengths rounded to 4 numbers: 16 bytes in f32). */
  alloc(len: number): number {
    len = Math.ceil(len / 4) * 4;
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
    len = Math.ceil(len / 4) * 4;
    let k = this.free.findIndex(([q]) => q > p);
    if (k < 0) k = this.free.length;
    this.free.splice(k, 0, [p, len]);
    // Merge with the next range, then with the previous one.
    const next = this.free[k + 1];
    if (next && p + len === next[0]) this.free.splice(k, 2, [p, len + next[1]]);
    const prev = this.free[k - 1];
    if (prev && prev[0] + prev[1] === p) this.free.splice(k - 1, 2, [prev[0], prev[1] + this.free[k]![1]]);
  }
}
