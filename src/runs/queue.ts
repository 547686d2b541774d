/**
 * The queue of runs to train, over either backend. A worker asks it for the next run (claimed:
 * only that worker trains it), trains it with executeRun, and settles it.
 *
 * - SQLite: the runs table is the queue. A claim is an IMMEDIATE transaction that takes the first
 *   queued run (or one whose owner died on this host or whose lease ran out); the lease is renewed
 *   with every checkpoint.
 * - PostgreSQL: a pg-boss queue (queue-pg.ts), one job per run.
 */
import type { ExecuteStatus } from './execute.js';
import { newOwner } from './store-schema.js';
import type { ClaimScope, SqliteStore } from './store-sqlite.js';
import type { Owner, RunStore } from './store.js';

export interface Claimed {
  run: number;
  owner: Owner;
  leaseSeconds: number;
  /** Checkpoint and settle with 'paused' after the epoch that passes this time (ms), if set. */
  deadline?: number;
  /** The queue's job for it (pg-boss). */
  job?: string;
}

export interface RunQueue {
  /** Offers the runs to workers; returns how many were newly put on the queue. */
  enqueue(ids: readonly number[]): Promise<number>;
  /** The next run, claimed for this worker, or null if nothing can be taken now. */
  next(): Promise<Claimed | null>;
  /** Nothing queued and nothing being trained by anyone (a worker told to exit when idle stops). */
  idle(): Promise<boolean>;
  /** After executeRun: 'paused' hands the run back at once; finished runs leave the queue. */
  settle(c: Claimed, status: ExecuteStatus): Promise<void>;
  close(): Promise<void>;
}

/** Lease of a claimed run when nothing else is said, seconds: long, since a dead local owner is noticed at once by its pid. */
export const DEFAULT_LEASE_SECONDS = 600;

export class SqliteQueue implements RunQueue {
  constructor(private readonly store: SqliteStore, private readonly scope: ClaimScope, private readonly leaseSeconds = DEFAULT_LEASE_SECONDS) {}

  async enqueue(): Promise<number> {
    return 0; // a stored queued run is on the queue
  }

  async next(): Promise<Claimed | null> {
    const owner = newOwner();
    const run = await this.store.claimNext(this.scope, owner, this.leaseSeconds);
    return run === null ? null : { run, owner, leaseSeconds: this.leaseSeconds };
  }

  /**
   * Runs held by live local processes are theirs to finish: nothing more for this worker. (A
   * holder on another machine sharing the file is not supported by SQLite anyway.)
   */
  async idle(): Promise<boolean> {
    return true;
  }

  async settle(c: Claimed, status: ExecuteStatus): Promise<void> {
    if (status === 'paused') await this.store.release(c.run, c.owner);
  }

  async close(): Promise<void> {}
}

/** The queue of a store: the runs table for SQLite (limited to `ids` if given), pg-boss for PostgreSQL. */
export async function openQueue(store: RunStore, ids?: readonly number[], leaseSeconds?: number): Promise<RunQueue> {
  if (store.kind === 'postgres') {
    const { PgQueue } = await import('./queue-pg.js');
    return PgQueue.open(store as import('./store-pg.js').PgStore, leaseSeconds);
  }
  return new SqliteQueue(store as SqliteStore, ids ? { ids } : { anySweep: true }, leaseSeconds);
}
