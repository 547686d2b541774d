/** A stored run's trained controller rolled out (forward only) from the run's first test states. */
import { Unroll } from '../../bptt/unroll.js';
import type { ProblemDefinition, ProblemInstance, Settings } from '../../physics/index.js';
import { controllerFromJson } from '../../train/controller-file.js';
import { datasetFor } from '../datasets.js';
import type { RunStore, StoredRun } from '../store.js';
import type { Rollout } from '../../physics/presentation.js';

export interface RunRollout {
  run: StoredRun;
  rollout: Rollout;
  /** The rollout's loss (with the regularisation term) over the animated samples. */
  loss: number;
}

function noController(run: StoredRun): Error {
  if (run.status === 'failed') {
    const why = run.reason ? ` (${run.reason.split('\n')[0]})` : '';
    return new Error(`run ${run.id} failed before storing a trained controller${why}; there is nothing to animate`);
  }
  return new Error(
    `run ${run.id} has no trained controller yet (status ${run.status}); animate it once it has finished (\`sbptt runs\` shows its status)`,
  );
}

/** The run and its stored controller; clear errors for an unknown id or a run without one. */
export async function loadTrainedController(
  store: RunStore,
  id: number,
  def: ProblemDefinition,
): Promise<{ run: StoredRun; problem: ProblemInstance; settings: Settings; params: Float64Array }> {
  const run = await store.run(id);
  const json = await store.controller(id);
  if (!json) throw noController(run);
  const { file, problem, params } = controllerFromJson(json, def);
  return { run, problem, settings: file.settings, params };
}

/** Rolls `params` out from x0 ([samples][stateSize]) without keeping anything for gradients. */
export function rolloutController(
  problem: ProblemInstance,
  params: Float64Array,
  x0: Float64Array,
  samples: number,
): { rollout: Rollout; loss: number } {
  const { simulator, controller, loss, steps, rc } = problem;
  const unroll = new Unroll({ controller, simulator, loss, steps, batch: samples, rc, differentiable: false });
  const result = unroll.forward(params, x0);
  return {
    rollout: {
      problem: problem.definition.name,
      settings: problem.settings,
      steps,
      dt: problem.dt,
      samples,
      stateSize: simulator.stateSize,
      controlSize: simulator.controlSize,
      states: unroll.states,
      controls: unroll.controls,
    },
    loss: result.loss,
  };
}

/** The run's trained controller on its first `samples` test initial states. */
export async function rolloutRun(store: RunStore, id: number, def: ProblemDefinition, samples: number): Promise<RunRollout> {
  if (!Number.isInteger(samples) || samples < 1) throw new Error(`--samples: got "${samples}", expected a positive integer`);
  const { run, problem, params } = await loadTrainedController(store, id, def);
  const S = problem.simulator.stateSize;
  const test = datasetFor(problem, run.config).test;
  const available = test.length / S;
  if (samples > available) throw new Error(`--samples: got ${samples}, but run ${id} has only ${available} test states`);
  const { rollout, loss } = rolloutController(problem, params, test.slice(0, samples * S), samples);
  return { run, rollout, loss };
}
