/** `sbptt runs` (list and filter stored runs and sweeps) and `sbptt export` (records as CSV or JSON). */
import { writeFileSync } from 'node:fs';
import { Command } from 'commander';
import { fieldLabel } from '../bptt/modes.js';
import type { ProblemDefinition, SettingValue } from '../physics/index.js';
import { complexityOf, complexityText } from '../runs/figures/data.js';
import { problemsOf } from '../runs/problems.js';
import { STATUSES, type RunStore, type StoredRun, type StoredStatus } from '../runs/store.js';
import { recordColumns, recordsToCsv, type EpochRecord } from '../train/record.js';
import { duration, exp, NOT_COMPUTED, table } from './format.js';
import { checkWritableFile } from './out-arg.js';
import { openExistingStore, STORE_FLAG, STORE_HELP } from './store-arg.js';

/** What `runs` shows and filters by: the stored status, or `interrupted` for a running run whose process is gone. */
type ShownStatus = StoredStatus | 'interrupted';
const SHOWN: readonly ShownStatus[] = [...STATUSES, 'interrupted'];

function parseStatus(text: string | undefined): ShownStatus | undefined {
  if (text === undefined) return undefined;
  if (!(SHOWN as readonly string[]).includes(text)) throw new Error(`--status: got ${JSON.stringify(text.slice(0, 40))}, expected one of ${SHOWN.join(', ')}`);
  return text as ShownStatus;
}

export const shownStatus = (r: StoredRun): ShownStatus => (r.interrupted ? 'interrupted' : r.status);

/** A row that cannot be read: one warning line naming it, and the listing goes on without it. */
export const warnSkipped = (e: Error): void => void process.stderr.write(`sbptt: warning: ${e.message}\n`);

/** The paper's letter of a run's mode (R, M, C, S, N), or its schedule. */
export function modeOf(r: StoredRun): string {
  return fieldLabel(r.config);
}

/** The run's value of its problem's complexity setting, or — when the problem has none or is not at hand. */
function complexityValue(r: StoredRun, p: ProblemDefinition | null): string {
  return p?.complexity ? String(complexityOf(p, { ...r, records: [] })) : NOT_COMPUTED;
}

function complexityRaw(r: StoredRun, p: ProblemDefinition | null): SettingValue | null {
  return p?.complexity ? complexityOf(p, { ...r, records: [] }) : null;
}

export function runsCommand(): Command {
  return new Command('runs')
    .description('list stored runs (and sweeps), optionally filtered')
    .option(STORE_FLAG, STORE_HELP)
    .option('--problem <name>', 'only runs of this problem')
    .option('--status <status>', `only runs with this status: ${SHOWN.join(', ')} (running, but its process is gone: \`sbptt resume <id>\`)`)
    .option('--sweep <name>', 'only runs of this sweep')
    .option('--sweeps', 'list the sweeps instead of the runs')
    .option('--json', 'print JSON')
    .action(async (o: { store?: string; problem?: string; status?: string; sweep?: string; sweeps?: boolean; json?: boolean }) => {
      const status = parseStatus(o.status);
      const store = await openExistingStore(o.store);
      try {
        if (o.sweeps) {
          const sweeps = await store.sweeps();
          process.stdout.write(o.json ? JSON.stringify(sweeps) + '\n' : table(['sweep', 'runs', 'finished'], sweeps.map((s) => [s.sweep, String(s.runs), String(s.done)])) + '\n');
          return;
        }
        const stored = status === 'interrupted' ? 'running' : status;
        const runs = (
          await store.runs({ ...(o.problem !== undefined && { problem: o.problem }), ...(stored && { status: stored }), ...(o.sweep !== undefined && { sweep: o.sweep }), onSkip: warnSkipped })
        ).filter((r) => status === undefined || shownStatus(r) === status);
        if (o.json) {
          process.stdout.write(JSON.stringify(runs) + '\n');
          return;
        }
        const last = async (r: StoredRun): Promise<string> => {
          const t = r.epochsDone > 0 ? (await store.records(r.id)).at(-1)!.testLoss : null;
          return exp(t === null || Number.isFinite(t) ? t : null);
        };
        const losses = await Promise.all(runs.map(last));
        const problems = await problemsOf(runs);
        const rows = runs.map((r, k) => [String(r.id), r.problem, complexityText(r, problems.get(r.id)!), modeOf(r), r.config.clip, shownStatus(r), `${r.epochsDone}/${r.config.epochs}`, losses[k]!, r.epochsDone > 0 ? duration(r.trainSeconds) : NOT_COMPUTED, r.sweep ?? NOT_COMPUTED]);
        process.stdout.write(table(['id', 'problem', 'complexity', 'mode', 'clip', 'status', 'epochs', 'last test loss', 'time', 'sweep'], rows) + '\n');
      } finally {
        await store.close();
      }
    });
}

