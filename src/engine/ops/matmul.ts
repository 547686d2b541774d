/** Matrix product of 2-D tensors: [m][k] · [k][n] → [m][n]. VJP: Ā = Ḡ·Bᵀ, B̄ = Aᵀ·Ḡ. */
import { registerKernel, runKernel, type Kernel } from '../kernel.js';
import { Tensor } from '../tensor.js';
import { shapeText } from './indexing.js';

const kernel: Kernel = registerKernel({
  name: 'MatMul',
  plan: ([sa, sb]) => {
    if (sa!.length !== 2 || sb!.length !== 2 || sa![1] !== sb![0]) {
      throw new Error(`matmul needs [m][k]·[k][n], got ${shapeText(sa!)}·${shapeText(sb!)}`);
    }
    const m = sa![0]!, k = sa![1]!, n = sb![1]!;
    return {
      outShape: [m, n],
      singleTerm: [true, m === 1], // Ā gets one finished dot product per element; B̄ sums over rows
      forward: (ins, out) => {
        const a = ins[0]!, b = ins[1]!;
        out.fill(0);
        for (let i = 0; i < m; i++)
          for (let p = 0; p < k; p++) {
            const av = a[i * k + p]!;
            for (let j = 0; j < n; j++) out[i * n + j]! += av * b[p * n + j]!;
          }
      },
      backward: (g, ins, _out, bars) => {
        const a = ins[0]!, b = ins[1]!, ga = bars[0], gb = bars[1];
        for (let i = 0; i < m; i++)
          for (let p = 0; p < k; p++) {
            let s = 0;
            for (let j = 0; j < n; j++) {
              s += g[i * n + j]! * b[p * n + j]!;
              if (gb) gb[p * n + j]! += a[i * k + p]! * g[i * n + j]!;
            }
            if (ga) ga[i * k + p]! += s;
          }
      },
    };
  },
});

export function matmul(a: Tensor, b: Tensor): Tensor {
  return runKernel(kernel, [a, b], undefined);
}
