/**
 * WebAssembly SIMD (f64x2) builders of the heap kernels that are not dense products or tanh
 * (heap-kernels.ts has their plain-JS twins, which do the same operations in the same order, so
 * both give the same numbers). All take byte pointers and need even channel / column counts.
 */
import { Fn, op, type Code } from './wasm-emit.js';

const simd = (opcode: number): Code => [0xfd, ...(opcode < 0x80 ? [opcode] : [(opcode & 0x7f) | 0x80, opcode >> 7])];
const f64x2Sub = simd(0xf1);
const f64x2Splat = simd(0x14);
const i32Sub: Code = [0x6b];
const f64One: Code = [0x44, ...new Uint8Array(Float64Array.of(1).buffer)];

/**
 * im2col(x, n, T, C, L, cols) for kernel-3 stride-2 windows: cols[r][t] = the 3C numbers of
 * x[r] (rows [L][C]) from position 2t on, for r < n, t < T.
 */
export function buildIm2col(): Fn {
  const f = new Fn('im2col', 6);
  const [x, n, T, C, L, cols] = [0, 1, 2, 3, 4, 5];
  const [r, t, i, KB, ps, pc] = Array.from({ length: 6 }, () => f.local('i32'));
  f.emit(f.get(C), op.i32(24), op.mul, f.set(KB!), f.get(cols), f.set(pc!), op.i32(0), f.set(r!));
  f.whileFits(r!, 1, n, () => {
    f.emit(f.get(x), f.get(r!), f.get(L), op.mul, f.get(C), op.mul, op.i32(8), op.mul, op.add, f.set(ps!), op.i32(0), f.set(t!));
    f.whileFits(t!, 1, T, () => {
      f.emit(op.i32(0), f.set(i!));
      f.whileFits(i!, 16, KB!, () => f.emit(f.get(pc!), f.get(i!), op.add, f.get(ps!), f.get(i!), op.add, op.v128Load(), op.v128Store()));
      f.inc(pc!, f.get(KB!));
      f.inc(ps!, [...f.get(C), ...op.i32(16), ...op.mul]);
    });
  });
  return f;
}

/**
 * col2im(dc, n, T, C, L, h, hs, out) for kernel-3 stride-2 windows: from window cotangents
 * dc [n][T][3C] (part k of window t belongs to position 2t + k) to position cotangents
 * out [n][L][C]: out[r][p] = the sum of the parts that belong to p (two where windows overlap:
 * part 2 of window t plus part 0 of window t + 1) times 1 − h[r·hs + p·C]² (h a tanh output; zeros
 * with hs = 0: times 1, exactly), 0 for a position no window reads.
 */
