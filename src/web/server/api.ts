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
 *   GET /api/runs/:id/problem                what the page needs of its problem (title, complexity, scene)
 *   GET /api/runs/:id/frames?n=4&width=720   its rollout as SVG frames drawn here (problems the page does not bundle)
 *   GET /api/runs/:id/diagnostics            its epochs with stored parameters and its training diagnoses
 *   GET /api/runs/:id/diagnose?epoch=…       the gradient flow of a stored epoch, computed here (diagnose-api.ts)
 */
import { fieldLabel } from '../../bptt/modes.js';
import { BUILTIN_PROBLEMS, type ProblemDefinition } from '../../physics/index.js';
import { datasetFor } from '../../runs/datasets.js';
import { problemOfRun, problemsOf } from '../../runs/problems.js';
import { complexityText } from '../../runs/figures/data.js';
import { STATUSES, type RunFilter, type RunStore, type StoredRun } from '../../runs/store.js';
import type { EpochRecord } from '../../train/record.js';
import type { CurveColumns, InitialStates, ProblemInfo, RolloutFrames, RunDetail, RunListEntry, SweepCurves, SweepDetail, SweepSummary } from '../api-types.js';
import { diagnoseNow, runDiagnostics } from './diagnose-api.js';
import { bad as badRequest, checkQuery, checkSweepName, notFound, parseProblem, parseRunId, parseSampleCount, parseStatus, quote } from './params.js';

export const API_ROUTES = [
  '/api/sweeps',
  '/api/sweeps/:sweep',
  '/api/sweeps/:sweep/curves',
  '/api/runs',
  '/api/runs/:id',
  '/api/runs/:id/records',
  '/api/runs/:id/controller',
  '/api/runs/:id/initial-states',
  '/api/runs/:id/problem',
  '/api/runs/:id/frames',
  '/api/runs/:id/diagnostics',
  '/api/runs/:id/diagnose',
] as const;

/** A run's problem definition (built-in or module), for the API's answers that need one. */
async function definitionOf(run: StoredRun): Promise<ProblemDefinition> {
  try {
    return await problemOfRun(run, { allowChanged: true });
  } catch (e) {
    throw notFound((e as Error).message);
  }
}

/** The JSON form of what the page needs of a problem (labels computed here: they are functions). */
export function problemInfo(def: ProblemDefinition, runs: readonly StoredRun[]): ProblemInfo {
  const c = def.complexity;
  let complexity: ProblemInfo['complexity'] = null;
  if (c) {
    const values = [...new Set([...c.values, ...runs.map((r) => r.config.settings[c.key]!).filter((v) => v !== undefined)])];
    // Only a problem's own labels travel (they are functions here); the page labels the rest itself.
    const label = c.label;
    const labels = label ? Object.fromEntries(values.map((v) => [String(v), label(v)])) : {};
    complexity = { key: c.key, values: [...c.values], labels };
  }
  return {
    name: def.name,
    title: def.title,
    builtin: BUILTIN_PROBLEMS.includes(def),
    complexity,
    reportsPhysicsLoss: def.reportsPhysicsLoss,
    updateSizePanel: def.updateSizePanel,
    hasScene: def.presentation.scene !== undefined,
  };
}

async function findRun(store: RunStore, text: string): Promise<StoredRun> {
  const id = parseRunId(text);
  try {
    return await store.run(id);
  } catch (e) {
    if (/^no run with id/.test((e as Error).message)) throw notFound(`run ${id} not found`);
    throw e;
  }
}

async function sweepRuns(store: RunStore, text: string): Promise<StoredRun[]> {
  const name = checkSweepName(text);
  const runs = await store.runs({ sweep: name });
  if (runs.length === 0) throw notFound(`sweep ${quote(name)} not found`);
  return runs;
}

