/**
 * `sbptt train <problem>`: one subcommand per problem, its flags derived from the problem's
 * settings; `sbptt train --config <run>/config.json` reruns a run from its folder (same config,
 * same seed: the same numbers).
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Command } from 'commander';
import { fieldLabel } from '../bptt/modes.js';
import { executeRun } from '../runs/execute.js';
import { recordedWarmStart, resolveWarmStart, type WarmStart } from '../runs/init.js';
import { warmStartSnapshot } from '../train/warm-start.js';
import { builtinProblem, loadProblemModule, type LoadedProblem } from '../runs/problems.js';
import { writeRunFolder } from '../runs/output.js';
import { defaultStorePath, RunStore } from '../runs/store.js';
import { STORE_FLAG, STORE_HELP } from './store-arg.js';
import { resolveTrainConfig, type TrainConfig, type TrainOverrides } from '../train/config.js';
import { duration, Eta, exp, NOT_COMPUTED } from './format.js';
import { addProblemOptions, overridesFromOptions } from './options.js';
import { problemListing, type ProblemCommand } from './problem-args.js';

export function trainCommand(problems: readonly ProblemCommand[]): Command {
  const problemNames = problems.map((p) => p.command).join(', ');
  const train = new Command('train')
    .description('train a controller on one problem (`sbptt train <problem> --help`), or rerun a run from its config.json')
    .option('--config <file>', "rerun a run from its folder's config.json (same config and seed: the same records)")
    .option('--out <dir>', 'output folder (default runs/<problem>-<mode>-<time>)')
    .option('--force', 'write into --out even if it already holds files')
    .option(STORE_FLAG, STORE_HELP)
    .option('--quiet', 'no per-epoch progress lines')
    // `train cartpole --out x`: flags after the problem are the problem's, not train's.
    .enablePositionalOptions()
    // Flags without a problem reach the action, which says what is missing.
    .allowUnknownOption(true)
    .allowExcessArguments(true)
    .action(async (opts: Record<string, unknown>, cmd: Command) => {
      if (opts.config === undefined) {
        const given = cmd.args.length ? ` (got ${cmd.args.join(' ')})` : '';
        throw new Error(`train: name a problem first, e.g. \`sbptt train cartpole --mode C\`${given}; problems: ${problemNames} or a module path; or rerun a run with --config <run folder>/config.json`);
      }
      if (cmd.args.length) throw new Error(`train --config: takes only --out, --force, --store and --quiet; got ${cmd.args.join(' ')}`);
      const { problem, overrides } = await readConfigFile(String(opts.config));
      await runTrain(problem, overrides, opts);
    });
  for (const p of problems) {
    const sub = new Command(p.command).description(p.definition.title);
    addProblemOptions(sub, p.definition, true)
      .option('--out <dir>', 'output folder (default runs/<problem>-<mode>-<time>)')
      .option('--force', 'write into --out even if it already holds files')
      .option('--quiet', 'no per-epoch progress lines')
      .action((opts: Record<string, unknown>) => runTrain(p, overridesFromOptions(p.definition, opts), opts));
    train.addCommand(sub);
  }
  train.addHelpText('after', problemListing(problems));
  return train;
}

/**
 * A run folder's config.json as the problem and the overrides that rebuild exactly that config.
 * A problem from a module is found again through the module path written beside the config.
 */
async function readConfigFile(path: string): Promise<{ problem: LoadedProblem; overrides: TrainOverrides }> {
  let config: TrainConfig & { problemModule?: string };
  try {
    config = JSON.parse(readFileSync(path, 'utf8')) as TrainConfig & { problemModule?: string };
  } catch (e) {
    throw new Error(`--config: cannot read ${path}: ${(e as Error).message.split('\n')[0]}`);
  }
  if (typeof config?.problem !== 'string') throw new Error(`--config: ${path} names no problem (got ${JSON.stringify(config?.problem)})`);
  const { problem: name, problemModule, ...overrides } = config;
  let problem: LoadedProblem;
  try {
    problem = problemModule ? await loadProblemModule(problemModule) : { definition: builtinProblem(name), source: { kind: 'builtin', name } };
  } catch (e) {
    throw new Error(`--config: ${path}: ${(e as Error).message}`);
  }
  if (problem.definition.name !== name) throw new Error(`--config: ${path} is a run of "${name}", but ${problemModule} defines "${problem.definition.name}"`);
  return { problem, overrides };
}

