/**
 * Warm starts: a run whose initial weights come from a saved controller (a file or a stored run)
 * instead of its seed. The weights must fit the run's controller exactly (same parameter names
 * and shapes); they enter the run as its epoch-0 snapshot, so a resumed run starts from them too.
 */
import type { ParamSpec } from '../nn/controller.js';
import { paramsFromNamedArrays, paramsToNamedArrays, type NamedArray } from '../nn/serialize.js';
import { createOptimizer } from '../optim/optimizers.js';
import type { ProblemInstance } from '../physics/problem.js';
import type { TrainConfig } from './config.js';
import type { TrainSnapshot } from './trainer.js';

/** "6→100→100→1"-style summary of a layout: every array's name and shape. */
export function describeLayout(layout: readonly ParamSpec[]): string {
  return layout.map((p) => `${p.name} [${p.shape.join('×')}]`).join(', ');
}

/**
 * The flat θ of the run's controller from named arrays saved elsewhere; `what` names the source
 * in the one-line error when the architectures differ.
 */
export function warmStartParams(problem: ProblemInstance, arrays: readonly NamedArray[], what: string): Float64Array {
  try {
    return paramsFromNamedArrays(problem.controller.layout, arrays);
  } catch (e) {
    const saved = arrays.map((a) => `${a.name} [${a.shape.join('×')}]`).join(', ');
    throw new Error(
      `--init: ${what} does not fit this run's controller (${(e as Error).message}); it has ${saved || 'no arrays'}, ` +
        `the run needs ${describeLayout(problem.controller.layout)}: the input and output sizes follow the problem's settings, the hidden layers --width, --depth, --hidden and --bias; give the saved controller's`,
    );
  }
}

/** Flat θ of a stored run's checkpoint as named arrays of its own controller's layout. */
export function namedArraysOf(problem: ProblemInstance, params: readonly number[]): NamedArray[] {
  if (params.length !== problem.controller.paramCount) {
    throw new Error(`the checkpoint holds ${params.length} parameters, its controller needs ${problem.controller.paramCount}`);
  }
  return paramsToNamedArrays(problem.controller.layout, Float64Array.from(params));
}

/** The epoch-0 snapshot of a warm-started run: the given weights and a fresh optimizer. */
export function warmStartSnapshot(config: TrainConfig, params: Float64Array): TrainSnapshot {
  const optimizer = createOptimizer(config.optimizer, params.length, config.lr, undefined, config.optimizerParams).state();
  return { epoch: 0, params: Array.from(params), optimizer, records: [] };
}
