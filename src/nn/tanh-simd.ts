/**
 * tanh in place on WebAssembly SIMD (f64x2), the same numbers as tanh.ts bit for bit.
 *
 * Network pre-activations mostly lie in |x| < 0.625, where tanh.ts uses the rational form
 * x + x·z·P(z)/Q(z) (z = x²) alone: the wasm kernel evaluates exactly that, operation for operation
 * (wasm rounds every f64 multiply, add and divide as JS does, and has no FMA), two numbers at a
 * time and without branches, at ~1 ns a number against ~2.8 ns in JS. Lanes outside that range
 * (and NaN) are left as they are and flagged; a JS pass then hands them to tanh.ts. Its test
 * !(|v| < 0.625) finds exactly them, since every computed lane has |tanh x| < 0.56.
 *
 * heap-kernels.ts assembles the kernel into its module.
 */
import { tanh } from './tanh.js';
import { Fn, op, type Code } from './wasm-emit.js';

const simd = (opcode: number): Code => [0xfd, ...(opcode < 0x80 ? [opcode] : [(opcode & 0x7f) | 0x80, opcode >> 7])];
const f64x2 = { abs: simd(0xec), div: simd(0xf3), lt: simd(0x49), eq: simd(0x47), splat: simd(0x14) };
const v128 = { bitselect: simd(0x52), and: simd(0x4e), andnot: simd(0x4f), not: simd(0x4d) };
const f64Const = (v: number): Code => [0x44, ...new Uint8Array(Float64Array.of(v).buffer)];

/** The rational form's coefficients and range, as tanh.ts has them. */
const P = [-9.64399179425052238628e-1, -9.92877231001918586564e1, -1.61468768441708447952e3] as const;
const Q = [1.12811678491632931402e2, 2.23548839060100448583e3, 4.84406305325125486048e3] as const;
const SMALL = 0.625;

/**
 * tanhSmall(p, bytes, flag): for each f64 pair at p … p+bytes (bytes a multiple of 16), lanes with
 * |x| < 0.625 become tanh(x) as tanh.ts computes it (z = 0 keeps x); the others stay. The v128 at
 * `flag` becomes non-zero when some lane stayed. Two pairs per iteration (~10 % faster than one).
 */
export function buildTanhSmall(): Fn {
  const f = new Fn('tanhSmall', 3);
  const [p, bytes, flag] = [0, 1, 2];
  const i = f.local('i32');
  const [x, z, r, small, all] = [f.local('v128'), f.local('v128'), f.local('v128'), f.local('v128'), f.local('v128')];
  // Constants live in locals (splatted once), so the loop body holds no constant loads.
  const consts = [...P, ...Q, SMALL, 0].map((v) => {
    const l = f.local('v128');
    f.emit(f64Const(v), f64x2.splat, f.set(l));
    return l;
  });
  const [p0, p1, p2, q0, q1, q2, limit, zero] = consts.map((l) => f.get(l)) as [Code, Code, Code, Code, Code, Code, Code, Code];
  const mul = op.f64x2Mul, add = op.f64x2Add;
  /** The pair at p + i + offset. */
  const pair = (offset: number): void => {
    f.emit(f.get(p), f.get(i), op.add, op.v128Load(offset), f.tee(x), f.get(x), mul, f.set(z));
    // r = x + x·z·(((P0·z + P1)·z + P2) / (((z + Q0)·z + Q1)·z + Q2)), in tanh.ts's order.
    f.emit(p0, f.get(z), mul, p1, add, f.get(z), mul, p2, add);
    f.emit(f.get(z), q0, add, f.get(z), mul, q1, add, f.get(z), mul, q2, add, f64x2.div, f.set(r));
    f.emit(f.get(x), f.get(x), f.get(z), mul, f.get(r), mul, add, f.set(r));
    // r where |x| < 0.625 and z ≠ 0, else x; `all` keeps whether every lane so far was small.
    f.emit(f.get(x), f64x2.abs, limit, f64x2.lt, f.tee(small), f.get(all), v128.and, f.set(all));
    f.emit(f.get(p), f.get(i), op.add, f.get(r), f.get(x), f.get(small), f.get(z), zero, f64x2.eq, v128.andnot, v128.bitselect);
    f.emit(op.v128Store(offset));
  };
  f.emit(op.v128Zero, v128.not, f.set(all), op.i32(0), f.set(i));
  f.whileFits(i, 32, bytes, () => {
    pair(0);
    pair(16);
  });
  f.whileFits(i, 16, bytes, () => pair(0));
  f.emit(f.get(flag), f.get(all), v128.not, op.v128Store());
  return f;
}

/** After tanhSmall flagged lanes it left: y[i] = tanh(y[i]) for those, from ≤ i < to (tanh.ts). */
export function finishTanh(y: Float64Array, from: number, to: number): void {
  for (let k = from; k < to; k++) if (!(Math.abs(y[k]!) < SMALL)) y[k] = tanh(y[k]!);
}