/** Refuses to write a run into a folder that already holds files, unless --force. */
function checkOut(out: string, force: boolean): void {
  if (force || !existsSync(out)) return;
  let files: string[];
  try {
    files = readdirSync(out);
  } catch {
    throw new Error(`--out: ${out} exists and is not a folder`);
  }
  if (files.length > 0) {
    const what = files.includes('config.json') ? 'an earlier run' : `${files.length} file(s)`;
    throw new Error(`--out: ${out} already holds ${what}; choose another folder, or add --force to overwrite`);
  }
}

async function runTrain({ definition: def, source }: LoadedProblem, overrides: TrainOverrides, opts: Record<string, unknown>): Promise<void> {
  let config = resolveTrainConfig(def, overrides);
  const problem = def.create(config.settings);
  const mode = fieldLabel(config);
  const stamp = new Date().toISOString().replace(/[:.]/g, '-').slice(0, 19);
  const out = String(opts.out ?? `runs/${def.name}-${mode.replace(/\//g, '_')}-${stamp}`);
  checkOut(out, Boolean(opts.force));
  const store = await RunStore.open(defaultStorePath(opts.store as string | undefined));
  // A warm start: the weights named by --init, or (rerun) those the config recorded, checked unchanged.
  let warm: WarmStart | null = null;
  try {
    if (opts.init !== undefined) warm = await resolveWarmStart(String(opts.init), problem, store);
    else if (config.init) warm = await recordedWarmStart(config.init, problem, store);
  } catch (e) {
    await store.close();
    throw e;
  }
  if (warm) config = { ...config, init: warm.record };
  const id = await store.createRun(config, null, source);
  if (warm) await store.saveProgress(id, warmStartSnapshot(config, warm.params));
  const eta = new Eta();
  const quiet = Boolean(opts.quiet);
  // Only mode C computes both fields whose cosine the record holds; the others record 0.
  const cosine = config.mode === 'combined' && config.schedule === null;
  const field = config.schedule ? 'schedule' : config.mode + (config.truncate ? `, truncated to ${config.truncate} steps` : '');
  const { status, trainer } = await executeRun(store, id, {
    problem: def,
    onStart: (t) => {
      if (!quiet) {
        const initial = t.evaluate().testLoss;
        process.stderr.write(`${def.name} run ${id}: ${problem.controller.paramCount} parameters, mode ${mode} (${field})${config.init ? `, warm start from ${config.init.from}` : ''}, initial test loss ${exp(initial)}\n`);
      }
    },
    onEpoch: ({ record: r, epoch, epochs, wallSeconds }) => {
      eta.add(wallSeconds);
      if (quiet) return;
      const phys = def.reportsPhysicsLoss ? `  phys ${exp(r.physicsTestLoss)}` : '';
      process.stderr.write(
        `epoch ${String(epoch).padStart(String(epochs).length)}/${epochs}  loss ${exp(r.loss)}  train ${exp(r.trainLoss)}  test ${exp(r.testLoss)}${phys}` +
          `  grad ${exp(r.gradSize)}  cos ${cosine ? r.cosSim.toFixed(3).padStart(6) : NOT_COMPUTED.padStart(6)}  ${duration(wallSeconds)}/epoch  ETA ${duration(eta.remaining(epochs - epoch))}\n`,
      );
    },
  });
  const stored = await store.run(id);
  await store.close();
  if (status === 'failed' || !trainer) throw new Error(`run ${id} failed: ${stored.reason ?? 'unknown reason'}`);
  const files = writeRunFolder(out, trainer, source);
  if (status === 'diverged') {
    process.stderr.write(`run ${id} diverged: ${trainer.reason}; the records up to then are in ${out}\n`);
    process.exitCode = 3;
  } else {
    process.stdout.write(`done: run ${id}, final test loss ${exp(trainer.records.at(-1)!.testLoss)}\n`);
  }
  process.stdout.write(`wrote ${files.config}, ${files.csv}, ${files.json}, ${files.controller}; stored as run ${id} in ${store.path}\n`);
  process.stdout.write(`rerun: sbptt train --config ${join(out, 'config.json')} --out <new folder>\n`);
}