export function buildCol2im(): Fn {
  const f = new Fn('col2im', 8);
  const [dc, n, T, C, L, h, hs, out] = [0, 1, 2, 3, 4, 5, 6, 7];
  const [r, t, c, last, CB, KB, rowB, pd, po, ph, pa, pb] = Array.from({ length: 12 }, () => f.local('i32'));
  const [one, hh] = [f.local('v128'), f.local('v128')];
  f.emit(f64One, f64x2Splat, f.set(one));
  f.emit(f.get(C), op.i32(8), op.mul, f.tee(CB!), op.i32(3), op.mul, f.set(KB!));
  f.emit(f.get(L), f.get(CB!), op.mul, f.set(rowB!), f.get(T), op.i32(1), i32Sub, f.set(last!));

  /** out[po + c] = (dc[pa + c] (+ dc[pb + c]))·(1 − h[ph + c]²) over the C channels; po, ph advance by C. */
  const position = (pair: boolean): void => {
    f.emit(op.i32(0), f.set(c!));
    f.whileFits(c!, 16, CB!, () => {
      f.emit(f.get(po!), f.get(c!), op.add, f.get(pa!), f.get(c!), op.add, op.v128Load());
      if (pair) f.emit(f.get(pb!), f.get(c!), op.add, op.v128Load(), op.f64x2Add);
      f.emit(f.get(one), f.get(ph!), f.get(c!), op.add, op.v128Load(), f.tee(hh), f.get(hh), op.f64x2Mul, f64x2Sub, op.f64x2Mul);
      f.emit(op.v128Store());
    });
    f.inc(po!, f.get(CB!));
    f.inc(ph!, f.get(CB!));
  };
  const from = (base: number, partBytes: Code): void => f.emit(f.get(base), partBytes, op.add, f.set(pa!));

  f.emit(op.i32(0), f.set(r!));
  f.whileFits(r!, 1, n, () => {
    f.emit(f.get(dc), f.get(r!), f.get(T), op.mul, f.get(KB!), op.mul, op.add, f.set(pd!));
    f.emit(f.get(out), f.get(r!), f.get(rowB!), op.mul, op.add, f.set(po!));
    f.emit(f.get(h), f.get(r!), f.get(hs), op.mul, op.i32(8), op.mul, op.add, f.set(ph!));
    from(pd!, op.i32(0));
    position(false); // position 0: part 0 of window 0
    f.emit(op.i32(0), f.set(t!));
    f.whileFits(t!, 1, last!, () => {
      from(pd!, f.get(CB!));
      position(false); // 2t + 1: part 1 of window t
      from(pd!, [...f.get(CB!), ...op.i32(2), ...op.mul]);
      f.emit(f.get(pd!), f.get(KB!), op.add, f.set(pb!));
      position(true); // 2t + 2: part 2 of window t plus part 0 of window t + 1
      f.inc(pd!, f.get(KB!));
    });
    from(pd!, f.get(CB!));
    position(false); // 2T − 1: part 1 of the last window
    from(pd!, [...f.get(CB!), ...op.i32(2), ...op.mul]);
    position(false); // 2T: its part 2
    // 2T + 1 (when L is even): no window reads it.
    f.emit(f.get(L), f.get(T), op.i32(2), op.mul, op.i32(1), op.add, op.gtU, [0x04, 0x40]);
    f.emit(op.i32(0), f.set(c!));
    f.whileFits(c!, 16, CB!, () => f.emit(f.get(po!), f.get(c!), op.add, op.v128Zero, op.v128Store()));
    f.emit([0x0b]);
  });
  return f;
}

/**
 * scaleRows(c, n, v, vs, len, h, hs, out): out[r][i] = (c[r]·v[r·vs + i])·(1 − h[r·hs + i]²) for
 * r < n, i < len (out rows len apart): rows of v scaled one factor each (vs = len), or one row v
 * scaled by each factor in turn (vs = 0), times a tanh derivative (h zeros with hs = 0: none).
 * out may be v itself.
 */
export function buildScaleRows(): Fn {
  const f = new Fn('scaleRows', 8);
  const [cp, n, v, vs, len, h, hs, out] = [0, 1, 2, 3, 4, 5, 6, 7];
  const [r, i, lenB, pv, ph, po] = Array.from({ length: 6 }, () => f.local('i32'));
  const [s, one, hh] = [f.local('v128'), f.local('v128'), f.local('v128')];
  f.emit(f64One, f64x2Splat, f.set(one), f.get(len), op.i32(8), op.mul, f.set(lenB!));
  f.emit(f.get(v), f.set(pv!), f.get(h), f.set(ph!), f.get(out), f.set(po!), op.i32(0), f.set(r!));
  f.whileFits(r!, 1, n, () => {
    f.emit(f.get(cp), f.get(r!), op.i32(8), op.mul, op.add, op.f64Load(), f64x2Splat, f.set(s));
    f.emit(op.i32(0), f.set(i!));
    f.whileFits(i!, 16, lenB!, () => {
      f.emit(f.get(po!), f.get(i!), op.add, f.get(s), f.get(pv!), f.get(i!), op.add, op.v128Load(), op.f64x2Mul);
      f.emit(f.get(one), f.get(ph!), f.get(i!), op.add, op.v128Load(), f.tee(hh), f.get(hh), op.f64x2Mul, f64x2Sub, op.f64x2Mul);
      f.emit(op.v128Store());
    });
    f.inc(pv!, [...f.get(vs), ...op.i32(8), ...op.mul]);
    f.inc(ph!, [...f.get(hs), ...op.i32(8), ...op.mul]);
    f.inc(po!, f.get(lenB!));
  });
  return f;
}
