/**
 * Gradient-flow diagnoses taken while a run trains (`diagnoseEvery` k): at the initialisation and
 * after every k-th epoch, the diagnosis of every base mode (bptt/diagnose.ts) on the run's first
 * `batch` test states, without the horizon curve (it costs Σ Nt' steps). The parameters of that
 * epoch are kept with it, so a diagnosis can be taken again later (other modes, a horizon curve).
 * Diagnoses only read θ: a run's numbers are the same with and without them.
 */
import { diagnoseGradientFlow, type GradientFlow } from '../bptt/diagnose.js';
import type { ProblemInstance } from '../physics/problem.js';
import type { TrainConfig } from './config.js';
import type { Dataset } from './trainer.js';

export interface EpochDiagnosis {
  /** The epoch after which θ was taken (0: the initialisation). */
  epoch: number;
  flow: GradientFlow;
  /** θ at that epoch. */
  params: number[];
}

/** Whether the run diagnoses after `epoch` (0 = before the first). */
export function diagnosisDue(config: TrainConfig, epoch: number): boolean {
  const every = config.diagnoseEvery ?? 0;
  return every > 0 && epoch % every === 0;
}

/** The diagnosis of θ = `params` after `epoch`, on the first min(batch, test size) test states. */
export function diagnoseEpoch(problem: ProblemInstance, config: TrainConfig, data: Dataset, params: Float64Array, epoch: number): EpochDiagnosis {
  const S = problem.simulator.stateSize;
  const B = Math.min(config.batch, config.testSize);
  const flow = diagnoseGradientFlow(problem, params, data.test.subarray(0, B * S), { horizonStride: 0 });
  return { epoch, flow, params: Array.from(params) };
}
