/** Matrix product of 2-D tensors: [m][k] · [k][n] → [m][n]. VJP: Ā = Ḡ·Bᵀ, B̄ = Aᵀ·Ḡ. */
import { registerKernel, runKernel, type Kernel } from '../kernel.js';
import { Tensor } from '../tensor.js';

const kernel: Kernel = registerKernel({
  name: 'MatMul',
  forward: ([a, b]) => {
    if (a!.shape.length !== 2 || b!.shape.length !== 2 || a!.shape[1] !== b!.shape[0]) {
      throw new Error(`matmul needs [m][k]·[k][n], got [${a!.shape.join(', ')}]·[${b!.shape.join(', ')}]`);
    }
    const [m, k] = a!.shape as [number, number];
    const n = b!.shape[1]!;
    const out = new Float64Array(m * n);
    for (let i = 0; i < m; i++)
      for (let p = 0; p < k; p++) {
        const av = a!.data[i * k + p]!;
        for (let j = 0; j < n; j++) out[i * n + j]! += av * b!.data[p * n + j]!;
      }
    return { data: out, shape: [m, n] };
  },
  vjp: (g, [a, b]) => {
    const [m, k] = a!.shape as [number, number];
    const n = b!.shape[1]!;
    const ga = a!.traced ? new Float64Array(m * k) : null;
    const gb = b!.traced ? new Float64Array(k * n) : null;
    for (let i = 0; i < m; i++)
      for (let p = 0; p < k; p++) {
        let s = 0;
        for (let j = 0; j < n; j++) {
          s += g[i * n + j]! * b!.data[p * n + j]!;
          if (gb) gb[p * n + j]! += a!.data[i * k + p]! * g[i * n + j]!;
        }
        if (ga) ga[i * k + p] = s;
      }
    return [ga, gb];
  },
});

export function matmul(a: Tensor, b: Tensor): Tensor {
  return runKernel(kernel, [a, b], undefined);
}
