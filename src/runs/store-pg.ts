/**
 * The PostgreSQL backend of the run store: the same tables and semantics as the SQLite file, for
 * many machines. The password of the URL (or from $PGPASSWORD / ~/.pgpass, which the pg client
 * reads itself) is never printed: messages name the URL without it.
 */
import pg from 'pg';
import type { TrainConfig } from '../train/config.js';
import type { ProblemSource } from './problems.js';
import type { ControllerFile } from '../train/controller-file.js';
import type { EpochRecord } from '../train/record.js';
import type { TrainSnapshot } from '../train/trainer.js';
import {
  EPOCH_COLUMNS, MIGRATIONS, RUN_COLUMNS, SCHEMA_VERSION, checkpointJson, codeVersion, freshDiagnoses, fromDiagnosisRow, fromRow, fromRows, later, now, ownerIsDead, schemaError,
  type DiagnosisRow, type RunRow,
} from './store-schema.js';
import { LeaseLostError, type FinalStatus, type OpenOptions, type Owner, type RunFilter, type RunStore, type StoredDiagnosis, type StoredRun } from './store.js';

/** The URL with its password replaced by ***, for messages. */
export function redactUrl(url: string): string {
  try {
    const u = new URL(url);
    if (u.password) u.password = '***';
    return u.toString();
  } catch {
    return url.replace(/\/\/([^:/@]*):[^@/]*@/, '//$1:***@');
  }
}

/** One clear line for the ways a connection fails; the password never appears in it. */
export function connectionError(e: unknown, url: string): Error {
  const err = e as Error & { code?: string };
  const where = redactUrl(url);
  let user = 'the user';
  let database = 'the database';
  try {
    const u = new URL(url);
    user = u.username ? `user "${decodeURIComponent(u.username)}"` : `user "${process.env.PGUSER ?? process.env.USER ?? ''}"`;
    database = `database "${decodeURIComponent(u.pathname.slice(1)) || process.env.PGDATABASE || ''}"`;
  } catch {
    /* keep the generic words */
  }
  let line: string;
  if (['ECONNREFUSED', 'ENOTFOUND', 'EHOSTUNREACH', 'ETIMEDOUT', 'ENOENT', 'EAI_AGAIN', 'ECONNRESET'].includes(err.code ?? '')) {
    line = `cannot reach the PostgreSQL server of ${where} (${err.code}): is it running, and are host and port right?`;
  } else if (err.code === '28P01' || err.code === '28000') {
    line = `PostgreSQL refused ${user} at ${where}: wrong user or password (the password comes from the URL, $PGPASSWORD or ~/.pgpass)`;
  } else if (err.code === '3D000') {
    line = `${database} does not exist on the server of ${where}: create it first (createdb), see docs/distributed.md`;
  } else if (/password must be a string|SASL|no password/i.test(err.message)) {
    line = `PostgreSQL wants a password for ${user} at ${where}: put it in $PGPASSWORD or ~/.pgpass (or the URL)`;
  } else {
    line = `cannot use the run store ${where}: ${err.message}`;
  }
  // Belt and braces: whatever the driver said, the password is not printed.
  try {
    const pw = decodeURIComponent(new URL(url).password);
    if (pw) line = line.split(pw).join('***');
  } catch {
    /* not a parseable URL: nothing to scrub beyond redactUrl */
  }
  return new Error(line);
}

type Queryable = pg.Pool | pg.PoolClient;

export class PgStore implements RunStore {
  readonly kind = 'postgres';
  readonly path: string;
  private readonly version = codeVersion();

  private constructor(readonly location: string, readonly pool: pg.Pool) {
    this.path = redactUrl(location);
  }

  static async open(url: string, opts: OpenOptions = { create: true }): Promise<PgStore> {
    const pool = new pg.Pool({ connectionString: url, max: 3, connectionTimeoutMillis: 10_000 });
    pool.on('error', () => undefined); // an idle client's broken connection: the next query reports it
    const store = new PgStore(url, pool);
    try {
      await store.migrate(Boolean(opts.create));
    } catch (e) {
      await pool.end().catch(() => undefined);
      if (e instanceof Error && /schema version/.test(e.message)) throw e;
      throw connectionError(e, url);
    }
    return store;
  }

