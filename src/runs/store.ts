/**
 * The run store: one embedded SQLite database (better-sqlite3, WAL mode, so several processes
 * may write at once) holding every run — config, seed, status, timings, code version — its
 * per-epoch records, its latest checkpoint and its final controller.
 *
 * Location: `--store <file>`, else $SBPTT_STORE, else ./sbptt.sqlite.
 */
import Database from 'better-sqlite3';
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { TrainConfig } from '../train/config.js';
import type { ProblemSource } from './problems.js';
import type { ControllerFile } from '../train/controller-file.js';
import type { EpochRecord } from '../train/record.js';
import type { TrainSnapshot } from '../train/trainer.js';
import { packageRoot } from './paths.js';

export type StoredStatus = 'queued' | 'running' | 'done' | 'diverged' | 'failed';
export const STATUSES: readonly StoredStatus[] = ['queued', 'running', 'done', 'diverged', 'failed'];

export interface StoredRun {
  id: number;
  sweep: string | null;
  problem: string;
  config: TrainConfig;
  seed: number;
  status: StoredStatus;
  reason: string | null;
  createdAt: string;
  startedAt: string | null;
  finishedAt: string | null;
  /** Summed update time of the stored epochs, seconds. */
  trainSeconds: number;
  epochsDone: number;
  codeVersion: string;
  /** Where the problem comes from: a built-in, or a module file with the hash of its contents then. */
  problemSource: ProblemSource;
}

export interface RunFilter {
  problem?: string;
  status?: StoredStatus;
  sweep?: string;
}

const SCHEMA = `
CREATE TABLE IF NOT EXISTS runs (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  sweep TEXT,
  problem TEXT NOT NULL,
  config TEXT NOT NULL,
  seed INTEGER NOT NULL,
  status TEXT NOT NULL CHECK (status IN ('queued', 'running', 'done', 'diverged', 'failed')),
  reason TEXT,
  created_at TEXT NOT NULL,
  started_at TEXT,
  finished_at TEXT,
  code_version TEXT NOT NULL,
  controller TEXT,
  problem_source TEXT
);
CREATE INDEX IF NOT EXISTS runs_sweep ON runs (sweep);
CREATE TABLE IF NOT EXISTS epochs (
  run_id INTEGER NOT NULL REFERENCES runs (id) ON DELETE CASCADE,
  epoch INTEGER NOT NULL,
  loss REAL, train_loss REAL, test_loss REAL,
  physics_loss REAL, physics_train_loss REAL, physics_test_loss REAL,
  grad_size REAL, cos_sim REAL, time REAL,
  PRIMARY KEY (run_id, epoch)
);
CREATE TABLE IF NOT EXISTS checkpoints (
  run_id INTEGER PRIMARY KEY REFERENCES runs (id) ON DELETE CASCADE,
  epoch INTEGER NOT NULL,
  snapshot TEXT NOT NULL,
  updated_at TEXT NOT NULL
);
`;

export function defaultStorePath(flag?: string): string {
  return flag ?? process.env.SBPTT_STORE ?? 'sbptt.sqlite';
}

let cachedVersion: string | null = null;

/**
 * What code made a run: "stable-bptt 0.1.0 (git 1a2b3c4d5e6f), Node v20.19.0, linux-x64"; the
 * commit only when the package is a git checkout of its own.
 */
export function codeVersion(): string {
  if (cachedVersion !== null) return cachedVersion;
  const root = packageRoot();
  let version = 'unknown';
  try {
    version = (JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { version: string }).version;
  } catch {
    // an unreadable package.json leaves 'unknown'
  }
  let commit = '';
  if (existsSync(join(root, '.git'))) {
    try {
      commit = execFileSync('git', ['rev-parse', '--short=12', 'HEAD'], { cwd: root, stdio: ['ignore', 'pipe', 'ignore'], timeout: 5000 }).toString().trim();
    } catch {
      // no git on the machine: the version alone
    }
  }
  return (cachedVersion = `stable-bptt ${version}${commit ? ` (git ${commit})` : ''}, Node ${process.version}, ${process.platform}-${process.arch}`);
}

interface RunRow {
  id: number;
  sweep: string | null;
  problem: string;
  config: string;
  seed: number;
  status: StoredStatus;
  reason: string | null;
  created_at: string;
  started_at: string | null;
  finished_at: string | null;
  code_version: string;
  problem_source: string | null;
  epochs_done: number;
  train_seconds: number | null;
}

const RUN_COLUMNS = `r.id, r.sweep, r.problem, r.config, r.seed, r.status, r.reason, r.created_at, r.started_at,
  r.finished_at, r.code_version, r.problem_source, (SELECT COUNT(*) FROM epochs e WHERE e.run_id = r.id) AS epochs_done,
  (SELECT SUM(time) FROM epochs e WHERE e.run_id = r.id) AS train_seconds`;

const now = (): string => new Date().toISOString();

export class RunStore {
  readonly db: Database.Database;
  private readonly version = codeVersion();

  private constructor(readonly path: string) {
    try {
      this.db = new Database(path);
    } catch (e) {
      throw new Error(`cannot open the run store ${path}: ${(e as Error).message}`);
    }
    this.db.pragma('journal_mode = WAL');
    this.db.pragma('busy_timeout = 10000');
    this.db.pragma('foreign_keys = ON');
    this.db.exec(SCHEMA);
    // Stores made before problems could come from modules lack the column: their runs are built-ins.
    const columns = this.db.prepare('PRAGMA table_info(runs)').all() as { name: string }[];
    if (!columns.some((c) => c.name === 'problem_source')) this.db.exec('ALTER TABLE runs ADD COLUMN problem_source TEXT');
  }

  static open(path: string): RunStore {
    return new RunStore(path);
  }

