/** Problems: the public way to define one (defineProblem), the checks, and the three built-in problems. */
import { cartpole } from './cartpole/index.js';
import { repulsion } from './repulsion/index.js';
import { quantum } from './quantum/index.js';
import type { ProblemDefinition } from './problem.js';

export * from './problem.js';
export * from './numbers.js';
export * from './presentation.js';
export * from './simulator.js';
export * from './kernel.js';
export * from './define.js';
export { checkProblem, vjpErrors, type CheckOptions, type CheckPart } from './check.js';
export { genericScene, sceneFor } from './scene/generic.js';
export { RecordedLoss, RecordedSimulator } from './recorded.js';
export { cartpole, repulsion, quantum };

/** The problems that ship with stable-bptt; the CLI accepts their names as well as module paths. */
export const BUILTIN_PROBLEMS: readonly ProblemDefinition[] = [cartpole, repulsion, quantum];
