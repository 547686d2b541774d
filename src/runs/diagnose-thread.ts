/**
 * A stored run's diagnosis computed on a worker thread, so a server stays responsive meanwhile
 * (a quantum diagnosis takes some twenty seconds). The store is read here; the thread gets θ, x_0
 * and the run's problem reference, builds the problem itself and only computes.
 */
import type { BaseMode } from '../bptt/modes.js';
import type { ProblemDefinition } from '../physics/problem.js';
import { diagnosisInputs, type DiagnoseRunOptions, type DiagnosisInputs } from './diagnose-run.js';
import type { EpochFlow } from './figures/diagnose-spec.js';
import type { RunProblemRef } from './problems.js';
import type { RunStore, StoredRun } from './store.js';
import { siblingScript, startThread } from './thread.js';
import type { TrainConfig } from '../train/config.js';
import { problemOfConfig } from '../train/trainer.js';

/** What the thread is given. */
export interface DiagnoseThreadData {
  run: RunProblemRef;
  config: TrainConfig;
  inputs: DiagnosisInputs;
  modes?: readonly BaseMode[];
  horizonStride?: number;
}

export type FromDiagnoseThread = { kind: 'done'; flows: EpochFlow[] } | { kind: 'error'; message: string };

/** Diagnoses of a stored run at the given epochs (as diagnoseRun), computed on a worker thread. */
export async function diagnoseRunInThread(store: RunStore, run: StoredRun, def: ProblemDefinition, opts: Omit<DiagnoseRunOptions, 'onProgress'> = {}): Promise<EpochFlow[]> {
  const inputs = await diagnosisInputs(store, run, def, problemOfConfig(def, run.config), opts);
  const data: DiagnoseThreadData = {
    run: { id: run.id, problem: run.problem, problemSource: run.problemSource },
    config: run.config,
    inputs,
    ...(opts.modes && { modes: opts.modes }),
    ...(opts.horizonStride !== undefined && { horizonStride: opts.horizonStride }),
  };
  const thread = startThread(siblingScript('diagnose-worker', import.meta.url), data);
  return new Promise<EpochFlow[]>((resolve, reject) => {
    let answered = false;
    thread.once('message', (m: FromDiagnoseThread) => {
      answered = true;
      if (m.kind === 'done') resolve(m.flows);
      else reject(new Error(m.message));
    });
    thread.once('error', (e) => reject(e));
    thread.once('exit', (code) => answered || reject(new Error(`the diagnosis thread of run ${run.id} exited (code ${code}) without an answer`)));
  });
}
