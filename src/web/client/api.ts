/** The page's access to the read-only API (server/api.ts), with its answers typed. */
import type { ControllerFile, EpochFlow, EpochRecord, RunDiagnostics, InitialStates, ProblemInfo, RolloutFrames, RunDetail, RunListEntry, SweepCurves, SweepDetail, SweepSummary } from '../api-types.js';

export class ApiError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

/** GET a JSON answer; an error answer becomes an ApiError with the server's message. */
export async function getJson<T>(path: string): Promise<T> {
  let res: Response;
  try {
    res = await fetch(path, { headers: { Accept: 'application/json' }, cache: 'no-store' });
  } catch {
    throw new ApiError(0, 'the dashboard server does not answer (is `sbptt serve` still running?)');
  }
  const text = await res.text();
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    throw new ApiError(res.status, `unexpected answer from ${path} (HTTP ${res.status})`);
  }
  if (!res.ok) throw new ApiError(res.status, (body as { error?: string }).error ?? `HTTP ${res.status}`);
  return body as T;
}

const enc = encodeURIComponent;

export const api = {
  sweeps: () => getJson<SweepSummary[]>('/api/sweeps'),
  sweep: (name: string) => getJson<SweepDetail>(`/api/sweeps/${enc(name)}`),
  curves: (name: string) => getJson<SweepCurves>(`/api/sweeps/${enc(name)}/curves`),
  runs: () => getJson<RunListEntry[]>('/api/runs'),
  run: (id: number) => getJson<RunDetail>(`/api/runs/${id}`),
  records: (id: number) => getJson<EpochRecord[]>(`/api/runs/${id}/records`),
  controller: (id: number) => getJson<ControllerFile>(`/api/runs/${id}/controller`),
  initialStates: (id: number, n: number) => getJson<InitialStates>(`/api/runs/${id}/initial-states?n=${n}`),
  problem: (id: number) => getJson<ProblemInfo>(`/api/runs/${id}/problem`),
  frames: (id: number, n: number, width: number) => getJson<RolloutFrames>(`/api/runs/${id}/frames?n=${n}&width=${width}`),
  diagnostics: (id: number) => getJson<RunDiagnostics>(`/api/runs/${id}/diagnostics`),
  diagnose: (id: number, epoch: number) => getJson<EpochFlow>(`/api/runs/${id}/diagnose?epoch=${epoch}`),
};

export const POLL_MS = 2000;

/**
 * Calls `tick` now and then every `ms` after each call has settled, until the returned stop
 * function is called. The status line in the top bar says when the data was last fetched.
 */
export function poll(tick: () => Promise<void>, ms = POLL_MS): () => void {
  let stopped = false;
  let timer: ReturnType<typeof setTimeout> | undefined;
  const live = document.getElementById('live');
  const run = async (): Promise<void> => {
    try {
      await tick();
      if (live && !stopped) (live.textContent = `live · updated ${new Date().toLocaleTimeString()}`), (live.className = 'live');
    } catch (e) {
      if (live && !stopped) (live.textContent = (e as Error).message), (live.className = 'live live-error');
    }
    if (!stopped) timer = setTimeout(() => void run(), ms);
  };
  void run();
  return () => {
    stopped = true;
    clearTimeout(timer);
    if (live) live.textContent = '';
  };
}
