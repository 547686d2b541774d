/**
 * The SQLite backend of the run store (better-sqlite3, WAL mode, busy timeout): one file, several
 * local processes. Claims are taken in IMMEDIATE transactions, so two processes never claim one run.
 */
import Database from 'better-sqlite3';
import { existsSync, readFileSync, statSync } from 'node:fs';
import type { TrainConfig } from '../train/config.js';
import type { ProblemSource } from './problems.js';
import type { ControllerFile } from '../train/controller-file.js';
import type { EpochRecord } from '../train/record.js';
import type { TrainSnapshot } from '../train/trainer.js';
import {
  EPOCH_COLUMNS, MIGRATIONS, RUN_COLUMNS, SCHEMA_VERSION, checkpointJson, codeVersion, freshDiagnoses, fromDiagnosisRow, fromRow, fromRows, later, now, ownerIsDead,
  schemaError, type DiagnosisRow, type RunRow,
} from './store-schema.js';
import {
  LeaseLostError, type FinalStatus, type OpenOptions, type Owner, type RunFilter, type RunStore, type StoredDiagnosis, type StoredRun, type StoredStatus,
} from './store.js';

/** Which runs a claim of the SQLite queue may take: the given ids, or any run of any sweep. */
export type ClaimScope = { ids: readonly number[] } | { anySweep: true };

interface ClaimRow {
  id: number;
  status: StoredStatus;
  owner: string | null;
  owner_host: string | null;
  owner_pid: number | null;
  lease_until: string | null;
}

const scopeSql = (scope: ClaimScope): { where: string; args: unknown[] } =>
  'ids' in scope ? { where: 'id IN (SELECT value FROM json_each(?))', args: [JSON.stringify(scope.ids)] } : { where: 'sweep IS NOT NULL', args: [] };

/** A running run whose owner is gone: lease over, or the owning process dead on this host. */
const stale = (r: ClaimRow): boolean => r.lease_until === null || r.lease_until <= now() || ownerIsDead(r.owner_host, r.owner_pid);

export class SqliteStore implements RunStore {
  readonly kind = 'sqlite';
  readonly db: Database.Database;
  private readonly version = codeVersion();

  /** Set when the store's folder cannot be written: a snapshot of the file, read in memory. */
  readonly snapshotOnly: boolean = false;

  private constructor(readonly path: string, opts: OpenOptions) {
    if (!opts.create && !existsSync(path)) throw new Error(`no run store at ${path} (give --store <file|postgres://…> or set $SBPTT_STORE; \`sbptt train\` or \`sbptt sweep\` create one)`);
    if (existsSync(path) && statSync(path).isDirectory()) throw new Error(`the run store ${path} is a folder, expected a SQLite file (e.g. ${path}/sbptt.sqlite)`);
    let db: Database.Database | undefined;
    try {
      db = new Database(path);
      db.pragma('journal_mode = WAL');
      this.db = db;
    } catch (e) {
      db?.close();
      const code = (e as { code?: string }).code ?? '';
      // A folder that cannot be written holds no WAL index: readers get a snapshot of the file.
      if (opts.create || !/^SQLITE_(READONLY|CANTOPEN)/.test(code)) throw storeError(path, e);
      this.db = snapshot(path);
      this.snapshotOnly = true;
    }
    try {
      this.db.pragma('busy_timeout = 10000');
      this.db.pragma('foreign_keys = ON');
    } catch (e) {
      this.db.close();
      throw storeError(path, e);
    }
    this.migrate(Boolean(opts.create));
  }

  get location(): string {
    return this.path;
  }

  static open(path: string, opts: OpenOptions = { create: true }): SqliteStore {
    return new SqliteStore(path, opts);
  }

