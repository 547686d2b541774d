/**
 * The page's view of a problem: the server describes it (api-types ProblemInfo) because problems
 * from users' modules are not bundled here; built-in problems are, so their rollouts run in the browser.
 */
import { BUILTIN_PROBLEMS, type ProblemDefinition, type SettingValue } from '../../physics/index.js';
import type { FigureProblem } from '../../runs/figures/data.js';
import type { ProblemInfo } from '../api-types.js';

/** What the figure builders need, from the server's description (labels looked up, not computed). */
export function figureProblem(info: ProblemInfo): FigureProblem {
  const c = info.complexity;
  return {
    name: info.name,
    title: info.title,
    reportsPhysicsLoss: info.reportsPhysicsLoss,
    updateSizePanel: info.updateSizePanel,
    complexity: c && { key: c.key, values: c.values, ...(Object.keys(c.labels).length > 0 && { label: (v: SettingValue) => c.labels[String(v)] ?? String(v) }) },
  };
}

/** The bundled definition of a built-in problem, or null for a problem from a user's module. */
export function bundledProblem(info: ProblemInfo): ProblemDefinition | null {
  return info.builtin ? (BUILTIN_PROBLEMS.find((p) => p.name === info.name) ?? null) : null;
}