/** A run id (digits) or a sweep name. */
async function exportRecords(store: RunStore, target: string): Promise<{ runs: StoredRun[]; records: Map<number, EpochRecord[]> }> {
  let runs: StoredRun[];
  if (/^\d+$/.test(target)) runs = [await store.run(Number(target))];
  else {
    runs = await store.runs({ sweep: target, onSkip: warnSkipped });
    if (runs.length === 0) throw new Error(`no run id or sweep named "${target}" in ${store.path}; see \`sbptt runs\``);
  }
  return { runs, records: new Map(await Promise.all(runs.map(async (r) => [r.id, await store.records(r.id)] as const))) };
}

/** Long format: one row per run and epoch, the run's identifying fields first (pandas-ready). */
export function exportCsv(
  runs: readonly StoredRun[],
  records: ReadonlyMap<number, readonly EpochRecord[]>,
  problems: ReadonlyMap<number, ProblemDefinition | null>,
): string {
  // A problem not at hand: keep every column rather than lose the physics-only losses.
  const physics = runs.some((r) => problems.get(r.id)?.reportsPhysicsLoss ?? true);
  const columns = recordColumns(physics);
  const lines: string[] = [];
  for (const r of runs) {
    const csv = recordsToCsv(records.get(r.id)!, columns).trimEnd().split('\n');
    if (lines.length === 0) lines.push(`run,problem,complexity,mode,clip,seed,${csv[0]}`);
    const id = `${r.id},${r.problem},${complexityValue(r, problems.get(r.id)!)},${modeOf(r)},${r.config.clip},${r.seed}`;
    for (const line of csv.slice(1)) lines.push(`${id},${line}`);
  }
  return lines.join('\n') + '\n';
}

export function exportCommand(): Command {
  return new Command('export')
    .description('write the per-epoch records of a run or a whole sweep as CSV (long format) or JSON')
    .argument('<run|sweep>', 'a run id or a sweep name')
    .option('--format <format>', 'csv or json', 'csv')
    .option('--out <file>', 'write to a file instead of standard output')
    .option(STORE_FLAG, STORE_HELP)
    .action(async (target: string, o: { format: string; out?: string; store?: string }) => {
      if (o.format !== 'csv' && o.format !== 'json') throw new Error(`--format: got "${o.format}", expected csv or json`);
      if (o.out !== undefined) checkWritableFile('--out', o.out);
      const store = await openExistingStore(o.store);
      let text: string;
      try {
        const { runs, records } = await exportRecords(store, target);
        const problems = await problemsOf(runs);
        text =
          o.format === 'json'
            ? JSON.stringify(runs.map((r) => ({ ...r, complexity: complexityRaw(r, problems.get(r.id)!), modeLetter: modeOf(r), records: records.get(r.id) })), null, 1) + '\n'
            : exportCsv(runs, records, problems);
      } finally {
        await store.close();
      }
      if (o.out) writeFileSync(o.out, text);
      else process.stdout.write(text);
    });
}