  close(): void {
    this.db.close();
  }

  createRun(
    config: TrainConfig,
    sweep: string | null = null,
    status: StoredStatus = 'queued',
    source: ProblemSource = { kind: 'builtin', name: config.problem },
  ): number {
    const r = this.db
      .prepare('INSERT INTO runs (sweep, problem, config, seed, status, created_at, code_version, problem_source) VALUES (?, ?, ?, ?, ?, ?, ?, ?)')
      .run(sweep, config.problem, JSON.stringify(config), config.seed, status, now(), this.version, JSON.stringify(source));
    return Number(r.lastInsertRowid);
  }

  markRunning(id: number): void {
    this.db.prepare("UPDATE runs SET status = 'running', started_at = COALESCE(started_at, ?) WHERE id = ?").run(now(), id);
  }

  /**
   * Stores the epochs after the last stored one and the snapshot, atomically: the records in the
   * table and the checkpoint always agree, whenever the process is killed.
   */
  saveProgress(id: number, snapshot: TrainSnapshot): void {
    const insert = this.db.prepare(
      `INSERT OR REPLACE INTO epochs (run_id, epoch, loss, train_loss, test_loss, physics_loss, physics_train_loss,
       physics_test_loss, grad_size, cos_sim, time) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
    );
    this.db.transaction(() => {
      this.db.prepare('DELETE FROM epochs WHERE run_id = ? AND epoch > ?').run(id, snapshot.epoch);
      for (const r of snapshot.records) {
        insert.run(id, r.epoch, r.loss, r.trainLoss, r.testLoss, r.physicsLoss, r.physicsTrainLoss, r.physicsTestLoss, r.gradSize, r.cosSim, r.time);
      }
      this.db
        .prepare('INSERT OR REPLACE INTO checkpoints (run_id, epoch, snapshot, updated_at) VALUES (?, ?, ?, ?)')
        .run(id, snapshot.epoch, JSON.stringify(snapshot), now());
    })();
  }

  /** Puts a failed run back in the queue (its checkpoint stays, so it resumes from there). */
  requeue(id: number): void {
    this.db.prepare("UPDATE runs SET status = 'queued', reason = NULL, finished_at = NULL WHERE id = ? AND status = 'failed'").run(id);
  }

  finish(id: number, status: Exclude<StoredStatus, 'queued' | 'running'>, reason: string | null, controller: ControllerFile | null): void {
    this.db
      .prepare('UPDATE runs SET status = ?, reason = ?, finished_at = ?, controller = COALESCE(?, controller) WHERE id = ?')
      .run(status, reason, now(), controller ? JSON.stringify(controller) : null, id);
  }

  checkpoint(id: number): TrainSnapshot | null {
    const row = this.db.prepare('SELECT snapshot FROM checkpoints WHERE run_id = ?').get(id) as { snapshot: string } | undefined;
    return row ? (JSON.parse(row.snapshot) as TrainSnapshot) : null;
  }

  run(id: number): StoredRun {
    const row = this.db.prepare(`SELECT ${RUN_COLUMNS} FROM runs r WHERE r.id = ?`).get(id) as RunRow | undefined;
    if (!row) throw new Error(`no run with id ${id} in ${this.path}`);
    return fromRow(row);
  }

  runs(filter: RunFilter = {}): StoredRun[] {
    const where: string[] = [];
    const args: unknown[] = [];
    if (filter.problem !== undefined) (where.push('r.problem = ?'), args.push(filter.problem));
    if (filter.status !== undefined) (where.push('r.status = ?'), args.push(filter.status));
    if (filter.sweep !== undefined) (where.push('r.sweep = ?'), args.push(filter.sweep));
    const sql = `SELECT ${RUN_COLUMNS} FROM runs r ${where.length ? 'WHERE ' + where.join(' AND ') : ''} ORDER BY r.id`;
    return (this.db.prepare(sql).all(...args) as RunRow[]).map(fromRow);
  }

  sweeps(): { sweep: string; runs: number; done: number }[] {
    return this.db
      .prepare("SELECT sweep, COUNT(*) AS runs, SUM(status IN ('done', 'diverged', 'failed')) AS done FROM runs WHERE sweep IS NOT NULL GROUP BY sweep ORDER BY sweep")
      .all() as { sweep: string; runs: number; done: number }[];
  }

  records(id: number): EpochRecord[] {
    return this.db
      .prepare(
        `SELECT epoch, loss, train_loss AS trainLoss, test_loss AS testLoss, physics_loss AS physicsLoss,
         physics_train_loss AS physicsTrainLoss, physics_test_loss AS physicsTestLoss, grad_size AS gradSize,
         cos_sim AS cosSim, time FROM epochs WHERE run_id = ? ORDER BY epoch`,
      )
      .all(id) as EpochRecord[];
  }

  controller(id: number): ControllerFile | null {
    const row = this.db.prepare('SELECT controller FROM runs WHERE id = ?').get(id) as { controller: string | null } | undefined;
    if (!row) throw new Error(`no run with id ${id} in ${this.path}`);
    return row.controller ? (JSON.parse(row.controller) as ControllerFile) : null;
  }
}

function fromRow(r: RunRow): StoredRun {
  return {
    id: r.id,
    sweep: r.sweep,
    problem: r.problem,
    config: JSON.parse(r.config) as TrainConfig,
    seed: r.seed,
    status: r.status,
    reason: r.reason,
    createdAt: r.created_at,
    startedAt: r.started_at,
    finishedAt: r.finished_at,
    trainSeconds: r.train_seconds ?? 0,
    epochsDone: r.epochs_done,
    codeVersion: r.code_version,
    problemSource: r.problem_source ? (JSON.parse(r.problem_source) as ProblemSource) : { kind: 'builtin', name: r.problem },
  };
}
