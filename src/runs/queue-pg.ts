/**
 * The PostgreSQL queue: pg-boss (its tables in the schema "pgboss" of the store's database), one
 * job per run on the queue "sbptt-runs" with the "stately" policy and the run id as singleton key:
 * at most one queued and one active job per run, so enqueueing again adds nothing and two
 * workers never hold one run.
 *
 * Lease: a job expires `leaseSeconds` after a worker fetched it (pg-boss expiry). The worker trains
 * for half of that, checkpoints, and hands the run on in one transaction (run back to queued, job
 * completed, a continuation job sent), so a live worker's job never expires. A killed worker's
 * job expires; pg-boss's maintenance (every MAINTENANCE_SECONDS) retries it, and the next worker
 * to fetch it resumes the run from its last checkpoint. Retries are counted per job: a run whose
 * workers die RETRY_LIMIT + 1 times in a row is left alone until its sweep is started again.
 */
import PgBoss from 'pg-boss';
import type pg from 'pg';
import type { ExecuteStatus } from './execute.js';
import { DEFAULT_LEASE_SECONDS, type Claimed, type RunQueue } from './queue.js';
import { newOwner } from './store-schema.js';
import { connectionError, type PgStore } from './store-pg.js';
import { LeaseLostError } from './store.js';

export const QUEUE = 'sbptt-runs';
export const RETRY_LIMIT = 3;
/** How often pg-boss looks for expired jobs (one instance does it for all), seconds. */
export const MAINTENANCE_SECONDS = 2;

interface RunJob {
  run: number;
}

const dbOf = (c: pg.PoolClient): PgBoss.Db => ({ executeSql: (text, values) => c.query(text, values) });

export class PgQueue implements RunQueue {
  private constructor(private readonly store: PgStore, private readonly boss: PgBoss, private readonly leaseSeconds: number) {}

  static async open(store: PgStore, leaseSeconds = DEFAULT_LEASE_SECONDS): Promise<PgQueue> {
    const boss = new PgBoss({ connectionString: store.location, max: 2, schedule: false, maintenanceIntervalSeconds: MAINTENANCE_SECONDS });
    boss.on('error', () => undefined); // maintenance hiccups (a dropped connection) are retried by pg-boss
    try {
      await boss.start();
      if (!(await boss.getQueue(QUEUE))) {
        await boss.createQueue(QUEUE, { name: QUEUE, policy: 'stately', retryLimit: RETRY_LIMIT, retryDelay: 0 }).catch(async (e: unknown) => {
          if (!(await boss.getQueue(QUEUE))) throw e; // else another process created it first
        });
      }
    } catch (e) {
      await boss.stop({ graceful: false, wait: true }).catch(() => undefined);
      throw connectionError(e, store.location);
    }
    return new PgQueue(store, boss, leaseSeconds);
  }

  private options(lease: number): PgBoss.SendOptions {
    return { expireInSeconds: Math.max(2, Math.round(lease)), retryLimit: RETRY_LIMIT, retryDelay: 0 };
  }

  /**
   * A job for every given run that is queued and has no live job (created, retry or active); a
   * running run whose job is gone (its retries ran out) is queued again.
   */
  async enqueue(ids: readonly number[]): Promise<number> {
    let added = 0;
    for (const id of ids) {
      const run = await this.store.run(id);
      if (run.status !== 'queued' && run.status !== 'running') continue;
      const job = await this.store.job(id);
      if (job) {
        const state = (await this.boss.getJobById<RunJob>(QUEUE, job))?.state;
        if (state === 'created' || state === 'retry' || state === 'active') continue;
      }
      const sent = await this.boss.send(QUEUE, { run: id } satisfies RunJob, { ...this.options(this.leaseSeconds), singletonKey: String(id) });
      if (sent) {
        await this.store.setJob(id, sent);
        added++;
      }
    }
    return added;
  }

  async next(): Promise<Claimed | null> {
    for (;;) {
      const [job] = await this.boss.fetch<RunJob>(QUEUE, { batchSize: 1 });
      if (!job) return null;
      const owner = newOwner();
      const lease = Number(job.expireInSeconds);
      // Only this job's holder may train the run: take it over from a previous, dead holder.
      const claimed = await this.store.claimRun(job.data.run, owner, lease, true).catch((e: unknown) => {
        if (/^no run with id/.test((e as Error).message)) return false; // a job for a deleted run: drop it
        throw e;
      });
      if (claimed) {
        await this.store.setJob(job.data.run, job.id);
        return { run: job.data.run, owner, leaseSeconds: lease, deadline: Date.now() + (lease * 1000) / 2, job: job.id };
      }
      await this.boss.complete(QUEUE, job.id, { skipped: 'the run has finished or is gone' });
    }
  }

  /** No job of the queue is queued or active (an active one may belong to a dead worker and come back). */
  async idle(): Promise<boolean> {
    return (await this.boss.getQueueSize(QUEUE, { before: 'completed' })) === 0;
  }

  async settle(c: Claimed, status: ExecuteStatus): Promise<void> {
    const job = c.job!;
    if (status === 'lost') return; // the job now belongs to the worker that took the run over
    if (status !== 'paused') {
      await this.boss.complete(QUEUE, job, { status });
      return;
    }
    // Hand on: the run queued again, this job done and its continuation queued, all or nothing.
    await this.store
      .transaction(async (client) => {
        await this.store.release(c.run, c.owner, client);
        await this.boss.complete(QUEUE, job, { status }, { db: dbOf(client) });
        const next = await this.boss.send(QUEUE, { run: c.run } satisfies RunJob, { ...this.options(c.leaseSeconds), singletonKey: String(c.run), db: dbOf(client) });
        if (next) await this.store.setJob(c.run, next, client);
      })
      .catch((e: unknown) => {
        if (!(e instanceof LeaseLostError)) throw e;
      });
  }

  async close(): Promise<void> {
    await this.boss.stop({ graceful: false, wait: true, close: true });
  }
}
