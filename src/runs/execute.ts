/**
 * Runs one stored run to its end, checkpointing as it goes: after a kill the same call resumes
 * from the last checkpoint (parameters, optimizer state, records) and ends with the numbers an
 * uninterrupted run would have. Divergence and errors are recorded, not thrown.
 *
 * The epochs themselves never wait for I/O: the only awaits are the checkpoint writes.
 */
import { performance } from 'node:perf_hooks';
import type { ProblemDefinition } from '../physics/problem.js';
import { controllerToJson } from '../train/controller-file.js';
import { Trainer, type EpochProgress } from '../train/trainer.js';
import { datasetFor } from './datasets.js';
import { problemOfRun } from './problems.js';
import { newOwner } from './store-schema.js';
import { LeaseLostError, type Owner, type RunStore, type StoredStatus } from './store.js';

export interface ExecuteOptions {
  /** The run's problem (default: found again through the source the run recorded, a built-in or a module). */
  problem?: ProblemDefinition;
  /** Checkpoint every this many epochs (and always at the end). Default 1. */
  checkpointEvery?: number;
  onEpoch?: (p: EpochProgress) => void;
  /** Called once the trainer exists, with the epoch it starts from (0, or the resumed one). */
  onStart?: (trainer: Trainer) => void;
  /** Claim the run even from a running owner (the caller knows that owner is gone: an interrupted run). */
  takeover?: boolean;
  /** Who trains it (default: a fresh owner for this call, which claims the run first). */
  owner?: Owner;
  /** Lease renewed with every checkpoint, seconds (default 600). */
  leaseSeconds?: number;
  /** Checkpoint and hand the run back after the first epoch that ends at or after this time (ms, Date.now()). */
  deadline?: number;
  /** Polled after every epoch: true to checkpoint and hand the run back (graceful stop). */
  shouldStop?: () => boolean;
}

/**
 * `paused`: checkpointed and stopped early (deadline or stop request), still `running` in the store
 * and owned by the caller, who hands it back. `busy`: another owner holds it. `lost`: another
 * owner took it over while this one trained (nothing more was written).
 */
export type ExecuteStatus = StoredStatus | 'paused' | 'busy' | 'lost';

export async function executeRun(store: RunStore, id: number, opts: ExecuteOptions = {}): Promise<{ status: ExecuteStatus; trainer: Trainer | null }> {
  const run = await store.run(id);
  if (run.status === 'done' || run.status === 'diverged' || run.status === 'failed') return { status: run.status, trainer: null };
  const every = Math.max(1, Math.floor(opts.checkpointEvery ?? 1));
  const lease = opts.leaseSeconds ?? 600;
  const owner = opts.owner ?? newOwner();
  if (!opts.owner && !(await store.claimRun(id, owner, lease, opts.takeover ?? false))) return { status: 'busy', trainer: null };
  let trainer: Trainer | null = null;
  try {
    const definition = opts.problem ?? (await problemOfRun(run));
    const problem = definition.create(run.config.settings);
    trainer = new Trainer(definition, run.config, datasetFor(problem, run.config), (await store.checkpoint(id)) ?? undefined);
    opts.onStart?.(trainer);
    const t = trainer;
    while (!t.finished) {
      const t0 = performance.now();
      const record = t.runEpoch();
      if (record) {
        if (record.epoch % every === 0) await store.saveProgress(id, t.snapshot(), owner, lease);
        opts.onEpoch?.({ record, epoch: record.epoch, epochs: t.config.epochs, wallSeconds: (performance.now() - t0) / 1000 });
      }
      if (!t.finished && (opts.shouldStop?.() || (opts.deadline !== undefined && Date.now() >= opts.deadline))) {
        await store.saveProgress(id, t.snapshot(), owner, lease);
        return { status: 'paused', trainer: t };
      }
    }
    await store.saveProgress(id, t.snapshot(), owner, lease);
    const status = t.status === 'diverged' ? 'diverged' : 'done';
    await store.finish(id, status, t.reason, controllerToJson(t.config, t.problem, t.params), owner);
    return { status, trainer: t };
  } catch (e) {
    if (e instanceof LeaseLostError) return { status: 'lost', trainer };
    await store.finish(id, 'failed', (e as Error).message, null, owner).catch((e2: unknown) => {
      if (!(e2 instanceof LeaseLostError)) throw e2;
    });
    return { status: 'failed', trainer };
  }
}
