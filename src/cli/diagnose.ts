/**
 * `sbptt diagnose <problem|run>`: the gradient flow of each mode (docs/diagnostics.md) — per step
 * the state adjoint's norm and the step's share of the update, the update's norm over the
 * horizon, per layer — as a figure (SVG + PNG) and a CSV. For a problem: a fresh controller (the
 * initialisation of a run with that seed) on the first test states; for a stored run: its
 * parameters of the chosen epochs on its first test states, plus the diagnoses stored while it
 * trained (--diagnose-every) as a figure over the epochs.
 */
import { join } from 'node:path';
import { Command } from 'commander';
import { BASE_MODES, defaultHorizonStride, diagnoseGradientFlow, parseDiagnosedModes } from '../bptt/diagnose.js';
import { PAPER_LETTER, type BaseMode } from '../bptt/modes.js';
import { diagnoseRun, describeEpochs, pickEpochs, runEpochs, trainingDiagnoses } from '../runs/diagnose-run.js';
import type { EpochFlow } from '../runs/figures/diagnose-spec.js';
import { problemOfRun } from '../runs/problems.js';
import { resolveTrainConfig, parsePositiveInt } from '../train/config.js';
import { Trainer } from '../train/trainer.js';
import { duration } from './format.js';
import { addSettingOptions, settingsFromOptions } from './options.js';
import { problemListing, type ProblemCommand } from './problem-args.js';
import { openExistingStore, STORE_FLAG, STORE_HELP } from './store-arg.js';

/** "R,M" → the base modes; combined has no adjoint of its own. */
export function parseModeList(text: string): BaseMode[] {
  try {
    return parseDiagnosedModes(text);
  } catch (e) {
    throw new Error(`--modes: ${(e as Error).message}`);
  }
}

/** The horizon stride: a positive integer, or 0 for no horizon curve. */
export function parseHorizonStride(text: string): number {
  if (!/^\d+$/.test(text.trim())) throw new Error(`--horizons: got "${text}", expected a stride (a positive integer; 0: no horizon curve)`);
  return Number(text);
}

interface Common {
  modes: BaseMode[];
  horizonStride: number | undefined;
  batch: number | undefined;
  out: string;
  quiet: boolean;
}

function commonFlags(o: Record<string, unknown>): Common {
  return {
    modes: o.modes === undefined ? [...BASE_MODES] : parseModeList(String(o.modes)),
    horizonStride: o.horizons === undefined ? undefined : parseHorizonStride(String(o.horizons)),
    batch: o.batch === undefined ? undefined : parsePositiveInt('batch', o.batch),
    out: String(o.out ?? 'figures'),
    quiet: Boolean(o.quiet),
  };
}

function addCommonOptions(cmd: Command): Command {
  return cmd
    .option('--modes <list>', 'base modes, comma-separated: R (full), M (physics), N (network), S (stop) (default R,M,N,S)')
    .option('--batch <n>', 'initial states diagnosed at once: the first n test states (default: the batch size of training)')
    .option('--horizons <stride>', "the horizon curve's stride: Nt' = 1, 1+stride, … and Nt (default: at most 40 points; 0: no curve)")
    .option('--out <dir>', 'output folder', 'figures')
    .option('--quiet', 'no progress lines');
}

/** Progress on stderr at most once a second: what, how far, ETA. */
function progress(quiet: boolean): (epoch: number, done: number, total: number) => void {
  const t0 = Date.now();
  let last = 0;
  let epochStart = t0;
  let current = -1;
  return (epoch, done, total) => {
    if (quiet) return;
    if (epoch !== current) (current = epoch), (epochStart = Date.now());
    const now = Date.now();
    if (now - last < 1000 && done < total) return;
    last = now;
    const eta = ((now - epochStart) / 1000 / done) * (total - done);
    process.stderr.write(`diagnose epoch ${epoch}: ${done}/${total} sweeps and horizons  ${duration((now - t0) / 1000)} so far, ETA ${duration(eta)}\n`);
  };
}

