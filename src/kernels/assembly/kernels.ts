/**
 * The WebAssembly SIMD kernels, in AssemblyScript, compiled by `asc` at build time
 * (scripts/build-kernels.ts). This file is the module: it exports each kernel of products.ts and
 * elementwise.ts in both precisions.
 *
 * Every kernel is written once, generic in the number type T (f64 or f32), and exported twice
 * (`name_f64`, `name_f32`): L = 16 / sizeof<T>() numbers per v128 (2 or 4). Operands are byte
 * pointers into the module's one imported memory (env.memory); matrices are row-major.
 *
 * Exactness: each output is accumulated in index order from its start value with a separate
 * multiply and add (wasm SIMD has no FMA), which is what the plain-JS kernels (../js/) do; so in
 * f64 both give the same numbers bit for bit. Vector blocks first, then one vector, then single
 * numbers: any shape is accepted, the tails just run slower.
 */
import { colSum, matmul, matmulTN } from "./products";
import { col2im, im2col, scaleRows, tanhF32, tanhSmall } from "./elementwise";

// ---------------------------------------------------------------------------------------------
// Exports: each kernel in f64 and f32.

export function matmul_f64(a: usize, n: i32, k: i32, b: usize, m: i32, c: usize, bias: usize): void { matmul<f64>(a, n, k, b, m, c, bias); }
export function matmul_f32(a: usize, n: i32, k: i32, b: usize, m: i32, c: usize, bias: usize): void { matmul<f32>(a, n, k, b, m, c, bias); }
export function matmulTN_f64(x: usize, n: i32, k: i32, ldx: i32, g: usize, m: i32, d: usize): void { matmulTN<f64>(x, n, k, ldx, g, m, d); }
export function matmulTN_f32(x: usize, n: i32, k: i32, ldx: i32, g: usize, m: i32, d: usize): void { matmulTN<f32>(x, n, k, ldx, g, m, d); }
export function colSum_f64(g: usize, n: i32, m: i32, sum: usize): void { colSum<f64>(g, n, m, sum); }
export function colSum_f32(g: usize, n: i32, m: i32, sum: usize): void { colSum<f32>(g, n, m, sum); }
export function tanhSmall_f64(p: usize, bytes: usize, flag: usize): void { tanhSmall<f64>(p, bytes, flag); }
export function tanhSmall_f32(p: usize, bytes: usize, flag: usize): void { tanhSmall<f32>(p, bytes, flag); }
export function tanh_f32(p: usize, bytes: usize): void { tanhF32(p, bytes); }
export function im2col_f64(x: usize, n: i32, T: i32, C: i32, L: i32, cols: usize): void { im2col<f64>(x, n, T, C, L, cols); }
export function im2col_f32(x: usize, n: i32, T: i32, C: i32, L: i32, cols: usize): void { im2col<f32>(x, n, T, C, L, cols); }
export function col2im_f64(dc: usize, n: i32, T: i32, C: i32, L: i32, h: usize, hs: i32, out: usize): void { col2im<f64>(dc, n, T, C, L, h, hs, out); }
export function col2im_f32(dc: usize, n: i32, T: i32, C: i32, L: i32, h: usize, hs: i32, out: usize): void { col2im<f32>(dc, n, T, C, L, h, hs, out); }
export function scaleRows_f64(c: usize, n: i32, v: usize, vs: i32, len: i32, h: usize, hs: i32, out: usize): void { scaleRows<f64>(c, n, v, vs, len, h, hs, out); }
export function scaleRows_f32(c: usize, n: i32, v: usize, vs: i32, len: i32, h: usize, hs: i32, out: usize): void { scaleRows<f32>(c, n, v, vs, len, h, hs, out); }
