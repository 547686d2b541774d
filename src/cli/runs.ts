/** `sbptt runs` (list and filter stored runs and sweeps) and `sbptt export` (records as CSV or JSON). */
import { writeFileSync } from 'node:fs';
import { Command } from 'commander';
import { problemOfRun } from '../runs/problems.js';
import { defaultStorePath, RunStore, STATUSES, type StoredRun, type StoredStatus } from '../runs/store.js';
import { recordColumns, recordsToCsv, type EpochRecord } from '../train/record.js';
import { duration, sci, table } from './format.js';

const storeOption = '--store <file>';
const storeHelp = 'run store (default $SBPTT_STORE or ./sbptt.sqlite)';

function parseStatus(text: string | undefined): StoredStatus | undefined {
  if (text === undefined) return undefined;
  if (!(STATUSES as readonly string[]).includes(text)) throw new Error(`--status: got "${text}", expected one of ${STATUSES.join(', ')}`);
  return text as StoredStatus;
}

export function runsCommand(): Command {
  return new Command('runs')
    .description('list stored runs (and sweeps), optionally filtered')
    .option(storeOption, storeHelp)
    .option('--problem <name>', 'only runs of this problem')
    .option('--status <status>', `only runs with this status: ${STATUSES.join(', ')}`)
    .option('--sweep <name>', 'only runs of this sweep')
    .option('--sweeps', 'list the sweeps instead of the runs')
    .option('--json', 'print JSON')
    .action((o: { store?: string; problem?: string; status?: string; sweep?: string; sweeps?: boolean; json?: boolean }) => {
      const status = parseStatus(o.status);
      const store = RunStore.open(defaultStorePath(o.store));
      try {
        if (o.sweeps) {
          const sweeps = store.sweeps();
          process.stdout.write(o.json ? JSON.stringify(sweeps) + '\n' : table(['sweep', 'runs', 'finished'], sweeps.map((s) => [s.sweep, String(s.runs), String(s.done)])) + '\n');
          return;
        }
        const runs = store.runs({ ...(o.problem !== undefined && { problem: o.problem }), ...(status && { status }), ...(o.sweep !== undefined && { sweep: o.sweep }) });
        if (o.json) {
          process.stdout.write(JSON.stringify(runs) + '\n');
          return;
        }
        const last = (r: StoredRun): string => {
          const rec = store.records(r.id).at(-1);
          return rec ? sci(rec.testLoss) : '-';
        };
        const rows = runs.map((r) => [String(r.id), r.problem, r.config.schedule ?? r.config.mode, r.config.clip, r.status, `${r.epochsDone}/${r.config.epochs}`, last(r), duration(r.trainSeconds), r.sweep ?? '-']);
        process.stdout.write(table(['id', 'problem', 'mode', 'clip', 'status', 'epochs', 'test loss', 'time', 'sweep'], rows) + '\n');
      } finally {
        store.close();
      }
    });
}

/** A run id (digits) or a sweep name. */
function exportRecords(store: RunStore, target: string): { runs: StoredRun[]; records: Map<number, EpochRecord[]> } {
  let runs: StoredRun[];
  if (/^\d+$/.test(target)) runs = [store.run(Number(target))];
  else {
    runs = store.runs({ sweep: target });
    if (runs.length === 0) throw new Error(`no run id or sweep named "${target}" in ${store.path}; see \`sbptt runs\``);
  }
  return { runs, records: new Map(runs.map((r) => [r.id, store.records(r.id)])) };
}

export function exportCommand(): Command {
  return new Command('export')
    .description('write the per-epoch records of a run or a whole sweep as CSV (long format) or JSON')
    .argument('<run|sweep>', 'a run id or a sweep name')
    .option('--format <format>', 'csv or json', 'csv')
    .option('--out <file>', 'write to a file instead of standard output')
    .option(storeOption, storeHelp)
    .action(async (target: string, o: { format: string; out?: string; store?: string }) => {
      if (o.format !== 'csv' && o.format !== 'json') throw new Error(`--format: got "${o.format}", expected csv or json`);
      const store = RunStore.open(defaultStorePath(o.store));
      let text: string;
      try {
        const { runs, records } = exportRecords(store, target);
        if (o.format === 'json') {
          text = JSON.stringify(runs.map((r) => ({ ...r, records: records.get(r.id) })), null, 1) + '\n';
        } else {
          // Long format: one row per run and epoch, the run's identifying fields first (pandas-ready).
          const physics = await reportsPhysicsLoss(runs);
          const columns = recordColumns(physics);
          const lines: string[] = [];
          for (const r of runs) {
            const csv = recordsToCsv(records.get(r.id)!, columns).trimEnd().split('\n');
            if (lines.length === 0) lines.push(`run,problem,mode,clip,seed,${csv[0]}`);
            const id = `${r.id},${r.problem},${r.config.schedule ?? r.config.mode},${r.config.clip},${r.seed}`;
            for (const line of csv.slice(1)) lines.push(`${id},${line}`);
          }
          text = lines.join('\n') + '\n';
        }
      } finally {
        store.close();
      }
      if (o.out) writeFileSync(o.out, text);
      else process.stdout.write(text);
    });
}

/** Whether any of the runs' problems reports the physics-only loss (a problem module that is gone: yes, to lose nothing). */
async function reportsPhysicsLoss(runs: readonly StoredRun[]): Promise<boolean> {
  for (const r of runs) {
    try {
      if ((await problemOfRun(r, { allowChanged: true })).reportsPhysicsLoss) return true;
    } catch {
      return true;
    }
  }
  return false;
}
