/**
 * Pendulum swing-up — a user-style problem in one file, with automatic gradients.
 *
 * A pendulum hangs at θ = 0; the controller applies a torque u and must bring it upright
 * (θ = ±π) by the end of the horizon. The step is a semi-implicit Euler step of the ODE
 *   θ̈ = −(g/l)·sin θ − b·θ̇ + u/(m·l²),
 * written as engine tensor code: its gradient comes from the engine's autodiff.
 *
 *   npx sbptt check examples/pendulum.ts
 *   npx sbptt train examples/pendulum.ts --mode C --epochs 50
 *   npx sbptt sweep examples/pendulum.ts --modes R,C --clip NONE --epochs 50
 */
import { add, cos, defineProblem, mean, mul, slice, concat, sub, sin, square } from 'stable-bptt';

export default defineProblem({
  name: 'pendulum',
  title: 'pendulum swing-up (example)',
  settings: [
    { key: 'steps', flag: 'steps', kind: 'int', default: 50, min: 1, max: 10000, help: 'unrolled steps Nt' },
    { key: 'duration', flag: 'duration', kind: 'number', default: 3, min: 1e-3, help: 'simulated time T in seconds (dt = T/Nt)' },
    { key: 'damping', flag: 'damping', kind: 'number', default: 0.1, min: 0, help: 'viscous damping b (1/s)' },
    { key: 'rc', flag: 'rc', kind: 'number', default: 0.001, min: 0, help: 'control regularisation weight (rc · mean u²)' },
  ],
  controller: { kind: 'mlp', hidden: [32, 32] },
  // Longer horizons are where backpropagation through time struggles.
  complexity: { key: 'steps', values: [25, 50, 100] },
  training: { epochs: 100, lr: 1e-3, trainSize: 64, testSize: 64 },
  build(s) {
    const g = 9.81, l = 1, m = 1;
    const steps = s.steps as number;
    const dt = (s.duration as number) / steps;
    const b = s.damping as number;
    return {
      stateSize: 2, // [θ, θ̇]
      controlSize: 1, // torque u
      steps,
      dt,
      controlCost: s.rc as number,
      sample: (n, rng) => {
        const x = new Float64Array(2 * n);
        for (let i = 0; i < x.length; i++) x[i] = rng.uniform(-0.5, 0.5);
        return x;
      },
      step: (x, u) => {
        const theta = slice(x, 1, 0), omega = slice(x, 1, 1); // each [B, 1]
        const accel = add(sub(mul(-g / l, sin(theta)), mul(b, omega)), mul(1 / (m * l * l), u));
        const omegaNext = add(omega, mul(dt, accel));
        const thetaNext = add(theta, mul(dt, omegaNext));
        return concat([thetaNext, omegaNext], 1);
      },
      // Upright is θ = ±π, where 1 + cos θ = 0; a little weight on the final speed.
      loss: {
        kind: 'final',
        term: (x) => add(mean(add(cos(slice(x, 1, 0)), 1)), mul(0.01, mean(square(slice(x, 1, 1))))),
      },
    };
  },
});
