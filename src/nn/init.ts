/** Keras-compatible initialisers. */
import type { Rng } from '../engine/random.js';

/** Glorot-uniform: U(−l, l) with l = √(6 / (fanIn + fanOut)); fans include the kernel's spatial size. */
export function glorotUniform(out: Float64Array, fanIn: number, fanOut: number, rng: Rng): void {
  const limit = Math.sqrt(6 / (fanIn + fanOut));
  for (let i = 0; i < out.length; i++) out[i] = rng.uniform(-limit, limit);
}
