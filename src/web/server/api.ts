/**
 * The dashboard's read-only API over the run store. `answerApi` maps the decoded path segments
 * after "/api" and the query to a JSON-able answer, or throws an HttpError: 400 for an invalid
 * parameter, 404 for an unknown route, run or sweep. It never writes.
 *
 *   GET /api/sweeps                          every sweep with its progress
 *   GET /api/sweeps/:sweep                   a sweep's runs
 *   GET /api/sweeps/:sweep/curves            its runs with the columns the comparison figure reads
 *   GET /api/runs[?sweep=&status=&problem=]  runs, filtered, each with its last test loss
 *   GET /api/runs/:id                        one run (+ whether a trained controller is stored)
 *   GET /api/runs/:id/records                its per-epoch records
 *   GET /api/runs/:id/controller             its trained controller file
 *   GET /api/runs/:id/initial-states?n=4     its first n test initial states (for a rollout)
 */
import { getProblem } from '../../physics/index.js';
import { datasetFor } from '../../runs/datasets.js';
import { STATUSES, type RunFilter, type RunStore, type StoredRun } from '../../runs/store.js';
import type { EpochRecord } from '../../train/record.js';
import type { CurveColumns, InitialStates, RunDetail, RunListEntry, SweepCurves, SweepDetail, SweepSummary } from '../api-types.js';
import { checkQuery, checkSweepName, notFound, parseProblem, parseRunId, parseSampleCount, parseStatus, quote } from './params.js';

export const API_ROUTES = [
  '/api/sweeps',
  '/api/sweeps/:sweep',
  '/api/sweeps/:sweep/curves',
  '/api/runs',
  '/api/runs/:id',
  '/api/runs/:id/records',
  '/api/runs/:id/controller',
  '/api/runs/:id/initial-states',
] as const;

function findRun(store: RunStore, text: string): StoredRun {
  const id = parseRunId(text);
  try {
    return store.run(id);
  } catch (e) {
    if (/^no run with id/.test((e as Error).message)) throw notFound(`run ${id} not found`);
    throw e;
  }
}

function sweepRuns(store: RunStore, text: string): StoredRun[] {
  const name = checkSweepName(text);
  const runs = store.runs({ sweep: name });
  if (runs.length === 0) throw notFound(`sweep ${quote(name)} not found`);
  return runs;
}

export function sweepSummaries(store: RunStore): SweepSummary[] {
  const bySweep = new Map<string, SweepSummary>();
  for (const r of store.runs()) {
    if (r.sweep === null) continue;
    let s = bySweep.get(r.sweep);
    if (!s) {
      const counts = Object.fromEntries(STATUSES.map((k) => [k, 0])) as SweepSummary['counts'];
      s = { sweep: r.sweep, problem: r.problem, runs: 0, counts, epochsDone: 0, epochsTotal: 0 };
      bySweep.set(r.sweep, s);
    }
    s.runs++;
    s.counts[r.status]++;
    s.epochsDone += r.epochsDone;
    // A run that stopped early (diverged, failed) has all the epochs it will ever have.
    s.epochsTotal += r.status === 'queued' || r.status === 'running' ? Math.max(r.config.epochs, r.epochsDone) : r.epochsDone;
  }
  return [...bySweep.values()].sort((a, b) => a.sweep.localeCompare(b.sweep));
}

function curveColumns(records: readonly EpochRecord[]): CurveColumns {
  // JSON has no NaN: non-finite values (a diverged epoch) travel as null.
  const finite = (v: number | null): number | null => (v !== null && Number.isFinite(v) ? v : null);
  return {
    epoch: records.map((r) => r.epoch),
    testLoss: records.map((r) => finite(r.testLoss)),
    gradSize: records.map((r) => finite(r.gradSize)),
    time: records.map((r) => r.time),
  };
}

function runList(store: RunStore, query: URLSearchParams): RunListEntry[] {
  checkQuery(query, ['sweep', 'status', 'problem']);
  const filter: RunFilter = {};
  const status = query.get('status'), problem = query.get('problem'), sweep = query.get('sweep');
  if (status !== null) filter.status = parseStatus(status);
  if (problem !== null) filter.problem = parseProblem(problem);
  if (sweep !== null) {
    sweepRuns(store, sweep); // 400 for a malformed name, 404 for an unknown one
    filter.sweep = sweep;
  }
  return store.runs(filter).map((r) => {
    const last = r.epochsDone > 0 ? store.records(r.id).at(-1)!.testLoss : null;
    return { ...r, lastTestLoss: last !== null && Number.isFinite(last) ? last : null };
  });
}

function initialStates(run: StoredRun, query: URLSearchParams): InitialStates {
  checkQuery(query, ['n']);
  const n = parseSampleCount(query.get('n'), run.config.testSize);
  const problem = getProblem(run.config.problem).create(run.config.settings);
  const S = problem.simulator.stateSize;
  const test = datasetFor(problem, run.config).test;
  return { run: run.id, n, stateSize: S, data: Array.from(test.subarray(0, n * S)) };
}

const RUN_PARTS = [undefined, 'records', 'controller', 'initial-states'];
const SWEEP_PARTS = [undefined, 'curves'];

function runRoute(store: RunStore, id: string, part: string | undefined, query: URLSearchParams): unknown {
  if (!RUN_PARTS.includes(part)) throw unknownRoute(['runs', id, part!]);
  const run = findRun(store, id);
  if (part === 'initial-states') return initialStates(run, query);
  checkQuery(query, []);
  if (part === undefined) return { ...run, hasController: store.controller(run.id) !== null } satisfies RunDetail;
  if (part === 'controller') {
    const file = store.controller(run.id);
    if (!file) throw notFound(`run ${run.id} has no trained controller yet (status ${run.status})`);
    return file;
  }
  return store.records(run.id);
}

function sweepRoute(store: RunStore, name: string, part: string | undefined, query: URLSearchParams): unknown {
  if (!SWEEP_PARTS.includes(part)) throw unknownRoute(['sweeps', name, part!]);
  checkQuery(query, []);
  const runs = sweepRuns(store, name);
  const problem = runs[0]!.problem;
  if (part === undefined) return { sweep: name, problem, runs } satisfies SweepDetail;
  return { sweep: name, problem, runs: runs.map((r) => ({ ...r, curves: curveColumns(store.records(r.id)) })) } satisfies SweepCurves;
}

function unknownRoute(segments: readonly string[]): Error {
  return notFound(`no API route ${quote('/api/' + segments.join('/'))}; routes: ${API_ROUTES.join(', ')}`);
}

/** The answer to GET /api/<segments>?<query>. */
export function answerApi(store: RunStore, segments: readonly string[], query: URLSearchParams): unknown {
  const [head, arg, part, ...rest] = segments;
  if (rest.length === 0) {
    if (head === 'sweeps' && arg === undefined) {
      checkQuery(query, []);
      return sweepSummaries(store);
    }
    if (head === 'sweeps' && arg !== undefined) return sweepRoute(store, arg, part, query);
    if (head === 'runs' && arg === undefined) return runList(store, query);
    if (head === 'runs' && arg !== undefined) return runRoute(store, arg, part, query);
  }
  throw unknownRoute(segments);
}
