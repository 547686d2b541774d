/**
 * The compiled WebAssembly kernels (assembly/kernels.ts, built by scripts/build-kernels.ts into
 * generated/kernels-wasm.ts) and their precisions.
 *
 * One module exports every kernel twice, `name_f64` and `name_f32`; `kernelsAt` picks a set.
 * Each user instantiates the module with a memory of its own (`instantiateKernels`), so each
 * user's memory lives exactly as long as that user: nothing is reclaimed behind its back.
 * Compiling is synchronous on first use; a browser page calls `prepareKernels()` first (browsers
 * compile modules over 4 kB only asynchronously on the main thread).
 */
import { KERNELS_WASM_BASE64 } from './generated/kernels-wasm.js';

/** The number type the products run in: float64 (default) or float32 with f32x4 SIMD. */
export type Precision = 'f64' | 'f32';

export const PRECISIONS: readonly Precision[] = ['f64', 'f32'];

/** Bytes per number. */
export const bytesOf = (p: Precision): number => (p === 'f64' ? 8 : 4);

/** One precision's kernels: byte pointers into the instance's memory (assembly/kernels.ts documents each). */
export interface WasmKernels {
  matmul(a: number, n: number, k: number, b: number, m: number, c: number, bias: number): void;
  matmulTN(x: number, n: number, k: number, ldx: number, g: number, m: number, d: number): void;
  colSum(g: number, n: number, m: number, sum: number): void;
  tanhSmall(p: number, bytes: number, flag: number): void;
  /** f32 only: tanh of every number, all in SIMD (f64 uses tanhSmall + js/tanh.ts, to match JS bit for bit). */
  tanh: ((p: number, bytes: number) => void) | undefined;
  im2col(x: number, n: number, T: number, C: number, L: number, cols: number): void;
  col2im(dc: number, n: number, T: number, C: number, L: number, h: number, hs: number, out: number): void;
  scaleRows(c: number, n: number, v: number, vs: number, len: number, h: number, hs: number, out: number): void;
}

const NAMES = ['matmul', 'matmulTN', 'colSum', 'tanhSmall', 'tanh', 'im2col', 'col2im', 'scaleRows'] as const;

let compiled: WebAssembly.Module | null | undefined;

function moduleBytes(): Uint8Array<ArrayBuffer> {
  const s = atob(KERNELS_WASM_BASE64);
  const bytes = new Uint8Array(s.length);
  for (let i = 0; i < s.length; i++) bytes[i] = s.charCodeAt(i);
  return bytes;
}

/** The compiled module, or null where WebAssembly or its SIMD is missing. */
export function kernelModule(): WebAssembly.Module | null {
  if (compiled === undefined) {
    try {
      const bytes = moduleBytes();
      compiled = typeof WebAssembly === 'object' && WebAssembly.validate(bytes) ? new WebAssembly.Module(bytes) : null;
    } catch {
      compiled = null;
    }
  }
  return compiled;
}

/** Compiles the module asynchronously (for a browser's main thread); later calls find it ready. */
export async function prepareKernels(): Promise<boolean> {
  if (compiled === undefined) {
    try {
      const bytes = moduleBytes();
      compiled = typeof WebAssembly === 'object' && WebAssembly.validate(bytes) ? await WebAssembly.compile(bytes) : null;
    } catch {
      compiled = null;
    }
  }
  return compiled !== null;
}

/** The module's bytes, for tests and the bench. */
export function kernelModuleBytes(): Uint8Array<ArrayBuffer> {
  return moduleBytes();
}

export interface KernelInstance {
  readonly memory: WebAssembly.Memory;
  readonly kernels: WasmKernels;
}

/** A new instance with a memory of `pages` × 64 KiB of its own, or null without WebAssembly SIMD. */
export function instantiateKernels(precision: Precision, pages: number): KernelInstance | null {
  const mod = kernelModule();
  if (!mod) return null;
  const memory = new WebAssembly.Memory({ initial: pages });
  const exports = new WebAssembly.Instance(mod, { env: { memory } }).exports as Record<string, unknown>;
  const kernels = Object.fromEntries(NAMES.map((n) => [n, exports[`${n}_${precision}`]])) as unknown as WasmKernels;
  return { memory, kernels };
}

/** "f64" or "f32", else an error naming the flag and the accepted values. */
export function parsePrecision(v: unknown): Precision {
  if (v === 'f64' || v === 'f32') return v;
  throw new Error(`--precision: got "${String(v)}", expected f64 or f32`);
}
