/**
 * The JSON the dashboard's read-only API answers with, shared by the server (server/api.ts)
 * and the page (client/api.ts). Types only: nothing here exists at run time.
 */
import type { EpochFlow } from '../runs/figures/diagnose-spec.js';
import type { ParamsSource } from '../runs/diagnose-run.js';
import type { StoredRun, StoredStatus } from '../runs/store.js';
import type { ControllerFile } from '../train/controller-file.js';
import type { EpochRecord } from '../train/record.js';

export type { ControllerFile, EpochFlow, EpochRecord, StoredRun, StoredStatus };

/** GET /api/runs/:id/diagnostics: the epochs whose parameters the run keeps, and the diagnoses stored while it trained. */
export interface RunDiagnostics {
  run: number;
  epochs: { epoch: number; source: ParamsSource }[];
  training: EpochFlow[];
}

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

/** GET /api/runs/:id/problem, and with a sweep's detail: what the page needs of a problem. */
export interface ProblemInfo {
  name: string;
  title: string;
  /** Built-in problems are bundled with the page (rollouts run in the browser); others are drawn by the server. */
  builtin: boolean;
  /** The sweep axis, with the problem's own label of each value when it has one ("target 3 (paper: 2)"). */
  complexity: { key: string; values: (number | string | boolean)[]; labels: Record<string, string> } | null;
  reportsPhysicsLoss: boolean;
  updateSizePanel: boolean;
  hasScene: boolean;
}

/** GET /api/runs/:id/frames?n=&width=: the rollout of the run's controller as SVG frames. */
export interface RolloutFrames {
  run: number;
  samples: number;
  width: number;
  height: number;
  /** Nt. */
  totalSteps: number;
  /** The step of each frame. */
  steps: number[];
  frames: string[];
  loss: number;
}

/** GET /api/sweeps/:sweep. */
export interface SweepDetail {
  sweep: string;
  problem: string;
  problemInfo: ProblemInfo;
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
  problemInfo: ProblemInfo;
  runs: (StoredRun & { curves: CurveColumns })[];
}

/** GET /api/runs: a run with its last stored test loss (null: no epoch yet, or not finite). */
/** A stored run as the API shows it: with its complexity as its problem labels it ("poles 2"; — for none). */
export interface RunView extends StoredRun {
  complexity: string;
}

export interface RunListEntry extends RunView {
  lastTestLoss: number | null;
}

/** GET /api/runs/:id. */
export interface RunDetail extends RunView {
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
