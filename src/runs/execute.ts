/**
 * Runs one stored run to its end, checkpointing as it goes: after a kill the same call resumes
 * from the last checkpoint (parameters, optimizer state, records) and ends with the numbers an
 * uninterrupted run would have. Divergence and errors are recorded, not thrown.
 */
import type { ProblemDefinition } from '../physics/problem.js';
import { controllerToJson } from '../train/controller-file.js';
import { Trainer, type EpochProgress } from '../train/trainer.js';
import { datasetFor } from './datasets.js';
import type { RunStore, StoredStatus } from './store.js';

export interface ExecuteOptions {
  /** Checkpoint every this many epochs (and always at the end). Default 1. */
  checkpointEvery?: number;
  onEpoch?: (p: EpochProgress) => void;
  /** Called once the trainer exists, with the epoch it starts from (0, or the resumed one). */
  onStart?: (trainer: Trainer) => void;
}

export function executeRun(store: RunStore, id: number, definition: ProblemDefinition, opts: ExecuteOptions = {}): { status: StoredStatus; trainer: Trainer | null } {
  const run = store.run(id);
  if (run.status === 'done' || run.status === 'diverged' || run.status === 'failed') return { status: run.status, trainer: null };
  const every = Math.max(1, Math.floor(opts.checkpointEvery ?? 1));
  let trainer: Trainer | null = null;
  try {
    const problem = definition.create(run.config.settings);
    trainer = new Trainer(definition, run.config, datasetFor(problem, run.config), store.checkpoint(id) ?? undefined);
    store.markRunning(id);
    opts.onStart?.(trainer);
    const t = trainer;
    t.run((p) => {
      if (p.epoch % every === 0) store.saveProgress(id, t.snapshot());
      opts.onEpoch?.(p);
    });
    store.saveProgress(id, t.snapshot());
    const status = t.status === 'diverged' ? 'diverged' : 'done';
    store.finish(id, status, t.reason, controllerToJson(t.config, t.problem, t.params));
    return { status, trainer: t };
  } catch (e) {
    store.finish(id, 'failed', (e as Error).message, null);
    return { status: 'failed', trainer };
  }
}