export async function sweepSummaries(store: RunStore): Promise<SweepSummary[]> {
  const bySweep = new Map<string, SweepSummary>();
  for (const r of await store.runs()) {
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

/** Each run's complexity as its problem labels it ("poles 2", "target 3 (paper: 2)", — for none). */
async function complexityLabels(runs: readonly StoredRun[]): Promise<Map<number, string>> {
  const problems = await problemsOf(runs);
  return new Map(runs.map((r) => [r.id, complexityText(r, problems.get(r.id)!)]));
}

async function runList(store: RunStore, query: URLSearchParams): Promise<RunListEntry[]> {
  checkQuery(query, ['sweep', 'status', 'problem']);
  const filter: RunFilter = {};
  const status = query.get('status'), problem = query.get('problem'), sweep = query.get('sweep');
  if (status !== null) filter.status = parseStatus(status);
  if (problem !== null) filter.problem = parseProblem(problem);
  if (sweep !== null) {
    await sweepRuns(store, sweep); // 400 for a malformed name, 404 for an unknown one
    filter.sweep = sweep;
  }
  const runs = await store.runs(filter);
  const labels = await complexityLabels(runs);
  return Promise.all(
    runs.map(async (r) => {
      const last = r.epochsDone > 0 ? (await store.records(r.id)).at(-1)!.testLoss : null;
      return { ...r, complexity: labels.get(r.id)!, lastTestLoss: last !== null && Number.isFinite(last) ? last : null };
    }),
  );
}

async function initialStates(run: StoredRun, query: URLSearchParams): Promise<InitialStates> {
  checkQuery(query, ['n']);
  const n = parseSampleCount(query.get('n'), run.config.testSize);
  const problem = (await definitionOf(run)).create(run.config.settings);
  const S = problem.simulator.stateSize;
  const test = datasetFor(problem, run.config).test;
  return { run: run.id, n, stateSize: S, data: Array.from(test.subarray(0, n * S)) };
}

const RUN_PARTS = [undefined, 'records', 'controller', 'initial-states', 'problem', 'frames', 'diagnostics', 'diagnose'];
const SWEEP_PARTS = [undefined, 'curves'];

async function rolloutFrames(store: RunStore, run: StoredRun, query: URLSearchParams): Promise<RolloutFrames> {
  checkQuery(query, ['n', 'width']);
  const n = parseSampleCount(query.get('n'), run.config.testSize);
  const w = query.get('width');
  const width = w === null ? 720 : /^[1-9][0-9]{2,3}$/.test(w) ? Number(w) : NaN;
  if (!(width >= 240 && width <= 2000)) throw badRequest(`width must be an integer from 240 to 2000, got ${quote(w ?? '')}`);
  if (!(await store.controller(run.id))) throw notFound(`run ${run.id} has no trained controller yet (status ${run.status})`);
  const def = await definitionOf(run);
  // Scenes draw SVG text: loaded here so the API's other routes need no rendering code.
  const { rolloutRun, createScene, defaultEvery, frameSteps, sceneFor } = await import('../../runs/animate/index.js');
  const { rollout, loss } = await rolloutRun(store, run.id, def, n);
  const scene = createScene(rollout, sceneFor(def), { width, title: `run ${run.id} · ${run.problem} · ${fieldLabel(run.config)}` });
  const steps = frameSteps(rollout.steps, defaultEvery(rollout.steps));
  return { run: run.id, samples: n, width: scene.width, height: scene.height, totalSteps: rollout.steps, steps, frames: steps.map((k) => scene.frame(k)), loss };
}

async function runRoute(store: RunStore, id: string, part: string | undefined, query: URLSearchParams): Promise<unknown> {
  if (!RUN_PARTS.includes(part)) throw unknownRoute(['runs', id, part!]);
  const run = await findRun(store, id);
  if (part === 'initial-states') return initialStates(run, query);
  if (part === 'frames') return rolloutFrames(store, run, query);
  if (part === 'diagnostics') return runDiagnostics(store, run, query);
  if (part === 'diagnose') return diagnoseNow(store, run, await definitionOf(run), query);
  if (part === 'problem') {
    checkQuery(query, []);
    return problemInfo(await definitionOf(run), [run]);
  }
  checkQuery(query, []);
  if (part === undefined) {
    const complexity = (await complexityLabels([run])).get(run.id)!;
    return { ...run, complexity, hasController: (await store.controller(run.id)) !== null } satisfies RunDetail;
  }
  if (part === 'controller') {
    const file = await store.controller(run.id);
    if (!file) throw notFound(`run ${run.id} has no trained controller yet (status ${run.status})`);
    return file;
  }
  return store.records(run.id);
}

async function sweepRoute(store: RunStore, name: string, part: string | undefined, query: URLSearchParams): Promise<unknown> {
  if (!SWEEP_PARTS.includes(part)) throw unknownRoute(['sweeps', name, part!]);
  checkQuery(query, []);
  const runs = await sweepRuns(store, name);
  const problem = runs[0]!.problem;
  const info = problemInfo(await definitionOf(runs[0]!), runs);
  if (part === undefined) return { sweep: name, problem, problemInfo: info, runs } satisfies SweepDetail;
  const withCurves = await Promise.all(runs.map(async (r) => ({ ...r, curves: curveColumns(await store.records(r.id)) })));
  return { sweep: name, problem, problemInfo: info, runs: withCurves } satisfies SweepCurves;
}

function unknownRoute(segments: readonly string[]): Error {
  return notFound(`no API route ${quote('/api/' + segments.join('/'))}; routes: ${API_ROUTES.join(', ')}`);
}

/** The answer to GET /api/<segments>?<query>. */
export async function answerApi(store: RunStore, segments: readonly string[], query: URLSearchParams): Promise<unknown> {
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