  /** Versions live in sbptt_schema; migrations run under an advisory lock, so concurrent starts apply them once. */
  private async migrate(create: boolean): Promise<void> {
    await this.transaction(async (c) => {
      await c.query("SELECT pg_advisory_xact_lock(hashtext('sbptt-schema'))");
      const exists = (await c.query("SELECT to_regclass('sbptt_schema') IS NOT NULL AS ok")).rows[0].ok as boolean;
      let v = exists ? Number((await c.query('SELECT version FROM sbptt_schema')).rows[0]?.version ?? 0) : 0;
      if (v === 0 && !create) throw new Error(`no sbptt run store in ${this.path} (the database exists but has no sbptt tables: \`sbptt sweep\`, \`sbptt train\` or \`sbptt migrate\` create them)`);
      const problem = schemaError(this.path, v);
      if (!problem) return;
      if (!create || v > SCHEMA_VERSION) throw problem;
      if (!exists) await c.query('CREATE TABLE sbptt_schema (version INTEGER NOT NULL)');
      for (; v < SCHEMA_VERSION; v++) await c.query(MIGRATIONS[v]!('postgres'));
      await c.query('DELETE FROM sbptt_schema');
      await c.query('INSERT INTO sbptt_schema (version) VALUES ($1)', [SCHEMA_VERSION]);
    });
  }

  /** Runs `f` in one transaction on one pooled connection. */
  async transaction<T>(f: (c: pg.PoolClient) => Promise<T>): Promise<T> {
    const c = await this.pool.connect();
    try {
      await c.query('BEGIN');
      const out = await f(c);
      await c.query('COMMIT');
      return out;
    } catch (e) {
      await c.query('ROLLBACK').catch(() => undefined);
      throw e;
    } finally {
      c.release();
    }
  }

  async close(): Promise<void> {
    await this.pool.end();
  }

  /** A session advisory lock on the key, held by one pooled connection while `f` runs on the others. */
  async serialized<T>(key: string, f: () => Promise<T>): Promise<T> {
    const c = await this.pool.connect();
    try {
      await c.query('SELECT pg_advisory_lock(hashtext($1))', [key]);
      try {
        return await f();
      } finally {
        await c.query('SELECT pg_advisory_unlock(hashtext($1))', [key]);
      }
    } finally {
      c.release();
    }
  }

  async createRun(config: TrainConfig, sweep: string | null = null, source?: ProblemSource, outDir: string | null = null): Promise<number> {
    const r = await this.pool.query(
      "INSERT INTO runs (sweep, problem, config, seed, status, created_at, code_version, problem_source, out_dir) VALUES ($1, $2, $3, $4, 'queued', $5, $6, $7, $8) RETURNING id",
      [sweep, config.problem, JSON.stringify(config), config.seed, now(), this.version, JSON.stringify(source ?? { kind: 'builtin', name: config.problem }), outDir],
    );
    return Number(r.rows[0].id);
  }

  async claimRun(id: number, owner: Owner, leaseSeconds: number, takeover = false): Promise<boolean> {
    const r = await this.pool.query(
      `UPDATE runs SET status = 'running', started_at = COALESCE(started_at, $2), owner = $3, owner_host = $4, owner_pid = $5, lease_until = $6
       WHERE id = $1 AND (status = 'queued' OR (status = 'running' AND ($7 OR owner = $3 OR lease_until IS NULL OR lease_until <= $2)))`,
      [id, now(), owner.token, owner.host, owner.pid, later(leaseSeconds), takeover],
    );
    if (r.rowCount === 1) return true;
    const held = (await this.pool.query('SELECT status, owner, owner_host, owner_pid FROM runs WHERE id = $1', [id])).rows[0] as
      | { status: string; owner: string | null; owner_host: string | null; owner_pid: number | null }
      | undefined;
    if (!held) throw new Error(`no run with id ${id} in ${this.path}`);
    if (held.status !== 'running' || !ownerIsDead(held.owner_host, held.owner_pid)) return false;
    // Its process is dead on this host: take it over, unless someone else did in the meantime.
    const t = await this.pool.query(
      `UPDATE runs SET started_at = COALESCE(started_at, $2), owner = $3, owner_host = $4, owner_pid = $5, lease_until = $6
       WHERE id = $1 AND status = 'running' AND owner IS NOT DISTINCT FROM $7`,
      [id, now(), owner.token, owner.host, owner.pid, later(leaseSeconds), held.owner],
    );
    return t.rowCount === 1;
  }

