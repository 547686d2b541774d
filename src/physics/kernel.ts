/**
 * A simulator step and a loss term as engine kernels, so the fused code and its
 * hand-written VJP are gradchecked and usable inside reference (autodiff) unrolls.
 */
import { registerKernel, runKernel, type Kernel } from '../engine/kernel.js';
import { Tensor } from '../engine/tensor.js';
import type { Loss, Simulator } from './simulator.js';

function batchOf(x: Tensor, per: number, what: string): number {
  const B = x.size / per;
  if (!Number.isInteger(B) || B < 1) throw new Error(`${what} has ${x.size} numbers, not a multiple of ${per}`);
  return B;
}

const stepKernel: Kernel<{ sim: Simulator }> = registerKernel<{ sim: Simulator }>({
  name: 'SimulatorStep',
  forward: ([x, c], { sim }) => {
    const B = batchOf(x!, sim.stateSize, 'state');
    if (c!.size !== B * sim.controlSize) throw new Error(`control has ${c!.size} numbers, expected ${B * sim.controlSize}`);
    const out = new Float64Array(x!.size);
    sim.step(x!.data, c!.data, out, B);
    return { data: out, shape: x!.shape };
  },
  vjp: (g, [x, c], y, { sim }) => {
    const B = x!.size / sim.stateSize;
    const xBar = x!.traced ? new Float64Array(x!.size) : null;
    const cBar = new Float64Array(c!.size);
    sim.stepVjp(x!.data, c!.data, y.data, g, xBar, cBar, B);
    return [xBar, c!.traced ? cBar : null];
  },
});

/** x' = P(x, c) as a differentiable op; x [B][stateSize], c [B][controlSize]. */
export function simulatorStep(sim: Simulator, x: Tensor, c: Tensor): Tensor {
  return runKernel(stepKernel, [x, c], { sim });
}

interface TermAttrs {
  loss: Loss;
  stateSize: number;
  n: number;
  Nt: number;
}

const termKernel: Kernel<TermAttrs> = registerKernel<TermAttrs>({
  name: 'LossTerm',
  forward: ([x], { loss, stateSize, n, Nt }) => {
    const B = batchOf(x!, stateSize, 'state');
    return { data: Float64Array.of(loss.term(x!.data, n, Nt, B, null)), shape: [] };
  },
  vjp: (g, [x], _y, { loss, stateSize, n, Nt }) => {
    const B = x!.size / stateSize;
    const xBar = new Float64Array(x!.size);
    loss.term(x!.data, n, Nt, B, xBar);
    for (let i = 0; i < xBar.length; i++) xBar[i]! *= g[0]!;
    return [xBar];
  },
});

/** The loss term of step n as a differentiable scalar. */
export function lossTerm(loss: Loss, stateSize: number, x: Tensor, n: number, Nt: number): Tensor {
  return runKernel(termKernel, [x], { loss, stateSize, n, Nt });
}
