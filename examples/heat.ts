/**
 * Heat-equation control — a PDE problem in one file, with automatic gradients.
 *
 * A rod on [0, 1] with its ends held at 0 obeys u_t = κ·u_xx + Σ_k c_k·φ_k(x): K heaters with
 * Gaussian profiles φ_k, driven by the controller, must bring the temperature profile u(x) from a
 * random smooth start to the target sin(πx)/2 and keep it there (a CONTINUOUS loss: the mean
 * squared distance at every step). Finite differences on N interior points, explicit Euler in time
 * (stable while dt ≤ dx²/(2κ); the settings are checked).
 *
 *   npx sbptt check examples/heat.ts
 *   npx sbptt train examples/heat.ts --mode C --epochs 50
 */
import { add, concat, defineProblem, matmul, mean, mul, slice, square, sub, tensor, zeros } from 'stable-bptt';

export default defineProblem({
  name: 'heat',
  title: '1-D heat equation driven towards a target profile (example)',
  settings: [
    { key: 'points', flag: 'points', kind: 'int', default: 24, min: 4, max: 1024, help: 'interior grid points N' },
    { key: 'heaters', flag: 'heaters', kind: 'int', default: 4, min: 1, max: 64, help: 'heaters K (the control has K numbers)' },
    { key: 'kappa', flag: 'kappa', kind: 'number', default: 0.01, min: 1e-9, help: 'diffusivity κ' },
    { key: 'steps', flag: 'steps', kind: 'int', default: 40, min: 1, max: 10000, help: 'unrolled steps Nt' },
    { key: 'duration', flag: 'duration', kind: 'number', default: 1, min: 1e-6, help: 'simulated time T (dt = T/Nt)' },
  ],
  controller: { kind: 'mlp', hidden: [64, 64] },
  complexity: { key: 'heaters', values: [2, 4, 8] },
  training: { epochs: 100, lr: 1e-3, trainSize: 64, testSize: 64 },
  build(s) {
    const N = s.points as number, K = s.heaters as number, kappa = s.kappa as number, steps = s.steps as number;
    const dx = 1 / (N + 1), dt = (s.duration as number) / steps;
    const dtMax = (dx * dx) / (2 * kappa);
    if (dt > dtMax) {
      const need = Math.ceil((s.duration as number) / dtMax);
      throw new Error(`--steps: got ${steps}, but dt = T/Nt = ${dt.toPrecision(3)} exceeds dx²/(2κ) = ${dtMax.toPrecision(3)} (explicit Euler is unstable); use --steps ${need} or more`);
    }
    const grid = Array.from({ length: N }, (_, i) => (i + 1) * dx);
    // Heater k: a Gaussian of width 1/(2K) centred at (k + ½)/K; rows of φ are [K][N].
    const phi = tensor(
      Array.from({ length: K * N }, (_, j) => {
        const k = Math.floor(j / N), x = grid[j % N]!;
        return Math.exp(-0.5 * ((x - (k + 0.5) / K) * 2 * K) ** 2);
      }),
      [K, N],
    );
    const target = tensor(grid.map((x) => 0.5 * Math.sin(Math.PI * x)), [1, N]);
    const r = (kappa * dt) / (dx * dx);
    return {
      stateSize: N,
      controlSize: K,
      steps,
      dt,
      sample: (n, rng) => {
        // Random smooth profiles: three sine modes with normal amplitudes.
        const out = new Float64Array(n * N);
        for (let b = 0; b < n; b++) {
          const a = [rng.normal() * 0.5, rng.normal() * 0.3, rng.normal() * 0.2];
          for (let i = 0; i < N; i++) out[b * N + i] = a.reduce((acc, ak, j) => acc + ak * Math.sin((j + 1) * Math.PI * grid[i]!), 0);
        }
        return out;
      },
      step: (u, c) => {
        const B = u.shape[0]!;
        const wall = zeros([B, 1]);
        const left = concat([wall, slice(u, 1, 0, N - 1)], 1);
        const right = concat([slice(u, 1, 1, N), wall], 1);
        const laplacian = sub(add(left, right), mul(2, u));
        return add(add(u, mul(r, laplacian)), mul(dt, matmul(c, phi)));
      },
      loss: { kind: 'continuous', term: (u, { Nt }) => mul(1 / Nt, mean(square(sub(u, target)))) },
    };
  },
});
