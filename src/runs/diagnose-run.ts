/**
 * Gradient-flow diagnoses of stored runs (docs/diagnostics.md): which epochs' parameters a run
 * has, diagnosing them on the run's first test states, and the diagnoses stored while it trained.
 *
 * A run keeps θ of: epoch 0 (the initialisation, made again from the seed), every diagnosed epoch
 * (training with --diagnose-every), its latest checkpoint, and its final controller. Other epochs'
 * parameters are gone; asking for one is an error that lists the epochs there are.
 */
import { diagnoseGradientFlow, type DiagnoseOptions } from '../bptt/diagnose.js';
import type { ProblemDefinition, ProblemInstance } from '../physics/problem.js';
import { controllerFromJson } from '../train/controller-file.js';
import { problemOfConfig, Trainer } from '../train/trainer.js';
import { datasetFor } from './datasets.js';
import type { EpochFlow } from './figures/diagnose-spec.js';
import type { RunStore, StoredRun } from './store.js';

export type ParamsSource = 'initialisation' | 'diagnosis' | 'checkpoint' | 'final controller';

/** Where θ of each epoch a run can be diagnosed at comes from. */
export async function runEpochs(store: RunStore, run: StoredRun): Promise<Map<number, ParamsSource>> {
  const out = new Map<number, ParamsSource>([[0, 'initialisation']]);
  for (const d of await store.diagnoses(run.id)) out.set(d.epoch, 'diagnosis');
  const checkpoint = await store.checkpoint(run.id);
  if (checkpoint && checkpoint.epoch > 0) out.set(checkpoint.epoch, 'checkpoint');
  if (await store.controller(run.id)) out.set(run.epochsDone, 'final controller');
  return new Map([...out].sort((a, b) => a[0] - b[0]));
}

/** "0 (initialisation), 10, 20 (diagnosis), 50 (final controller)". */
export function describeEpochs(epochs: ReadonlyMap<number, ParamsSource>): string {
  const groups: string[] = [];
  let pending: number[] = [];
  let source: ParamsSource | null = null;
  const flush = (): void => void (pending.length && groups.push(`${pending.join(', ')} (${source})`));
  for (const [e, s] of epochs) {
    if (s !== source) (flush(), (pending = []), (source = s));
    pending.push(e);
  }
  flush();
  return groups.join(', ');
}

/**
 * The epochs named by `--epochs-of-run`: "last" (the latest with parameters), "all", or a list of
 * epoch numbers ("0,20,last"). An epoch without stored parameters is an error naming those there are.
 */
export function pickEpochs(text: string, run: StoredRun, epochs: ReadonlyMap<number, ParamsSource>): number[] {
  const known = [...epochs.keys()];
  if (text.trim() === 'all') return known;
  const picked: number[] = [];
  for (const part of text.split(',').map((p) => p.trim())) {
    const e = part === 'last' ? known.at(-1)! : /^\d+$/.test(part) ? Number(part) : NaN;
    if (Number.isNaN(e)) throw new Error(`--epochs-of-run: got "${part}", expected epoch numbers, last or all (e.g. 0,20,last)`);
    if (!epochs.has(e)) {
      const more = [...epochs.values()].includes('diagnosis') ? '' : '; train with --diagnose-every k to keep the parameters of every k-th epoch';
      throw new Error(`--epochs-of-run: run ${run.id} has no parameters of epoch ${e}; it has those of epochs ${describeEpochs(epochs)}${more}`);
    }
    if (!picked.includes(e)) picked.push(e);
  }
  return picked.sort((a, b) => a - b);
}

/** θ of a stored epoch (see runEpochs), for `problem` built with the run's settings. */
async function paramsAt(store: RunStore, run: StoredRun, def: ProblemDefinition, problem: ProblemInstance, epoch: number, source: ParamsSource): Promise<Float64Array> {
  if (source === 'initialisation') return new Trainer(def, run.config, datasetFor(problem, run.config)).params;
  if (source === 'diagnosis') {
    const d = (await store.diagnoses(run.id, { params: true })).find((x) => x.epoch === epoch);
    return Float64Array.from(d!.params!);
  }
  if (source === 'checkpoint') return Float64Array.from((await store.checkpoint(run.id))!.params);
  return controllerFromJson(await store.controller(run.id), def).params;
}

export interface DiagnoseRunOptions extends Omit<DiagnoseOptions, 'onProgress'> {
  /** Epochs to diagnose (default: the latest with parameters). */
  epochs?: readonly number[];
  /** States of x_0: the run's first test states (default: the run's batch size, at most its test set). */
  batch?: number;
  onProgress?: (epoch: number, done: number, total: number) => void;
}

/** What diagnosing a stored run takes: x_0 (the run's first test states) and θ of each epoch. */
export interface DiagnosisInputs {
  /** x_0, [batch][stateSize]. */
  x0: Float64Array;
  epochs: { epoch: number; params: Float64Array }[];
}

/** Reads θ of the given epochs and the run's first test states (the store's part of a diagnosis). */
export async function diagnosisInputs(store: RunStore, run: StoredRun, def: ProblemDefinition, problem: ProblemInstance, opts: Pick<DiagnoseRunOptions, 'epochs' | 'batch'> = {}): Promise<DiagnosisInputs> {
  const epochs = await runEpochs(store, run);
  const picked = opts.epochs ?? [[...epochs.keys()].at(-1)!];
  const B = opts.batch ?? Math.min(run.config.batch, run.config.testSize);
  if (B > run.config.testSize) throw new Error(`--batch: got ${B}, run ${run.id} has ${run.config.testSize} test states`);
  const x0 = datasetFor(problem, run.config).test.slice(0, B * problem.simulator.stateSize);
  const out: DiagnosisInputs['epochs'] = [];
  for (const epoch of picked) {
    const source = epochs.get(epoch);
    if (source === undefined) throw new Error(`run ${run.id} has no parameters of epoch ${epoch}; it has those of epochs ${describeEpochs(epochs)}`);
    out.push({ epoch, params: await paramsAt(store, run, def, problem, epoch, source) });
  }
  return { x0, epochs: out };
}

/** The diagnoses of `inputs` (the compute, apart from the store: it also runs in a thread, diagnose-thread.ts). */
export function diagnoseInputs(problem: ProblemInstance, inputs: DiagnosisInputs, opts: DiagnoseRunOptions = {}): EpochFlow[] {
  return inputs.epochs.map(({ epoch, params }) => ({
    epoch,
    flow: diagnoseGradientFlow(problem, params, inputs.x0, { ...opts, onProgress: (done, total) => opts.onProgress?.(epoch, done, total) }),
  }));
}

/** Diagnoses of a stored run at the given epochs, on its first test states. */
export async function diagnoseRun(store: RunStore, run: StoredRun, def: ProblemDefinition, opts: DiagnoseRunOptions = {}): Promise<EpochFlow[]> {
  const problem = problemOfConfig(def, run.config);
  return diagnoseInputs(problem, await diagnosisInputs(store, run, def, problem, opts), opts);
}

/** The diagnoses stored while the run trained (training with --diagnose-every), oldest first. */
export async function trainingDiagnoses(store: RunStore, run: StoredRun): Promise<EpochFlow[]> {
  return (await store.diagnoses(run.id)).map(({ epoch, flow }) => ({ epoch, flow }));
}
