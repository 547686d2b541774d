/** Quantum control: state transfer in a 1-D box (docs/problems.md): settings, data, controller and preset. */
import type { Rng } from '../../engine/random.js';
import { Cnn } from '../../nn/cnn.js';
import { defineProblem } from '../define.js';
import { quantumScene } from './scene.js';
import { eigenstate } from './eigen.js';
import { QuantumLoss } from './loss.js';
import { QuantumSimulator, type QuantumGrid } from './step.js';

export { QuantumSimulator, QuantumLoss, quantumScene };
export { float32Grid, type QuantumGrid } from './step.js';
export { eigenstate, eigenstateState, overlap } from './eigen.js';
export { solveTridiagonal, solveTridiagonalVjp } from './tridiagonal.js';

export const WEIGHTINGS = ['1-1', '3-1', '7-1', '15-1'] as const;

/** "a-b" → [a, b]: the standard deviations of c1 and c2. */
export function parseWeighting(text: string): [number, number] {
  const m = /^(\d+(?:\.\d+)?)-(\d+(?:\.\d+)?)$/.exec(text.trim());
  const w = m ? [Number(m[1]), Number(m[2])] : [];
  if (!m || !(w[0]! > 0) || !(w[1]! > 0)) throw new Error(`--weighting: got "${text}", expected one of ${WEIGHTINGS.join(', ')}`);
  return [w[0]!, w[1]!];
}

/**
 * n initial states [n][Nx][2]: ψ0 = (c1·e^{i p1}·φ1 + c2·e^{i p2}·φ2) / √(c1² + c2²) with, for the
 * weighting "a-b", c1 = a·z1 and c2 = b·z2 (z ~ N(0, 1)), i.e. the weighting scales the standard
 * deviations and the normalisation uses the scaled coefficients; p1, p2 ~ U[0, 2π).
 * Draw order as the published generator: all z1, then all z2, then all p1, then all p2.
 * (With "3-1" the mean of |⟨φ1, ψ0⟩|² is a/(a+b) = 0.75 and its median a²/(a²+b²) = 0.9.)
 */
export function sampleQuantum(nx: number, weighting: string, n: number, rng: Rng): Float64Array {
  const [a, b] = parseWeighting(weighting);
  const phi1 = eigenstate(nx, 1);
  const phi2 = eigenstate(nx, 2);
  const c1 = Float64Array.from({ length: n }, () => a * rng.normal());
  const c2 = Float64Array.from({ length: n }, () => b * rng.normal());
  const p1 = Float64Array.from({ length: n }, () => rng.uniform(0, 2 * Math.PI));
  const p2 = Float64Array.from({ length: n }, () => rng.uniform(0, 2 * Math.PI));
  const S = 2 * nx;
  const out = new Float64Array(n * S);
  for (let s = 0; s < n; s++) {
    const norm = 1 / Math.sqrt(c1[s]! * c1[s]! + c2[s]! * c2[s]!);
    const ar = c1[s]! * Math.cos(p1[s]!) * norm, ai = c1[s]! * Math.sin(p1[s]!) * norm;
    const br = c2[s]! * Math.cos(p2[s]!) * norm, bi = c2[s]! * Math.sin(p2[s]!) * norm;
    for (let k = 0; k < nx; k++) {
      out[s * S + 2 * k] = ar * phi1[k]! + br * phi2[k]!;
      out[s * S + 2 * k + 1] = ai * phi1[k]! + bi * phi2[k]!;
    }
  }
  return out;
}

export const quantum = defineProblem({
  name: 'quantum',
  title: 'quantum state transfer in a 1-D box',
  settings: [
    { key: 'nx', flag: 'nx', kind: 'int', default: 32, min: 8, max: 4096, help: 'interior grid points Nx (even; paper: 32)' },
    { key: 'steps', flag: 'steps', kind: 'int', default: 128, min: 1, max: 100_000, help: 'unrolled steps Nt' },
    { key: 'dt', flag: 'dt', kind: 'number', default: 0.0625, min: 1e-6, help: 'Crank–Nicolson time step' },
    { key: 'target', flag: 'target', kind: 'int', default: 3, min: 1, max: 4096, help: 'target eigenstate n (1 = ground state; paper: 3, 4, 5), at most Nx' },
    { key: 'weighting', flag: 'weighting', kind: 'choice', default: '1-1', choices: WEIGHTINGS, help: 'a-b: c1 ~ N(0, a²), c2 ~ N(0, b²) in the initial superposition' },
    { key: 'loss', flag: 'loss', kind: 'choice', default: 'continuous', choices: ['continuous', 'final'], help: 'infidelity summed over every step, or of the last step only' },
    { key: 'width', flag: 'width', kind: 'int', default: 60, min: 1, max: 1024, help: 'filters of both CNN convolutions' },
    {
      key: 'grid',
      flag: 'grid',
      kind: 'choice',
      default: 'exact',
      choices: ['exact', 'float32'],
      implicit: true,
      help: "the potential's coordinates x_k: exact k·dx, or float32: the published code's float32 range (its quirk)",
    },
  ],
  // The paper counts eigenstates from 0: our target n is its n − 1.
  complexity: { key: 'target', values: [3, 4, 5], label: (v) => `target ${String(v)} (paper: ${Number(v) - 1})` },
  controller: ({ stateSize, settings }) => new Cnn({ gridPoints: stateSize / 2, width: settings.width as number }),
  updateSizePanel: true,
  training: { epochs: 1000 },
  presentation: { scene: quantumScene },
  build(s) {
    const nx = s.nx as number;
    const target = s.target as number;
    const weighting = s.weighting as string;
    const steps = s.steps as number;
    if (nx % 2 !== 0) {
      throw new Error(
        `--nx: got ${nx}, expected an even number ≥ 8: the quantum problem keeps the published even grids (Nx = 32), ` +
          `on which the CNN's 3×2 stride-2 Conv2D reads grid points 1 … Nx−1 and leaves the last one unread; ` +
          `an odd Nx would change what the controller sees`,
      );
    }
    if (target > nx) throw new Error(`--target: got ${target}, expected an integer from 1 to Nx = ${nx}`);
    parseWeighting(weighting);
    const simulator = new QuantumSimulator(nx, s.dt as number, s.grid as QuantumGrid);
    const kind = s.loss as 'continuous' | 'final';
    return {
      stateSize: simulator.stateSize,
      controlSize: simulator.controlSize,
      steps,
      dt: s.dt as number,
      sample: (n, rng) => sampleQuantum(nx, weighting, n, rng),
      fusedStep: simulator,
      loss: { kind, fused: new QuantumLoss(nx, target, kind) },
      referenceDataset: nx === 32 ? `quantum-nx32-w${weighting}.json` : null,
    };
  },
});
