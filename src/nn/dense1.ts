/**
 * A Dense layer with one output (linear) on a heap (../kernels/heap.ts: operands are heap indices),
 * the quantum CNN's last layer: y[r] = b + Σ_i x[r][i]·W[i], W [nIn].
 *
 * The forward product runs on `cols` columns (the numbers of one SIMD vector: 2 in f64, 4 in f32),
 * [W | 0 …] with bias [b, 0 …], so the kernel's vector loop takes it (the first column is summed as
 * a single column would be), and the weight gradient's row sum on two rows, [c; anything]: the
 * SIMD kernels' paired rows and vector columns.
 */
import type { HeapKernels } from '../kernels/heap.js';

export class Dense1 {
  constructor(readonly nIn: number, readonly cols: number) {}

  /** y[yo + r] = b + Σ_i x[r][i]·W[i], r < n, from w2 = [W | 0 …] ([nIn][cols]) and b2 = [b, 0 …], through y2 [n][cols]. */
  forward(k: HeapKernels, x: number, n: number, w2: number, b2: number, y2: number, y: Float64Array, yo: number): void {
    const C = this.cols;
    k.matmul(x, n, this.nIn, w2, C, y2, b2);
    for (let r = 0; r < n; r++) y[yo + r] = k.heap[y2 + C * r]!;
  }

  /**
   * out[r][i] = (c[r]·W[i])·(1 − h[r·hs + i]²): input cotangents from output cotangents c [n], through
   * the tanh whose outputs h fed the layer (zeros with hs = 0: none).
   */
  backward(k: HeapKernels, c: number, n: number, w: number, h: number, hs: number, out: number): void {
    k.scaleRows(c, n, w, 0, this.nIn, h, hs, out);
  }

  /**
   * acc[i] = acc[i] + Σ_r c[r]·x[r][i] in row order, r < n, with c the first row of c2 [2][n] and
   * acc the first row of [2][nIn] (the second rows are scratch). Σ_r c[r] is the bias gradient.
   */
  paramGrad(k: HeapKernels, c2: number, n: number, x: number, acc: number): void {
    k.matmul(c2, 2, n, x, this.nIn, acc, acc);
  }
}