async function report(flows: readonly EpochFlow[], base: string, title: string, over: EpochFlow[] | null, overBase: string): Promise<void> {
  const { writeGradientFlow, writeGradientFlowEpochs } = await import('../runs/figures/diagnose-figure.js');
  const files = await writeGradientFlow(flows, base, title);
  for (const { epoch, flow } of flows) {
    const line = flow.modes.map((m) => `${m.letter} ‖λ_1‖/‖λ_Nt‖ ${ratio(m.adjointNorms[0]!, m.adjointNorms.at(-1)!)}, ‖update‖ ${m.gradNorm.toExponential(3)}`).join('; ');
    process.stdout.write(`epoch ${epoch}: ${line}\n`);
  }
  process.stdout.write(`figure (SVG): ${files.svg}\nfigure (PNG): ${files.png}\ntable (CSV): ${files.csv}\n`);
  if (over && over.length > 0) {
    const o = await writeGradientFlowEpochs(over, overBase, `${title}: diagnoses during training`);
    process.stdout.write(`over the epochs (${over.length} diagnoses): ${o.svg}, ${o.png}, ${o.csv}\n`);
  }
}

const ratio = (a: number, b: number): string => (b === 0 ? (a === 0 ? '0/0' : '∞') : (a / b).toExponential(2));

export function diagnoseCommand(problems: readonly ProblemCommand[]): Command {
  const cmd = new Command('diagnose')
    .description("the gradient flow of each mode: per step ‖λ_n‖ and the step's share of the update, the update over the horizon and per layer (figure + CSV)")
    .argument('[run]', 'a stored run id (see `sbptt runs`); or name a problem instead: `sbptt diagnose cartpole --poles 2`')
    .option(STORE_FLAG, STORE_HELP)
    .option('--epochs-of-run <list>', 'epochs whose stored parameters to diagnose: numbers, last, or all (default last)')
    .enablePositionalOptions()
    .allowExcessArguments(true);
  addCommonOptions(cmd).action(async (target: string | undefined, o: Record<string, unknown>) => {
    if (target === undefined || !/^\d+$/.test(target) || Number(target) < 1) {
      const got = target === undefined ? '' : ` (got "${target}")`;
      throw new Error(`diagnose: name a problem (${problems.map((p) => p.command).join(', ')} or a module path) or a run id${got}`);
    }
    const id = Number(target);
    const c = commonFlags(o);
    const store = await openExistingStore(o.store as string | undefined);
    try {
      const run = await store.run(id);
      const def = await problemOfRun(run, { allowChanged: true, warn: (line) => process.stderr.write(line + '\n') });
      const epochs = await runEpochs(store, run);
      const picked = o.epochsOfRun === undefined ? [[...epochs.keys()].at(-1)!] : pickEpochs(String(o.epochsOfRun), run, epochs);
      process.stderr.write(`run ${id}: parameters stored for epochs ${describeEpochs(epochs)}; diagnosing ${picked.join(', ')}\n`);
      const flows = await diagnoseRun(store, run, def, { epochs: picked, modes: c.modes, ...(c.batch !== undefined && { batch: c.batch }), ...(c.horizonStride !== undefined && { horizonStride: c.horizonStride }), onProgress: progress(c.quiet) });
      const over = await trainingDiagnoses(store, run);
      if (over.length === 0) process.stderr.write(`run ${id} stored no diagnoses while training (train with --diagnose-every k for a figure over the epochs)\n`);
      await report(flows, join(c.out, `run-${id}-diagnose`), `${def.title} — run ${id} (${PAPER_LETTER[run.config.mode]})`, over, join(c.out, `run-${id}-diagnose-epochs`));
    } finally {
      await store.close();
    }
  });
  for (const p of problems) {
    const sub = new Command(p.command).description(`diagnose a fresh controller of ${p.definition.title}`);
    addSettingOptions(sub, p.definition).option('--seed <n>', 'seed of the initialisation and the test states (default 0)');
    addCommonOptions(sub).action(async (o: Record<string, unknown>) => {
      const c = commonFlags(o);
      const def = p.definition;
      const config = resolveTrainConfig(def, { settings: settingsFromOptions(def, o), ...(o.seed !== undefined && { seed: o.seed }), precision: 'f64' });
      const trainer = new Trainer(def, config);
      const B = c.batch ?? config.batch;
      if (B > config.testSize) throw new Error(`--batch: got ${B}, at most the ${config.testSize} test states`);
      const S = trainer.problem.simulator.stateSize;
      const tick = progress(c.quiet);
      const flow = diagnoseGradientFlow(trainer.problem, trainer.params, trainer.data.test.subarray(0, B * S), {
        modes: c.modes,
        horizonStride: c.horizonStride ?? defaultHorizonStride(trainer.problem.steps),
        onProgress: (done, total) => tick(0, done, total),
      });
      await report([{ epoch: 0, flow }], join(c.out, `diagnose-${def.name}`), `${def.title} — fresh controller, seed ${config.seed}`, null, '');
    });
    cmd.addCommand(sub);
  }
  cmd.addHelpText('after', problemListing(problems));
  return cmd;
}
