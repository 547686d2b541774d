/**
 * Recorded tensor code vs the eager engine vs the fused kernel, on the cart-pole step
 * written in ordinary engine ops: microseconds per forward + backward at batch 8.
 * Also checks the tensor step against the fused CartpoleSimulator (relative 1e-12).
 * Usage: node --import tsx bench/record-bench.ts [--poles n] [--reps n]
 */
import {
  add, concat, cos, div, mul, record, reshape, Rng, sin, slice, squeeze, stack, sub, sum, Tensor, vjp,
} from '../src/engine/index.js';
import { CartpoleSimulator, type CartpoleConstants } from '../src/physics/cartpole/step.js';

const K: CartpoleConstants = { g: 9.8, m: 0.1, M: 1.1, l: 0.5, dt: 0.02 };

/** One semi-implicit Euler step; x [B][2(1+NP)] laid out as [x, ẋ, θ_1, θ̇_1, …], c [B][1]. */
function cartpoleStep(poles: number, x: Tensor, c: Tensor): Tensor {
  const { g, m, M, l, dt } = K;
  const B = x.shape[0]!;
  const xs = reshape(x, [B, 1 + poles, 2]);
  const cart = squeeze(slice(xs, 1, 0), 1); // [B][2]
  const pole = slice(xs, 1, 1, 1 + poles); // [B][NP][2]
  const th = squeeze(slice(pole, 2, 0), 2);
  const thd = squeeze(slice(pole, 2, 1), 2);
  const s = sin(th);
  const k = cos(th);
  const q = mul(mul(s, thd), thd);
  const A = div(add(c, mul(m * l, q)), M);
  const Bi = mul(l, sub(4 / 3, div(mul(mul(m, k), k), M)));
  const tdd = div(sub(mul(g, s), mul(k, A)), Bi);
  const C = sum(sub(q, mul(tdd, k)), 1, true); // [B][1]
  const thdN = add(thd, mul(dt, tdd));
  const thN = add(th, mul(dt, thdN));
  const xdd = div(add(c, mul(m * l, C)), M);
  const xdN = add(slice(cart, 1, 1), mul(dt, xdd));
  const xN = add(slice(cart, 1, 0), mul(dt, xdN));
  const next = concat([stack([xN, xdN], 2), stack([thN, thdN], 2)], 1);
  return reshape(next, [B, 2 * (1 + poles)]);
}

function opsIn(t: Tensor): number {
  const seen = new Set<Tensor>();
  const walk = (u: Tensor): void => {
    if (seen.has(u) || !u.node) return;
    seen.add(u);
    u.node.parents.forEach(walk);
  };
  walk(t);
  return seen.size;
}

/** Median over 7 runs of CPU µs per call (CPU time, not wall time: the machine is shared). */
function microseconds(f: () => void, reps: number): number {
  for (let i = 0; i < Math.max(50, reps / 10); i++) f();
  const samples: number[] = [];
  for (let s = 0; s < 7; s++) {
    const t0 = process.cpuUsage();
    for (let i = 0; i < reps; i++) f();
    const t = process.cpuUsage(t0);
    samples.push((t.user + t.system) / reps);
  }
  return samples.sort((a, b) => a - b)[3]!;
}

const args = process.argv.slice(2);
const poles = args.includes('--poles') ? Number(args[args.indexOf('--poles') + 1]) : 1;
const reps = args.includes('--reps') ? Number(args[args.indexOf('--reps') + 1]) : 20000;
const B = 8;
const S = 2 * (1 + poles);
const rng = new Rng(1);
const x = new Tensor(Float64Array.from({ length: B * S }, () => rng.uniform(-1, 1)), [B, S]);
const c = new Tensor(Float64Array.from({ length: B }, () => rng.uniform(-1, 1)), [B, 1]);
const xBarOut = Float64Array.from({ length: B * S }, () => rng.uniform(-1, 1));
const step = (xt: Tensor, ct: Tensor): Tensor => cartpoleStep(poles, xt, ct);

// Correctness first: tensor step and its autodiff VJP against the fused simulator.
const sim = new CartpoleSimulator(poles, K);
const fused = new Float64Array(B * S);
sim.step(x.data, c.data, fused, B);
const fusedXBar = new Float64Array(B * S);
const fusedCBar = new Float64Array(B);
sim.stepVjp(x.data, c.data, fused, xBarOut, fusedXBar, fusedCBar, B);
const rec = record(step, [x, c]);
const y = rec.forward([x.data, c.data]);
const xBar = new Float64Array(B * S);
const cBar = new Float64Array(B);
rec.backward(xBarOut, [xBar, cBar]);
const relErr = (a: Float64Array, b: Float64Array): number => {
  let e = 0, s = 1e-300;
  for (let i = 0; i < a.length; i++) (e = Math.max(e, Math.abs(a[i]! - b[i]!))), (s = Math.max(s, Math.abs(b[i]!)));
  return e / s;
};
const err = Math.max(relErr(y, fused), relErr(xBar, fusedXBar), relErr(cBar, fusedCBar));
if (!(err <= 1e-12)) throw new Error(`tensor cart-pole differs from the fused step: relative error ${err}`);

const eager = (): void => {
  const { pullback } = vjp(step, [x, c]);
  pullback(xBarOut);
};
const replay = (): void => {
  rec.forward([x.data, c.data]);
  xBar.fill(0);
  cBar.fill(0);
  rec.backward(xBarOut, [xBar, cBar]);
};
const fusedRun = (): void => {
  sim.step(x.data, c.data, fused, B);
  fusedXBar.fill(0);
  sim.stepVjp(x.data, c.data, fused, xBarOut, fusedXBar, fusedCBar, B);
};
const tEager = microseconds(eager, Math.max(1, reps / 10));
const tReplay = microseconds(replay, reps);
const tFused = microseconds(fusedRun, reps);
console.log(`cart-pole step in tensor code, ${poles} pole(s), batch ${B}: ${opsIn(vjp(step, [x, c]).value)} ops; matches the fused step (rel. error ${err.toExponential(1)})`);
console.log(`CPU µs per forward + backward (median of 7): eager ${tEager.toFixed(2)}, recorded replay ${tReplay.toFixed(2)}, fused ${tFused.toFixed(3)}`);
console.log(`eager / replay ${(tEager / tReplay).toFixed(1)}×, replay / fused ${(tReplay / tFused).toFixed(1)}×`);