  /** The version is PRAGMA user_version; a store of the first releases has 0 there but its tables (version 1). */
  private migrate(create: boolean): void {
    const apply = this.db.transaction(() => {
      let v = this.db.pragma('user_version', { simple: true }) as number;
      if (v === 0 && this.db.prepare("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'runs'").get()) v = 1;
      const problem = schemaError(this.path, v);
      if (!problem) return;
      if (!create || v > SCHEMA_VERSION) throw problem;
      for (; v < SCHEMA_VERSION; v++) this.db.exec(MIGRATIONS[v]!('sqlite'));
      this.db.pragma(`user_version = ${SCHEMA_VERSION}`);
    });
    try {
      if (this.snapshotOnly) apply();
      else apply.immediate();
    } catch (e) {
      this.db.close();
      throw (e as { code?: string }).code?.startsWith('SQLITE_') ? storeError(this.path, e) : e;
    }
  }

  async close(): Promise<void> {
    this.db.close();
  }

  /** One write transaction around `f` (its statements run on this connection; nested transactions become savepoints). */
  async serialized<T>(_key: string, f: () => Promise<T>): Promise<T> {
    this.db.exec('BEGIN IMMEDIATE');
    try {
      const out = await f();
      this.db.exec('COMMIT');
      return out;
    } catch (e) {
      if (this.db.inTransaction) this.db.exec('ROLLBACK');
      throw e;
    }
  }

  async createRun(config: TrainConfig, sweep: string | null = null, source?: ProblemSource, outDir: string | null = null): Promise<number> {
    const r = this.db
      .prepare("INSERT INTO runs (sweep, problem, config, seed, status, created_at, code_version, problem_source, out_dir) VALUES (?, ?, ?, ?, 'queued', ?, ?, ?, ?)")
      .run(sweep, config.problem, JSON.stringify(config), config.seed, now(), this.version, JSON.stringify(source ?? { kind: 'builtin', name: config.problem }), outDir);
    return Number(r.lastInsertRowid);
  }

  private take(id: number, owner: Owner, leaseSeconds: number): void {
    this.db
      .prepare("UPDATE runs SET status = 'running', started_at = COALESCE(started_at, ?), owner = ?, owner_host = ?, owner_pid = ?, lease_until = ? WHERE id = ?")
      .run(now(), owner.token, owner.host, owner.pid, later(leaseSeconds), id);
  }

  async claimRun(id: number, owner: Owner, leaseSeconds: number, takeover = false): Promise<boolean> {
    return this.db
      .transaction(() => {
        const r = this.db.prepare('SELECT id, status, owner, owner_host, owner_pid, lease_until FROM runs WHERE id = ?').get(id) as ClaimRow | undefined;
        if (!r) throw new Error(`no run with id ${id} in ${this.path}`);
        const free = r.status === 'queued' || (r.status === 'running' && (takeover || r.owner === owner.token || stale(r)));
        if (free) this.take(id, owner, leaseSeconds);
        return free;
      })
      .immediate();
  }

  /** Claims the first claimable run (lowest id) in the scope, or null: the SQLite backend's queue. */
  async claimNext(scope: ClaimScope, owner: Owner, leaseSeconds: number): Promise<number | null> {
    const { where, args } = scopeSql(scope);
    return this.db
      .transaction(() => {
        const rows = this.db
          .prepare(`SELECT id, status, owner, owner_host, owner_pid, lease_until FROM runs WHERE ${where} AND status IN ('queued', 'running') ORDER BY id`)
          .all(...args) as ClaimRow[];
        const next = rows.find((r) => r.status === 'queued') ?? rows.find(stale);
        if (!next) return null;
        this.take(next.id, owner, leaseSeconds);
        return next.id;
      })
      .immediate();
  }

  /** Runs in the scope that are running under a live lease (someone is on them). */
  async countActive(scope: ClaimScope): Promise<number> {
    const { where, args } = scopeSql(scope);
    const rows = this.db.prepare(`SELECT id, status, owner, owner_host, owner_pid, lease_until FROM runs WHERE ${where} AND status = 'running'`).all(...args) as ClaimRow[];
    return rows.filter((r) => !stale(r)).length;
  }

