/** Multi-pole cart-pole swing-up (docs/problems.md): settings, data, controller and preset. */
import type { Rng } from '../../engine/random.js';
import { Mlp } from '../../nn/mlp.js';
import { MLP_SETTINGS, type ProblemDefinition, type ProblemInstance, type Settings } from '../problem.js';
import { CartpoleFinalLoss } from './loss.js';
import { CartpoleSimulator, type CartpoleConstants } from './step.js';

export { CartpoleSimulator, CartpoleFinalLoss };

export const CARTPOLE_CONSTANTS: Omit<CartpoleConstants, 'dt'> = { g: 9.8, m: 0.1, M: 1.1, l: 0.5 };

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

export const cartpole: ProblemDefinition = {
  name: 'cartpole',
  title: 'multi-pole cart-pole swing-up',
  settings: [
    { key: 'poles', flag: 'poles', kind: 'int', default: 2, min: 1, max: 16, help: 'number of poles on the cart (paper: 1–4)' },
    { key: 'steps', flag: 'steps', kind: 'int', default: 100, min: 1, help: 'unrolled steps Nt' },
    { key: 'duration', flag: 'duration', kind: 'number', default: 1, min: 1e-6, help: 'simulated time T (dt = T/Nt)' },
    ...MLP_SETTINGS,
  ],
  complexity: { key: 'poles', values: [1, 2, 3, 4] },
  reportsPhysicsLoss: false,
  training: { epochs: 1000, lr: 1e-3, batch: 8, trainSize: 256, testSize: 256, optimizer: 'ADAM', clip: 'NONE', clipValue: 1, mode: 'combined' },
  create(s: Settings): ProblemInstance {
    const poles = s.poles as number;
    const steps = s.steps as number;
    const simulator = new CartpoleSimulator(poles, { ...CARTPOLE_CONSTANTS, dt: (s.duration as number) / steps });
    const controller = new Mlp({
      inputSize: simulator.stateSize,
      hidden: Array.from({ length: s.depth as number }, () => s.width as number),
      outputSize: 1,
      zeroLastKernel: s.zeroLastKernel as boolean,
    });
    return {
      simulator,
      loss: new CartpoleFinalLoss(poles),
      steps,
      controller,
      rc: 0,
      sample: (n, rng) => sampleCartpole(poles, n, rng),
      referenceDataset: poles <= 4 ? `cartpole-poles${poles}.json` : null,
    };
  },
};
