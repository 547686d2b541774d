/**
 * What a run needs in memory at least, from its problem's sizes: the unrolled trajectories of a
 * batch with their cotangents and the controller's activations (Nt·B rows), the two evaluation
 * unrolls over the whole training and test sets, the datasets, parameters and optimizer state.
 * The simulator's own workspace is not counted, so the figure is a floor: a run above the
 * memory available cannot succeed, and is refused before anything is stored.
 *
 * No Node built-ins here: the caller passes the memory available (the CLI: the machine's).
 */
import type { ProblemInstance } from '../physics/problem.js';
import type { TrainConfig } from './config.js';

/** Largest typed array (elements) and WebAssembly memory (bytes) a run may ask for. */
export const MAX_ARRAY_LENGTH = 2 ** 32 - 1;
export const MAX_WASM_BYTES = 4 * 2 ** 30;

/**
 * Numbers one row of the controller's activations holds (its input included), from its parameter
 * layout: each kernel [… fan-in …][out] adds `out` numbers per position, and multiply-adds per
 * row = Σ kernel sizes × positions, so activations ≈ macsPerRow × Σ out / Σ kernel size (exact for
 * an MLP, and for a CNN whose layers keep the grid).
 */
export function activationNumbersPerRow(instance: ProblemInstance): number {
  const c = instance.controller;
  let outs = 0;
  let sizes = 0;
  for (const p of c.layout) {
    if (p.shape.length < 2) continue;
    outs += p.shape[p.shape.length - 1]!;
    sizes += p.size;
  }
  return c.inputSize + (sizes > 0 ? Math.ceil((c.macsPerRow * outs) / sizes) : c.outputSize);
}

export interface MemoryEstimate {
  /** Bytes the run needs at least. */
  bytes: number;
  /** The largest single array, elements. */
  largestArray: number;
  /** Bytes of the training batch's activation rows (held in WebAssembly memory by some controllers). */
  activationBytes: number;
}

export function estimateRunMemory(instance: ProblemInstance, config: Pick<TrainConfig, 'batch' | 'trainSize' | 'testSize'>): MemoryEstimate {
  const S = instance.simulator.stateSize;
  const C = instance.simulator.controlSize;
  const N = instance.steps;
  const P = instance.controller.paramCount;
  const A = activationNumbersPerRow(instance);
  const { batch, trainSize, testSize } = config;
  const rows = N * batch;
  // Trajectory and controls, activations, two sweeps of control cotangents and adjoints.
  const training = (N + 1) * batch * S + rows * C + rows * A + 2 * (rows * C + rows * A);
  const evaluation = (T: number): number => (N + 1) * T * S + N * T * C + T * A;
  const numbers = training + evaluation(trainSize) + evaluation(testSize) + (trainSize + testSize) * S + 6 * P;
  const largestArray = Math.max((N + 1) * Math.max(batch, trainSize, testSize) * S, rows * A);
  return { bytes: 8 * numbers, largestArray, activationBytes: 8 * rows * A };
}

const gb = (bytes: number): string => `${(bytes / 2 ** 30).toPrecision(3)} GiB`;

/**
 * Refuses a run that cannot fit: one line naming the sizes that decide it (steps, batch, set
 * sizes, controller) and the limit. `availableBytes`: the memory it may use.
 */
export function checkRunMemory(instance: ProblemInstance, config: TrainConfig, availableBytes: number): void {
  const e = estimateRunMemory(instance, config);
  const sizes = `${instance.steps} steps × batch ${config.batch}, --train-size ${config.trainSize}, --test-size ${config.testSize}, state ${instance.simulator.stateSize}, controller ${instance.controller.paramCount} parameters`;
  if (e.bytes > availableBytes) {
    throw new Error(`this run needs at least ${gb(e.bytes)} of memory (${sizes}), more than the ${gb(availableBytes)} available; lower --steps, --batch, --train-size or --test-size`);
  }
  if (e.largestArray > MAX_ARRAY_LENGTH) {
    throw new Error(`this run needs an array of ${e.largestArray.toExponential(2)} numbers (${sizes}), more than the limit of ${MAX_ARRAY_LENGTH}; lower --steps, --batch, --train-size or --test-size`);
  }
  if (e.activationBytes > MAX_WASM_BYTES) {
    throw new Error(`the controller's activations need ${gb(e.activationBytes)} (${sizes}), more than the ${gb(MAX_WASM_BYTES)} limit of WebAssembly memory; lower --steps or --batch`);
  }
}
