/** Guidance by repulsion (docs/problems.md): settings, data, controller and preset. */
import type { Rng } from '../../engine/random.js';
import { defineProblem } from '../define.js';
import { repulsionScene } from './scene.js';
import type { RepulsionConstants } from './forces.js';
import { RepulsionLoss } from './loss.js';
import { RepulsionSimulator } from './step.js';
import { repulsionLossTerm, repulsionTensorStep } from './tensor.js';

export * from './forces.js';
export { RepulsionSimulator, type RepulsionOptions } from './step.js';
export { RepulsionLoss } from './loss.js';
export { repulsionLossTerm, repulsionTensorStep } from './tensor.js';
export { repulsionScene } from './scene.js';

/** The published constants (dt = T/Nt comes from the settings). */
export const REPULSION_CONSTANTS: Readonly<Omit<RepulsionConstants, 'dt'>> = {
  eps: 0.1,
  cEvade: 15,
  cFricEv: 4,
  cFlock: 0.2,
  dFlock: 0.5,
  cFricDr: 1,
  cSpread: 0.2,
};

/**
 * n initial states [n][drivers + evaders][2][2], velocities zero. Per sample, in this draw order:
 * each driver at radius r ~ U[3, 4], angle ~ U[0, 2π); one evader centre at r ~ U[1, 2],
 * angle ~ U[0, 2π); each evader at that centre plus an offset ~ U[−0.5, 0.5]² (x then y).
 */
export function sampleRepulsion(drivers: number, evaders: number, n: number, rng: Rng): Float64Array {
  const S = 4 * (drivers + evaders);
  const out = new Float64Array(n * S);
  const polar = (o: number, rMin: number, rMax: number): void => {
    const r = rng.uniform(rMin, rMax);
    const phi = rng.uniform(0, 2 * Math.PI);
    out[o] = r * Math.cos(phi);
    out[o + 1] = r * Math.sin(phi);
  };
  for (let b = 0; b < n; b++) {
    const o = b * S;
    for (let d = 0; d < drivers; d++) polar(o + 4 * d, 3, 4);
    const r = rng.uniform(1, 2);
    const phi = rng.uniform(0, 2 * Math.PI);
    const cx = r * Math.cos(phi), cy = r * Math.sin(phi);
    for (let e = drivers; e < drivers + evaders; e++) {
      out[o + 4 * e] = cx + rng.uniform(-0.5, 0.5);
      out[o + 4 * e + 1] = cy + rng.uniform(-0.5, 0.5);
    }
  }
  return out;
}

const constant = (key: keyof typeof REPULSION_CONSTANTS, flag: string, help: string, min = 0) =>
  ({ key, flag, kind: 'number', default: REPULSION_CONSTANTS[key], min, help }) as const;

export const repulsion = defineProblem({
  name: 'repulsion',
  title: 'guidance by repulsion (drivers herd evaders)',
  settings: [
    { key: 'drivers', flag: 'drivers', kind: 'int', default: 2, min: 1, max: 64, help: 'number of controlled drivers (paper: 2)' },
    { key: 'evaders', flag: 'evaders', kind: 'int', default: 4, min: 1, max: 64, help: 'number of evaders to herd to the origin (paper: 4)' },
    {
      key: 'rc',
      flag: 'rc',
      kind: 'number',
      default: 0.1,
      min: 0,
      help: 'control regularisation weight rc (paper grid: 1, 0.1, 0.01, 0.001; default 0.1)',
    },
    { key: 'steps', flag: 'steps', kind: 'int', default: 60, min: 1, max: 100_000, help: 'unrolled steps Nt' },
    { key: 'duration', flag: 'duration', kind: 'number', default: 4, min: 1e-6, help: 'simulated time T (dt = T/Nt)' },
    {
      key: 'loss',
      flag: 'loss',
      kind: 'choice',
      default: 'continuous',
      choices: ['continuous', 'final'],
      implicit: true,
      help: "continuous: evaders' squared distance to the target averaged over every step (the paper); final: of the last state only",
    },
    constant('eps', 'eps', 'softening ε added to every distance (d = ε + |Δ|)', 1e-12),
    constant('cEvade', 'c-evade', 'strength of the evaders’ flight from drivers'),
    constant('cFricEv', 'c-fric-ev', 'evader friction'),
    constant('cFlock', 'c-flock', 'evader flocking strength'),
    constant('dFlock', 'd-flock', 'flocking distance: closer evaders attract, farther ones repel'),
    constant('cFricDr', 'c-fric-dr', 'driver friction'),
    constant('cSpread', 'c-spread', 'strength of the drivers’ mutual repulsion'),
  ],
  controller: { kind: 'mlp', hidden: [100, 100], zeroLastKernel: true },
  complexity: { key: 'rc', values: [1, 0.1, 0.01, 0.001] },
  reportsPhysicsLoss: true,
  training: { epochs: 1000 },
  presentation: { scene: repulsionScene },
  build(s) {
    const drivers = s.drivers as number;
    const evaders = s.evaders as number;
    const steps = s.steps as number;
    const kind = s.loss as 'final' | 'continuous';
    const k: RepulsionConstants = { ...REPULSION_CONSTANTS, dt: (s.duration as number) / steps };
    for (const key of Object.keys(REPULSION_CONSTANTS) as (keyof typeof REPULSION_CONSTANTS)[]) {
      if (s[key] !== undefined) k[key] = s[key] as number;
    }
    const simulator = new RepulsionSimulator(drivers, evaders, k);
    return {
      stateSize: simulator.stateSize,
      controlSize: simulator.controlSize,
      steps,
      dt: k.dt,
      sample: (n, rng) => sampleRepulsion(drivers, evaders, n, rng),
      step: repulsionTensorStep(drivers, evaders, k),
      fusedStep: simulator,
      loss: { kind, term: repulsionLossTerm(drivers, evaders, kind), fused: new RepulsionLoss(drivers, evaders, kind) },
      controlCost: s.rc as number,
      referenceDataset: drivers === 2 && evaders === 4 ? 'repulsion-2x4.json' : null,
    };
  },
});
