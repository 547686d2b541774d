/** Multi-pole cart-pole swing-up (docs/problems.md): settings, data, controller and preset. */
import type { Rng } from '../../engine/random.js';
import { defineProblem } from '../define.js';
import { CartpoleLoss } from './loss.js';
import { CARTPOLE_CONSTANTS, CartpoleSimulator, type CartpoleConstants } from './step.js';
import { cartpoleScene } from './scene.js';
import { cartpoleLossTerm, cartpoleTensorStep } from './tensor.js';

export { CARTPOLE_CONSTANTS, CartpoleSimulator, CartpoleLoss, cartpoleScene, cartpoleTensorStep, cartpoleLossTerm };


/**
 * Initial states [n][1+NP][2]: every entry uniform in [−1, 1], then every pole angle replaced
 * by π + u·π/6 (u uniform in [−1, 1]); the whole array is drawn first, as the published code does.
 */
export function sampleCartpole(poles: number, n: number, rng: Rng): Float64Array {
  const S = 2 * (1 + poles);
  const x = new Float64Array(n * S);
  for (let i = 0; i < x.length; i++) x[i] = rng.uniform(-1, 1);
  for (let b = 0; b < n; b++) for (let i = 1; i <= poles; i++) x[b * S + 2 * i] = Math.PI + (rng.uniform(-1, 1) * Math.PI) / 6;
  return x;
}

export const cartpole = defineProblem({
  name: 'cartpole',
  title: 'multi-pole cart-pole swing-up',
  settings: [
    { key: 'poles', flag: 'poles', kind: 'int', default: 2, min: 1, max: 16, help: 'number of poles on the cart (paper: 1–4)' },
    { key: 'steps', flag: 'steps', kind: 'int', default: 100, min: 1, max: 100_000, help: 'unrolled steps Nt' },
    { key: 'duration', flag: 'duration', kind: 'number', default: 1, min: 1e-6, help: 'simulated time T (dt = T/Nt)' },
    {
      key: 'loss',
      flag: 'loss',
      kind: 'choice',
      default: 'final',
      choices: ['final', 'continuous'],
      implicit: true,
      help: 'final: 1 − mean cos θ of the last state (the paper); continuous: averaged over every step',
    },
  ],
  controller: { kind: 'mlp', hidden: [100, 100], zeroLastKernel: true },
  complexity: { key: 'poles', values: [1, 2, 3, 4] },
  training: { epochs: 1000 },
  presentation: { scene: cartpoleScene },
  build(s) {
    const poles = s.poles as number;
    const steps = s.steps as number;
    const kind = s.loss as 'final' | 'continuous';
    const k: CartpoleConstants = { ...CARTPOLE_CONSTANTS, dt: (s.duration as number) / steps };
    return {
      stateSize: 2 * (1 + poles),
      controlSize: 1,
      steps,
      dt: k.dt,
      sample: (n, rng) => sampleCartpole(poles, n, rng),
      step: cartpoleTensorStep(poles, k),
      fusedStep: new CartpoleSimulator(poles, k),
      loss: { kind, term: cartpoleLossTerm(poles, kind), fused: new CartpoleLoss(poles, kind) },
      referenceDataset: poles <= 4 ? `cartpole-poles${poles}.json` : null,
    };
  },
});