  /** Renews the owner's lease, or throws if the run is no longer its. Inside the caller's transaction. */
  private holdLease(id: number, owner: Owner | undefined, leaseSeconds: number): void {
    if (!owner) return;
    const r = this.db.prepare("UPDATE runs SET lease_until = ? WHERE id = ? AND owner = ? AND status = 'running'").run(later(leaseSeconds), id, owner.token);
    if (r.changes === 0) throw new LeaseLostError(id);
  }

  async saveProgress(id: number, snapshot: TrainSnapshot, owner?: Owner, leaseSeconds = 600): Promise<void> {
    const insert = this.db.prepare(
      `INSERT OR REPLACE INTO epochs (run_id, epoch, loss, train_loss, test_loss, physics_loss, physics_train_loss,
       physics_test_loss, grad_size, cos_sim, time) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
    );
    this.db.transaction(() => {
      this.holdLease(id, owner, leaseSeconds);
      this.db.prepare('DELETE FROM epochs WHERE run_id = ? AND epoch > ?').run(id, snapshot.epoch);
      // Append only the epochs not stored yet; the checkpoint itself holds no records (they are the
      // epochs table's), so a checkpoint costs the same at epoch 1000 as at epoch 1.
      const { last } = this.db.prepare('SELECT COALESCE(MAX(epoch), 0) AS last FROM epochs WHERE run_id = ?').get(id) as { last: number };
      for (const r of snapshot.records) {
        if (r.epoch <= last) continue;
        insert.run(id, r.epoch, r.loss, r.trainLoss, r.testLoss, r.physicsLoss, r.physicsTrainLoss, r.physicsTestLoss, r.gradSize, r.cosSim, r.time);
      }
      this.db.prepare('DELETE FROM diagnostics WHERE run_id = ? AND epoch > ?').run(id, snapshot.epoch);
      const { lastDiagnosis } = this.db.prepare('SELECT COALESCE(MAX(epoch), -1) AS lastDiagnosis FROM diagnostics WHERE run_id = ?').get(id) as { lastDiagnosis: number };
      const addDiagnosis = this.db.prepare('INSERT INTO diagnostics (run_id, epoch, flow, params) VALUES (?, ?, ?, ?)');
      for (const d of freshDiagnoses(snapshot, lastDiagnosis)) addDiagnosis.run(id, d.epoch, d.flow, d.params);
      this.db
        .prepare('INSERT OR REPLACE INTO checkpoints (run_id, epoch, snapshot, updated_at) VALUES (?, ?, ?, ?)')
        .run(id, snapshot.epoch, checkpointJson(snapshot), now());
    }).immediate();
  }

  async release(id: number, owner: Owner): Promise<void> {
    const r = this.db.prepare("UPDATE runs SET status = 'queued', owner = NULL, lease_until = NULL WHERE id = ? AND owner = ? AND status = 'running'").run(id, owner.token);
    if (r.changes === 0) throw new LeaseLostError(id);
  }

  async requeue(id: number): Promise<void> {
    this.db.prepare("UPDATE runs SET status = 'queued', reason = NULL, finished_at = NULL, owner = NULL, lease_until = NULL WHERE id = ? AND status = 'failed'").run(id);
  }

  async finish(id: number, status: FinalStatus, reason: string | null, controller: ControllerFile | null, owner?: Owner): Promise<void> {
    this.db.transaction(() => {
      this.holdLease(id, owner, 0);
      this.db
        .prepare('UPDATE runs SET status = ?, reason = ?, finished_at = ?, controller = COALESCE(?, controller), lease_until = NULL WHERE id = ?')
        .run(status, reason, now(), controller ? JSON.stringify(controller) : null, id);
    }).immediate();
  }

  /** The latest checkpoint with its records (the stored epochs up to it), or null. */
  async checkpoint(id: number): Promise<TrainSnapshot | null> {
    const row = this.db.prepare('SELECT snapshot FROM checkpoints WHERE run_id = ?').get(id) as { snapshot: string } | undefined;
    if (!row) return null;
    const snapshot = JSON.parse(row.snapshot) as TrainSnapshot;
    return { ...snapshot, records: (await this.records(id)).filter((r) => r.epoch <= snapshot.epoch) };
  }

  async run(id: number): Promise<StoredRun> {
    const row = this.db.prepare(`SELECT ${RUN_COLUMNS} FROM runs r WHERE r.id = ?`).get(id) as RunRow | undefined;
    if (!row) throw new Error(`no run with id ${id} in ${this.path}`);
    return fromRow(row, this.path);
  }

  async runs(filter: RunFilter = {}): Promise<StoredRun[]> {
    const where: string[] = [];
    const args: unknown[] = [];
    if (filter.problem !== undefined) (where.push('r.problem = ?'), args.push(filter.problem));
    if (filter.status !== undefined) (where.push('r.status = ?'), args.push(filter.status));
    if (filter.sweep !== undefined) (where.push('r.sweep = ?'), args.push(filter.sweep));
    const sql = `SELECT ${RUN_COLUMNS} FROM runs r ${where.length ? 'WHERE ' + where.join(' AND ') : ''} ORDER BY r.id`;
    return fromRows(this.db.prepare(sql).all(...args) as RunRow[], this.path, filter.onSkip);
  }

  async sweeps(): Promise<{ sweep: string; runs: number; done: number }[]> {
    return this.db
      .prepare("SELECT sweep, COUNT(*) AS runs, SUM(status IN ('done', 'diverged', 'failed')) AS done FROM runs WHERE sweep IS NOT NULL GROUP BY sweep ORDER BY sweep")
      .all() as { sweep: string; runs: number; done: number }[];
  }

  async records(id: number): Promise<EpochRecord[]> {
    return this.db.prepare(`SELECT ${EPOCH_COLUMNS} FROM epochs WHERE run_id = ? ORDER BY epoch`).all(id) as EpochRecord[];
  }

  async controller(id: number): Promise<ControllerFile | null> {
    const row = this.db.prepare('SELECT controller FROM runs WHERE id = ?').get(id) as { controller: string | null } | undefined;
    if (!row) throw new Error(`no run with id ${id} in ${this.path}`);
    return row.controller ? (JSON.parse(row.controller) as ControllerFile) : null;
  }

  async diagnoses(id: number, opts: { params?: boolean } = {}): Promise<StoredDiagnosis[]> {
    const rows = this.db.prepare(`SELECT epoch, flow${opts.params ? ', params' : ''} FROM diagnostics WHERE run_id = ? ORDER BY epoch`).all(id) as DiagnosisRow[];
    return rows.map(fromDiagnosisRow);
  }
}

/** One line naming the store file, what went wrong and what to do. */
function storeError(path: string, e: unknown): Error {
  const code = (e as { code?: string }).code ?? '';
  const message = (e as Error).message;
  if (code.startsWith('SQLITE_NOTADB') || code.startsWith('SQLITE_CORRUPT')) {
    return new Error(`the run store ${path} is not a readable SQLite database (${message}): check --store / $SBPTT_STORE, or move the file aside to start a new store`);
  }
  if (code.startsWith('SQLITE_CANTOPEN') || code.startsWith('SQLITE_READONLY') || code.startsWith('SQLITE_PERM')) {
    return new Error(`cannot open the run store ${path} for writing (${message}): check that the file and its folder are writable, or give another --store`);
  }
  return new Error(`the run store ${path}: ${message}`);
}

/**
 * The file as an in-memory database (for reading only). Its header is switched from WAL to the
 * rollback journal, which an in-memory copy needs; changes still in a -wal file are not seen.
 */
function snapshot(path: string): Database.Database {
  try {
    const bytes = readFileSync(path);
    if (bytes.length >= 20 && bytes[18] === 2) (bytes[18] = 1), (bytes[19] = 1);
    return new Database(bytes, { readonly: true });
  } catch (e) {
    throw storeError(path, e);
  }
}