  private async holdLease(c: Queryable, id: number, owner: Owner | undefined, leaseSeconds: number): Promise<void> {
    if (!owner) return;
    const r = await c.query("UPDATE runs SET lease_until = $1 WHERE id = $2 AND owner = $3 AND status = 'running'", [later(leaseSeconds), id, owner.token]);
    if (r.rowCount === 0) throw new LeaseLostError(id);
  }

  /**
   * Writes only the epochs after the last stored one (one INSERT), then the checkpoint: four round
   * trips and the commit (lease and last stored epoch in one statement; the DELETE only when the
   * table holds epochs beyond the snapshot, which a resumed older checkpoint may leave).
   */
  async saveProgress(id: number, snapshot: TrainSnapshot, owner?: Owner, leaseSeconds = 600): Promise<void> {
    await this.transaction(async (c) => {
      const head = await c.query(
        `UPDATE runs SET lease_until = CASE WHEN $2::text IS NULL THEN lease_until ELSE $3 END
         WHERE id = $1 AND ($2::text IS NULL OR (owner = $2 AND status = 'running'))
         RETURNING (SELECT COALESCE(MAX(epoch), 0) FROM epochs WHERE run_id = $1) AS stored`,
        [id, owner?.token ?? null, later(leaseSeconds)],
      );
      if (head.rowCount === 0) {
        if (owner) throw new LeaseLostError(id);
        throw new Error(`no run with id ${id} in ${this.path}`);
      }
      let stored = Number(head.rows[0].stored);
      if (stored > snapshot.epoch) {
        await c.query('DELETE FROM epochs WHERE run_id = $1 AND epoch > $2', [id, snapshot.epoch]);
        stored = snapshot.epoch;
      }
      const fresh = snapshot.records.filter((r) => r.epoch > stored);
      if (fresh.length > 0) {
        const col = (k: keyof EpochRecord): number[] => fresh.map((r) => r[k]);
        await c.query(
          `INSERT INTO epochs (run_id, epoch, loss, train_loss, test_loss, physics_loss, physics_train_loss, physics_test_loss, grad_size, cos_sim, time)
           SELECT $1, * FROM unnest($2::int[], $3::float8[], $4::float8[], $5::float8[], $6::float8[], $7::float8[], $8::float8[], $9::float8[], $10::float8[], $11::float8[])`,
          [id, col('epoch'), col('loss'), col('trainLoss'), col('testLoss'), col('physicsLoss'), col('physicsTrainLoss'), col('physicsTestLoss'), col('gradSize'), col('cosSim'), col('time')],
        );
      }
      await c.query(
        `INSERT INTO checkpoints (run_id, epoch, snapshot, updated_at) VALUES ($1, $2, $3, $4)
         ON CONFLICT (run_id) DO UPDATE SET epoch = EXCLUDED.epoch, snapshot = EXCLUDED.snapshot, updated_at = EXCLUDED.updated_at`,
        // The records are the epochs table's: a checkpoint costs the same at epoch 1000 as at epoch 1.
        [id, snapshot.epoch, checkpointJson(snapshot), now()],
      );
      await c.query('DELETE FROM diagnostics WHERE run_id = $1 AND epoch > $2', [id, snapshot.epoch]);
      const last = (await c.query('SELECT COALESCE(MAX(epoch), -1) AS last FROM diagnostics WHERE run_id = $1', [id])).rows[0] as { last: number };
      for (const d of freshDiagnoses(snapshot, Number(last.last))) {
        await c.query('INSERT INTO diagnostics (run_id, epoch, flow, params) VALUES ($1, $2, $3, $4)', [id, d.epoch, d.flow, d.params]);
      }
    });
  }

  async release(id: number, owner: Owner, c: Queryable = this.pool): Promise<void> {
    const r = await c.query("UPDATE runs SET status = 'queued', owner = NULL, lease_until = NULL WHERE id = $1 AND owner = $2 AND status = 'running'", [id, owner.token]);
    if (r.rowCount === 0) throw new LeaseLostError(id);
  }

  async requeue(id: number): Promise<void> {
    await this.pool.query("UPDATE runs SET status = 'queued', reason = NULL, finished_at = NULL, owner = NULL, lease_until = NULL WHERE id = $1 AND status = 'failed'", [id]);
  }

