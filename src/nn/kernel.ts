/**
 * Any controller as an engine kernel: y = N(x; θ) with the controller's own fused
 * forward and hand-written backward as its VJP. This is how the fused network code is
 * gradchecked and how it enters reference (autodiff) unrolls.
 */
import { registerKernel, runKernel, type Kernel } from '../engine/kernel.js';
import { Tensor } from '../engine/tensor.js';
import type { Controller } from './controller.js';

const kernel: Kernel<{ controller: Controller }> = registerKernel<{ controller: Controller }>({
  name: 'Controller',
  forward: ([x, theta], { controller }) => {
    const n = x!.size / controller.inputSize;
    if (!Number.isInteger(n) || theta!.size !== controller.paramCount) {
      throw new Error(`controller kernel: x [${x!.shape.join(', ')}] or θ (${theta!.size}) does not fit the controller`);
    }
    const acts = controller.createActivations(n);
    const y = new Float64Array(n * controller.outputSize);
    controller.forward(theta!.data, x!.data, 0, y, 0, 0, n, acts);
    controller.release?.(acts);
    return { data: y, shape: [n, controller.outputSize] };
  },
  vjp: (g, [x, theta], _y, { controller }) => {
    const n = x!.size / controller.inputSize;
    const acts = controller.createActivations(n);
    controller.forward(theta!.data, x!.data, 0, new Float64Array(n * controller.outputSize), 0, 0, n, acts);
    const adj = controller.createAdjoints(n);
    const xBar = x!.traced ? new Float64Array(x!.size) : null;
    controller.backward(theta!.data, g, 0, 0, n, acts, adj, xBar, 0);
    const thetaBar = new Float64Array(controller.paramCount);
    controller.accumulateParamGrad(acts, [adj], 0, n, [thetaBar]);
    controller.release?.(acts);
    controller.release?.(adj);
    return [xBar, thetaBar];
  },
});

/** y [n][out] = N(x [n][in]; θ), differentiable in x and θ. */
export function applyController(controller: Controller, x: Tensor, theta: Tensor): Tensor {
  return runKernel(kernel, [x, theta], { controller });
}
