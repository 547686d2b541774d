/** Element-wise unary ops: each is its forward f(x) and its derivative in terms of x and y = f(x). */
import { registerKernel, runKernel, type Kernel } from '../kernel.js';
import { Tensor } from '../tensor.js';

interface UnarySpec {
  name: string;
  f: (x: number) => number;
  /** dy/dx, given the input x and the output y. */
  df: (x: number, y: number) => number;
}

function unaryKernel(spec: UnarySpec): (x: Tensor) => Tensor {
  const kernel: Kernel = registerKernel({
    name: spec.name,
    forward: ([x]) => {
      const out = new Float64Array(x!.size);
      const xd = x!.data;
      for (let i = 0; i < out.length; i++) out[i] = spec.f(xd[i]!);
      return { data: out, shape: x!.shape };
    },
    vjp: (g, [x], y) => {
      const xb = new Float64Array(g.length);
      for (let i = 0; i < g.length; i++) xb[i] = g[i]! * spec.df(x!.data[i]!, y.data[i]!);
      return [xb];
    },
  });
  return (x) => runKernel(kernel, [x], undefined);
}

export const neg = unaryKernel({ name: 'Neg', f: (x) => -x, df: () => -1 });
export const sin = unaryKernel({ name: 'Sin', f: Math.sin, df: (x) => Math.cos(x) });
export const cos = unaryKernel({ name: 'Cos', f: Math.cos, df: (x) => -Math.sin(x) });
export const tanh = unaryKernel({ name: 'Tanh', f: Math.tanh, df: (_x, y) => 1 - y * y });
export const exp = unaryKernel({ name: 'Exp', f: Math.exp, df: (_x, y) => y });
export const log = unaryKernel({ name: 'Log', f: Math.log, df: (x) => 1 / x });
export const sqrt = unaryKernel({ name: 'Sqrt', f: Math.sqrt, df: (_x, y) => 0.5 / y });
export const square = unaryKernel({ name: 'Square', f: (x) => x * x, df: (x) => 2 * x });
export const abs = unaryKernel({ name: 'Abs', f: Math.abs, df: (x) => Math.sign(x) });