  async finish(id: number, status: FinalStatus, reason: string | null, controller: ControllerFile | null, owner?: Owner): Promise<void> {
    await this.transaction(async (c) => {
      await this.holdLease(c, id, owner, 0);
      await c.query('UPDATE runs SET status = $1, reason = $2, finished_at = $3, controller = COALESCE($4, controller), lease_until = NULL WHERE id = $5', [
        status, reason, now(), controller ? JSON.stringify(controller) : null, id,
      ]);
    });
  }

  /** The pg-boss job id recorded for a run (the queue's handle on it), or null. */
  async job(id: number): Promise<string | null> {
    return ((await this.pool.query('SELECT job FROM runs WHERE id = $1', [id])).rows[0]?.job as string | null) ?? null;
  }

  async setJob(id: number, job: string, c: Queryable = this.pool): Promise<void> {
    await c.query('UPDATE runs SET job = $1 WHERE id = $2', [job, id]);
  }

  /** The latest checkpoint with its records (the stored epochs up to it), or null. */
  async checkpoint(id: number): Promise<TrainSnapshot | null> {
    const row = (await this.pool.query('SELECT snapshot FROM checkpoints WHERE run_id = $1', [id])).rows[0] as { snapshot: string } | undefined;
    if (!row) return null;
    const snapshot = JSON.parse(row.snapshot) as TrainSnapshot;
    return { ...snapshot, records: (await this.records(id)).filter((r) => r.epoch <= snapshot.epoch) };
  }

  async run(id: number): Promise<StoredRun> {
    const row = (await this.pool.query(`SELECT ${RUN_COLUMNS} FROM runs r WHERE r.id = $1`, [id])).rows[0] as RunRow | undefined;
    if (!row) throw new Error(`no run with id ${id} in ${this.path}`);
    return fromRow(row, this.path);
  }

  async runs(filter: RunFilter = {}): Promise<StoredRun[]> {
    const where: string[] = [];
    const args: unknown[] = [];
    const add = (sql: string, v: unknown): void => void (args.push(v), where.push(`${sql} $${args.length}`));
    if (filter.problem !== undefined) add('r.problem =', filter.problem);
    if (filter.status !== undefined) add('r.status =', filter.status);
    if (filter.sweep !== undefined) add('r.sweep =', filter.sweep);
    const sql = `SELECT ${RUN_COLUMNS} FROM runs r ${where.length ? 'WHERE ' + where.join(' AND ') : ''} ORDER BY r.id`;
    return fromRows((await this.pool.query(sql, args)).rows as RunRow[], this.path, filter.onSkip);
  }

  async sweeps(): Promise<{ sweep: string; runs: number; done: number }[]> {
    const rows = (
      await this.pool.query(
        `SELECT sweep, COUNT(*) AS runs, SUM(CASE WHEN status IN ('done', 'diverged', 'failed') THEN 1 ELSE 0 END) AS done
         FROM runs WHERE sweep IS NOT NULL GROUP BY sweep ORDER BY sweep COLLATE "C"`,
      )
    ).rows as { sweep: string; runs: string; done: string }[];
    return rows.map((r) => ({ sweep: r.sweep, runs: Number(r.runs), done: Number(r.done) }));
  }

  async records(id: number): Promise<EpochRecord[]> {
    return (await this.pool.query(`SELECT ${EPOCH_COLUMNS} FROM epochs WHERE run_id = $1 ORDER BY epoch`, [id])).rows as EpochRecord[];
  }

  async controller(id: number): Promise<ControllerFile | null> {
    const row = (await this.pool.query('SELECT controller FROM runs WHERE id = $1', [id])).rows[0] as { controller: string | null } | undefined;
    if (!row) throw new Error(`no run with id ${id} in ${this.path}`);
    return row.controller ? (JSON.parse(row.controller) as ControllerFile) : null;
  }

  async diagnoses(id: number, opts: { params?: boolean } = {}): Promise<StoredDiagnosis[]> {
    const rows = (await this.pool.query(`SELECT epoch, flow${opts.params ? ', params' : ''} FROM diagnostics WHERE run_id = $1 ORDER BY epoch`, [id])).rows as DiagnosisRow[];
    return rows.map(fromDiagnosisRow);
  }
}
