/**
 * The run store: every run — config, seed, status, timings, code version — its per-epoch records,
 * its latest checkpoint and its final controller. Two backends with the same schema and semantics:
 * an embedded SQLite file (the default; WAL mode, so several local processes may write at once)
 * and a shared PostgreSQL database (many machines, see docs/distributed.md).
 *
 * Location: `--store <file | postgres://…>`, else $SBPTT_STORE, else ./sbptt.sqlite.
 *
 * Claims: a run is trained only by the owner that claimed it. The owner renews a lease with every
 * checkpoint; writes of an owner whose run was taken over (lease expired, owner dead) are refused
 * with LeaseLostError, so two processes never both advance one run.
 */
import type { TrainConfig } from '../train/config.js';
import type { ControllerFile } from '../train/controller-file.js';
import type { EpochRecord } from '../train/record.js';
import type { TrainSnapshot } from '../train/trainer.js';
import type { EpochDiagnosis } from '../train/diagnoses.js';
import type { ProblemSource } from './problems.js';
import { MalformedRunError } from './store-schema.js';

export type StoredStatus = 'queued' | 'running' | 'done' | 'diverged' | 'failed';
export const STATUSES: readonly StoredStatus[] = ['queued', 'running', 'done', 'diverged', 'failed'];
export type FinalStatus = Exclude<StoredStatus, 'queued' | 'running'>;

export interface StoredRun {
  id: number;
  sweep: string | null;
  problem: string;
  config: TrainConfig;
  seed: number;
  status: StoredStatus;
  /** Status running, but the process training it is gone (killed, crashed): `sbptt resume` continues it. */
  interrupted: boolean;
  reason: string | null;
  createdAt: string;
  startedAt: string | null;
  finishedAt: string | null;
  /** Summed update time of the stored epochs, seconds. */
  trainSeconds: number;
  epochsDone: number;
  /** What code made the run: package version, git commit when there is one, Node, platform. */
  codeVersion: string;
  /** Where the problem comes from: a built-in, or a module file with the hash of its contents then. */
  problemSource: ProblemSource;
  /** The folder a `train` run writes its files to (null for sweeps' runs). */
  outDir: string | null;
}

/** A gradient-flow diagnosis stored while the run trained; θ of its epoch only when asked for. */
export type StoredDiagnosis = Omit<EpochDiagnosis, 'params'> & { params?: number[] };

export interface RunFilter {
  problem?: string;
  status?: StoredStatus;
  sweep?: string;
  /** Told of each row that cannot be read (it is left out of the list, never failing it). */
  onSkip?: (e: MalformedRunError) => void;
}

export { MalformedRunError };

/** Who trains a run: a unique token, and the host and process (for a quick takeover when that process is gone). */
export interface Owner {
  token: string;
  host: string;
  pid: number;
}

/** Thrown by writes of an owner whose run was taken over by another. */
export class LeaseLostError extends Error {
  constructor(readonly run: number) {
    super(`run ${run} was taken over by another worker (its lease expired)`);
  }
}

export interface RunStore {
  readonly kind: 'sqlite' | 'postgres';
  /** Where the store is, for messages: a file path, or the URL without its password. */
  readonly path: string;
  /** The location to open it again elsewhere (a worker thread); may hold a password: never print it. */
  readonly location: string;
  close(): Promise<void>;
  /** Runs `f` while no other process runs `serialized` with the same key on this store (e.g. creating a sweep's runs). */
  serialized<T>(key: string, f: () => Promise<T>): Promise<T>;
  /** A queued run; `source` says where its problem comes from (default: the built-in of config.problem). */
  createRun(config: TrainConfig, sweep?: string | null, source?: ProblemSource, outDir?: string | null): Promise<number>;
  /**
   * Makes `owner` the run's trainer (status running, lease for `leaseSeconds`) if the run is
   * queued or its owner is gone (lease expired, or its process is dead on this host); with
   * `takeover`, also from a live owner (the caller holds the run's queue job, which is exclusive).
   * False if the run is finished or held by another.
   */
  claimRun(id: number, owner: Owner, leaseSeconds: number, takeover?: boolean): Promise<boolean>;
  /**
   * Stores the epochs after the last stored one and the snapshot, atomically: the records in the
   * table and the checkpoint always agree, whenever the process is killed. With an owner, also
   * renews its lease, or throws LeaseLostError if the run is no longer its.
   */
  saveProgress(id: number, snapshot: TrainSnapshot, owner?: Owner, leaseSeconds?: number): Promise<void>;
  /** Hands a running run back to the queue (graceful stop; its checkpoint stays). */
  release(id: number, owner: Owner): Promise<void>;
  /** Puts a failed run back in the queue (its checkpoint stays, so it resumes from there). */
  requeue(id: number): Promise<void>;
  finish(id: number, status: FinalStatus, reason: string | null, controller: ControllerFile | null, owner?: Owner): Promise<void>;
  checkpoint(id: number): Promise<TrainSnapshot | null>;
  run(id: number): Promise<StoredRun>;
  runs(filter?: RunFilter): Promise<StoredRun[]>;
  sweeps(): Promise<{ sweep: string; runs: number; done: number }[]>;
  records(id: number): Promise<EpochRecord[]>;
  controller(id: number): Promise<ControllerFile | null>;
  /** The gradient-flow diagnoses stored while the run trained (config.diagnoseEvery), by epoch; θ of each with `params`. */
  diagnoses(id: number, opts?: { params?: boolean }): Promise<StoredDiagnosis[]>;
}

export interface OpenOptions {
  /**
   * Create the store if it does not exist and migrate an older schema (commands that write runs:
   * train, sweep, migrate). Without it, a missing store or an older schema is an error.
   */
  create?: boolean;
}

export const isPostgresUrl = (location: string): boolean => /^postgres(ql)?:\/\//i.test(location);

/** The store's location from --store, else $SBPTT_STORE, else ./sbptt.sqlite; empty text is an error. */
export function defaultStorePath(flag?: string): string {
  if (flag !== undefined) {
    if (flag.trim() === '') throw new Error('--store: got "", expected a SQLite file or a postgres:// URL');
    return flag;
  }
  const env = process.env.SBPTT_STORE;
  if (env !== undefined) {
    if (env.trim() === '') throw new Error('$SBPTT_STORE is set but empty: unset it (the default is ./sbptt.sqlite) or set it to a SQLite file or a postgres:// URL');
    return env;
  }
  return 'sbptt.sqlite';
}

export const STORE_HELP = 'run store: a SQLite file or a postgres:// URL (default $SBPTT_STORE or ./sbptt.sqlite)';

/** Opens the store at a file path (SQLite) or a postgres:// URL. */
async function open(location: string, opts: OpenOptions = { create: true }): Promise<RunStore> {
  if (isPostgresUrl(location)) {
    const { PgStore } = await import('./store-pg.js');
    return PgStore.open(location, opts);
  }
  const { SqliteStore } = await import('./store-sqlite.js');
  return SqliteStore.open(location, opts);
}

export const RunStore = { open };
