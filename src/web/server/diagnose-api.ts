/**
 * The API's gradient-flow routes (docs/diagnostics.md):
 *
 *   GET /api/runs/:id/diagnostics                      the epochs whose θ the run keeps, and the
 *                                                      diagnoses stored while it trained
 *   GET /api/runs/:id/diagnose?epoch=&modes=&horizons=&batch=
 *                                                      a diagnosis of one stored epoch, computed now
 *                                                      on a worker thread (the server answers meanwhile)
 */
import { DEFAULT_HORIZON_POINTS, horizonsOf, parseDiagnosedModes } from '../../bptt/diagnose.js';
import type { BaseMode } from '../../bptt/modes.js';
import type { ProblemDefinition } from '../../physics/problem.js';
import { runEpochs, trainingDiagnoses } from '../../runs/diagnose-run.js';
import { diagnoseRunInThread } from '../../runs/diagnose-thread.js';
import type { EpochFlow } from '../../runs/figures/diagnose-spec.js';
import type { RunStore, StoredRun } from '../../runs/store.js';
import type { RunDiagnostics } from '../api-types.js';
import { bad, checkQuery, notFound, quote } from './params.js';

/** At most this many initial states per computed diagnosis (a thread's worth of work per request). */
export const MAX_DIAGNOSE_BATCH = 32;
/** At most this many unrolled steps over the whole horizon curve (Σ Nt'), for the same reason. */
export const MAX_HORIZON_STEPS = 20_000;

export async function runDiagnostics(store: RunStore, run: StoredRun, query: URLSearchParams): Promise<RunDiagnostics> {
  checkQuery(query, []);
  const epochs = await runEpochs(store, run);
  return { run: run.id, epochs: [...epochs].map(([epoch, source]) => ({ epoch, source })), training: await trainingDiagnoses(store, run) };
}

function parseModes(text: string | null): BaseMode[] {
  if (text === null) return ['full', 'physics', 'network', 'stop'];
  try {
    return parseDiagnosedModes(text);
  } catch (e) {
    throw bad(`modes: ${(e as Error).message}`);
  }
}

function parseIntIn(name: string, text: string | null, min: number, max: number, fallback: number): number {
  if (text === null) return fallback;
  const n = /^[0-9]{1,9}$/.test(text) ? Number(text) : NaN;
  if (!(n >= min && n <= max)) throw bad(`${name} must be an integer from ${min} to ${max}, got ${quote(text)}`);
  return n;
}

export async function diagnoseNow(store: RunStore, run: StoredRun, def: ProblemDefinition, query: URLSearchParams): Promise<EpochFlow> {
  checkQuery(query, ['epoch', 'modes', 'horizons', 'batch']);
  const epochs = await runEpochs(store, run);
  const known = [...epochs.keys()];
  const e = query.get('epoch');
  const epoch = e === null || e === 'last' ? known.at(-1)! : /^[0-9]{1,9}$/.test(e) ? Number(e) : NaN;
  if (Number.isNaN(epoch)) throw bad(`epoch must be an epoch number or last, got ${quote(e ?? '')}`);
  if (!epochs.has(epoch)) throw notFound(`run ${run.id} has no parameters of epoch ${epoch}; epochs with parameters: ${known.join(', ')}`);
  const steps = def.create(run.config.settings).steps;
  const stride = parseIntIn('horizons', query.get('horizons'), 0, steps, Math.max(1, Math.ceil(steps / DEFAULT_HORIZON_POINTS)));
  const cost = horizonsOf(steps, stride).reduce((a, b) => a + b, 0);
  if (cost > MAX_HORIZON_STEPS) throw bad(`horizons: a stride of ${stride} unrolls ${cost} steps in all, more than the ${MAX_HORIZON_STEPS} the server computes; give a larger stride or 0`);
  const batch = parseIntIn('batch', query.get('batch'), 1, Math.min(MAX_DIAGNOSE_BATCH, run.config.testSize), Math.min(run.config.batch, run.config.testSize, MAX_DIAGNOSE_BATCH));
  const [flow] = await diagnoseRunInThread(store, run, def, { epochs: [epoch], modes: parseModes(query.get('modes')), horizonStride: stride, batch });
  return flow!;
}
