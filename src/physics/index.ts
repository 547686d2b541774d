/** The problems by name. */
import { cartpole } from './cartpole/index.js';
import { repulsion } from './repulsion/index.js';
import { quantum } from './quantum/index.js';
import type { ProblemDefinition } from './problem.js';

export * from './problem.js';
export * from './simulator.js';
export * from './kernel.js';
export { cartpole, repulsion, quantum };

export const PROBLEMS: Readonly<Record<string, ProblemDefinition>> = { cartpole, repulsion, quantum };

export function getProblem(name: string): ProblemDefinition {
  const p = PROBLEMS[name];
  if (!p) throw new Error(`unknown problem "${name}"; accepted: ${Object.keys(PROBLEMS).join(', ')}`);
  return p;
}
