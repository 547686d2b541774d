/**
 * The saved-controller format (JSON), documented in README.md:
 *   { format: "stable-bptt/controller", version: 1, problem, settings, config,
 *     params: [{ name, shape, data }] }
 * `settings` rebuild the architecture; `params` are the named Keras-layout arrays.
 */
import { paramsFromNamedArrays, paramsToNamedArrays, type NamedArray } from '../nn/serialize.js';
import { resolveSettings, type ProblemDefinition, type ProblemInstance, type Settings } from '../physics/problem.js';
import type { TrainConfig } from './config.js';

export const CONTROLLER_FORMAT = 'stable-bptt/controller';

export interface ControllerFile {
  format: typeof CONTROLLER_FORMAT;
  version: 1;
  problem: string;
  settings: Settings;
  /** The training configuration that produced it (informative). */
  config?: TrainConfig;
  params: NamedArray[];
}

export function controllerToJson(config: TrainConfig, problem: ProblemInstance, params: Float64Array): ControllerFile {
  return {
    format: CONTROLLER_FORMAT,
    version: 1,
    problem: config.problem,
    settings: config.settings,
    config,
    params: paramsToNamedArrays(problem.controller.layout, params),
  };
}

/** Rebuilds a saved controller of `def` (the file's problem must be that one). */
export function controllerFromJson(json: unknown, def: ProblemDefinition): { file: ControllerFile; problem: ProblemInstance; params: Float64Array } {
  const f = json as Partial<ControllerFile> | null;
  if (!f || f.format !== CONTROLLER_FORMAT) throw new Error(`not a stable-bptt controller file (format must be "${CONTROLLER_FORMAT}")`);
  if (f.version !== 1) throw new Error(`controller file version ${String(f.version)} is not supported (supported: 1)`);
  if (!Array.isArray(f.params)) throw new Error('controller file has no "params" list');
  if (f.problem !== def.name) throw new Error(`the controller file is for problem "${String(f.problem)}", not "${def.name}"`);
  const settings = resolveSettings(def, f.settings ?? {});
  const problem = def.create(settings);
  const params = paramsFromNamedArrays(problem.controller.layout, f.params);
  return { file: { ...(f as ControllerFile), settings }, problem, params };
}
