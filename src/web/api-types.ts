/**
 * The JSON the dashboard's read-only API answers with, shared by the server (server/api.ts)
 * and the page (client/api.ts). Types only: nothing here exists at run time.
 */
import type { StoredRun, StoredStatus } from '../runs/store.js';
import type { ControllerFile } from '../train/controller-file.js';
import type { EpochRecord } from '../train/record.js';

export type { ControllerFile, EpochRecord, StoredRun, StoredStatus };

/** GET /api/sweeps: one entry per sweep, with its progress. */
export interface SweepSummary {
  sweep: string;
  /** The problem of the sweep's runs (a sweep holds one problem). */
  problem: string;
  runs: number;
  /** Runs per status. */
  counts: Record<StoredStatus, number>;
  /** Stored epochs over all runs, and the epochs all runs will have once finished. */
  epochsDone: number;
  epochsTotal: number;
}

/** GET /api/sweeps/:sweep. */
export interface SweepDetail {
  sweep: string;
  problem: string;
  runs: StoredRun[];
}

/** The columns a sweep's figure reads, per run, column-wise (null: a non-finite value). */
export interface CurveColumns {
  epoch: number[];
  testLoss: (number | null)[];
  gradSize: (number | null)[];
  /** Seconds each epoch's updates took. */
  time: number[];
}

/** GET /api/sweeps/:sweep/curves. */
export interface SweepCurves {
  sweep: string;
  problem: string;
  runs: (StoredRun & { curves: CurveColumns })[];
}

/** GET /api/runs: a run with its last stored test loss (null: no epoch yet, or not finite). */
export interface RunListEntry extends StoredRun {
  lastTestLoss: number | null;
}

/** GET /api/runs/:id. */
export interface RunDetail extends StoredRun {
  /** Whether a trained controller is stored (GET /api/runs/:id/controller answers). */
  hasController: boolean;
}

/** GET /api/runs/:id/initial-states?n=…: the run's first n test initial states, row-major [n][stateSize]. */
export interface InitialStates {
  run: number;
  n: number;
  stateSize: number;
  data: number[];
}

/** Every error answer: 400 (invalid parameter), 404 (unknown route, run or sweep), 405 (method). */
export interface ApiError {
  error: string;
}
