/**
 * A valid, channels-last convolution with kernel 3, stride 2 and tanh, as im2col + dense products
 * on a heap (../kernels/heap.ts: every operand is a heap index).
 *
 * Each input row holds L positions × C channels; output position t reads the 3·C numbers of
 * positions 2t … 2t+2, which are contiguous, so its "window" is one slice of the row. Both
 * convolutions of the quantum CNN (cnn.ts) are of this kind:
 *   - Conv2D 3×2 stride 2 over an Nx×2 image: L = Nx grid points, C = 2 (Re, Im); the kernel spans
 *     the width, so the Keras kernel [3][2][1][F] read flat is a dense W [6][F].
 *   - Conv1D kernel 3 stride 2 over [H1][w]: L = H1, C = w; the Keras kernel [3][w][F] read flat is
 *     a dense W [3w][F].
 *
 * "Virtual rows" j = r·T + t enumerate (row, output position) pairs. Forward: copy the windows
 * into cols [n·T][3C] (im2col) and run one product. Backward: the window cotangents g·Wᵀ are one
 * product, added back onto the positions they came from (col2im). Weight gradient: colsᵀ·g, or
 * each row's own (rowGrads: its windows transposed times its cotangents). The SIMD kernels' weight
 * gradient needs 3 spare numbers after cols and 3 spare rows after dW (../kernels/heap.ts).
 */
import type { Heap, HeapKernels } from '../kernels/heap.js';

/** Output positions of a valid convolution; < 1 when the kernel does not fit. */
export function validOut(size: number, kernel: number, stride: number): number {
  return size < kernel ? 0 : Math.floor((size - kernel) / stride) + 1;
}

/** out[oo + j·rows + i] = w[wo + i·cols + j]: the [rows][cols] matrix at wo, transposed. */
export function transpose(w: Float64Array, wo: number, rows: number, cols: number, out: Heap, oo: number): void {
  for (let i = 0; i < rows; i++) for (let j = 0; j < cols; j++) out[oo + j * rows + i] = w[wo + i * cols + j]!;
}

export class StridedConv3 {
  /** Output positions per row. */
  readonly T: number;
  /** Numbers per window (3·C): the dense kernel's input size. */
  readonly window: number;
  /** Numbers per input row (L·C). */
  readonly rowSize: number;

  /** L positions × C channels in, F filters out. */
  constructor(
    readonly L: number,
    readonly C: number,
    readonly F: number,
  ) {
    this.T = validOut(L, 3, 2);
    this.window = 3 * C;
    this.rowSize = L * C;
  }

  /** cols[(r·T+t)][i] = x[r][2t·C + i], i < 3C, for n rows of x (rows L·C apart). */
  im2col(k: HeapKernels, x: number, n: number, cols: number): void {
    k.im2col(x, n, this.T, this.C, this.L, cols);
  }

  /** y[j][f] = tanh(b[f] + Σ_i cols[j][i]·W[i][f]) over the n·T virtual rows of n rows. */
  forward(k: HeapKernels, cols: number, n: number, w: number, b: number, y: number): void {
    k.matmul(cols, n * this.T, this.window, w, this.F, y, b);
    k.tanh(y, n * this.T * this.F);
  }

  /**
   * From pre-activation cotangents g [n·T][F]: the window cotangents dc = g·Wᵀ (wT: W transposed,
   * [F][3C]; zeros: 3C zeros, the product's bias), then the input cotangent xBar [n][L·C] (positions
   * no window reads get 0) times 1 − h² with h the tanh output the input came from (rows L·C apart),
   * i.e. the previous layer's pre-activation cotangent; h = zeros with hs = 0 for none.
   */
  backward(k: HeapKernels, g: number, n: number, wT: number, zeros: number, dc: number, xBar: number, h: number, hs: number): void {
    k.matmul(g, n * this.T, this.F, wT, this.window, dc, zeros);
    k.col2im(dc, n, this.T, this.C, this.L, h, hs, xBar);
  }

  /**
   * colsT[r] = [the windows of row r transposed, [3C][T]; two rows of ones, [2][T]]: colsT[r][i][t] =
   * x[r][2t·C + i] for i < 3C, rows (3C + 2)·T apart (rowGrads' operand).
   */
  im2colT(h: Heap, x: number, n: number, colsT: number): void {
    const { T, C, window: K, rowSize } = this;
    for (let r = 0, o = colsT; r < n; r++, o += (K + 2) * T) {
      for (let i = 0, s = x + r * rowSize; i < K; i++) for (let t = 0; t < T; t++) h[o + i * T + t] = h[s + 2 * t * C + i]!;
      h.fill(1, o + K * T, o + (K + 2) * T);
    }
  }

  /**
   * Each row's own weight and bias gradient: out[r] = [Σ_t cols[r,t]ᵀ·g[r,t] ([3C][F]) | Σ_t g[r,t] ([F])],
   * rows (3C + 1)·F apart (+ one spare row after the last), from colsT (im2colT) and cotangents
   * g [n·T][F]: one product per row, the first row of ones giving the bias. The second keeps the
   * row count even (the SIMD kernel takes rows in pairs); its result lands where the next row's
   * goes, or in the spare row. zeros: F zeros.
   */
  rowGrads(k: HeapKernels, colsT: number, n: number, g: number, zeros: number, out: number): void {
    const { T, F, window: K } = this;
    for (let r = 0; r < n; r++) k.matmul(colsT + r * (K + 2) * T, K + 2, T, g + r * T * F, F, out + r * (K + 1) * F, zeros);
  }

  /** dW[i][f] += Σ_j cols[j][i]·g[j][f] and db[f] += Σ_j g[j][f] over the n·T virtual rows of n rows. */
  paramGrad(k: HeapKernels, cols: number, n: number, g: number, dW: number, db: number): void {
    k.paramGrad(cols, n * this.T, this.window, g, this.F, dW, db);
  }
}
