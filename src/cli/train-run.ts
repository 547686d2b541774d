/**
 * Trains one stored run in this process with progress lines, then writes its folder: shared by
 * `sbptt train` (a new run, or the unfinished run of the same --out) and `sbptt resume <id>`.
 * Exit codes: 0 done, 3 diverged, 4 failed.
 */
import { join } from 'node:path';
import { fieldLabel } from '../bptt/modes.js';
import type { ProblemDefinition } from '../physics/problem.js';
import { EtaEstimator } from '../runs/eta.js';
import { executeRun } from '../runs/execute.js';
import { writeRunFolder } from '../runs/output.js';
import type { ProblemSource } from '../runs/problems.js';
import type { RunStore, StoredRun } from '../runs/store.js';
import { duration, exp, NOT_COMPUTED } from './format.js';

export const EXIT_DIVERGED = 3;
export const EXIT_FAILED = 4;

/** Why a run cannot be taken now: another live process trains it. */
export function busyMessage(run: StoredRun, store: RunStore): string {
  return `run ${run.id} in ${store.path} is being trained by another process that is still alive; wait for it, or stop it and then \`sbptt resume ${run.id}\``;
}

export async function trainStoredRun(
  store: RunStore,
  run: StoredRun,
  def: ProblemDefinition,
  source: ProblemSource,
  out: string,
  quiet: boolean,
): Promise<void> {
  const { config, id } = run;
  const mode = fieldLabel(config);
  const field = config.schedule ? 'schedule' : config.mode + (config.truncate ? `, truncated to ${config.truncate} steps` : '');
  const eta = new EtaEstimator([run], 1);
  // Only mode C computes both fields whose cosine the record holds; the others record 0.
  const cosine = config.mode === 'combined' && config.schedule === null;
  const { status, trainer } = await executeRun(store, id, {
    problem: def,
    takeover: run.interrupted,
    onStart: (t) => {
      if (quiet) return;
      const from = t.epoch > 0 ? `, resumed at epoch ${t.epoch}/${config.epochs}` : `, initial test loss ${exp(t.evaluate().testLoss)}`;
      process.stderr.write(`${def.name} run ${id}: ${t.problem.controller.paramCount} parameters, mode ${mode} (${field})${config.init ? `, warm start from ${config.init.from}` : ''}${from}\n`);
    },
    onEpoch: ({ record: r, epoch, epochs, wallSeconds }) => {
      eta.epoch(id, epoch, epochs, wallSeconds);
      if (quiet) return;
      const phys = def.reportsPhysicsLoss ? `  phys ${exp(r.physicsTestLoss)}` : '';
      process.stderr.write(
        `epoch ${String(epoch).padStart(String(epochs).length)}/${epochs}  loss ${exp(r.loss)}  train ${exp(r.trainLoss)}  test ${exp(r.testLoss)}${phys}` +
          `  grad ${exp(r.gradSize)}  cos ${cosine ? r.cosSim.toFixed(3).padStart(6) : NOT_COMPUTED.padStart(6)}  ${duration(wallSeconds)}/epoch  ETA ${duration(eta.seconds())}\n`,
      );
    },
  });
  if (status === 'busy') throw new Error(busyMessage(run, store));
  if (status === 'lost') throw new Error(`run ${id} in ${store.path} was taken over by another process while this one trained it`);
  const stored = await store.run(id);
  if (status === 'failed' || !trainer) {
    process.stderr.write(`sbptt: run ${id} failed: ${stored.reason ?? 'unknown reason'}; after fixing the cause, \`sbptt resume ${id}\` continues it from its last checkpoint\n`);
    process.exitCode = EXIT_FAILED;
    return;
  }
  const files = writeRunFolder(out, trainer, source);
  if (status === 'diverged') {
    process.stderr.write(`run ${id} diverged: ${trainer.reason}; the records up to then are in ${out}\n`);
    process.exitCode = EXIT_DIVERGED;
  } else {
    process.stdout.write(`done: run ${id}, final test loss ${exp(trainer.records.at(-1)!.testLoss)}\n`);
  }
  process.stdout.write(`wrote ${files.config}, ${files.csv}, ${files.json}, ${files.controller}; stored as run ${id} in ${store.path}\n`);
  process.stdout.write(`rerun: sbptt train --config ${join(out, 'config.json')} --out <new folder>\n`);
}
