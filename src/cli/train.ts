/**
 * `sbptt train <problem>`: one subcommand per problem, its flags derived from the problem's
 * settings; `sbptt train --config <run>/config.json` reruns a run from its folder (same config,
 * same seed: the same numbers).
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { totalmem } from 'node:os';
import { resolve } from 'node:path';
import { Command } from 'commander';
import { fieldLabel } from '../bptt/modes.js';
import { recordedWarmStart, resolveWarmStart, type WarmStart } from '../runs/init.js';
import { writeRunConfig } from '../runs/output.js';
import { warmStartSnapshot } from '../train/warm-start.js';
import { builtinProblem, loadProblemModule, type LoadedProblem } from '../runs/problems.js';
import { defaultStorePath, RunStore, type StoredRun } from '../runs/store.js';
import { STORE_FLAG, STORE_HELP } from './store-arg.js';
import { resolveTrainConfig, type TrainConfig, type TrainOverrides } from '../train/config.js';
import { checkWritableFolder } from './out-arg.js';
import { busyMessage, trainStoredRun } from './train-run.js';
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

/**
 * What --out holds: nothing (a new run), or the files of an earlier run. A folder whose config.json
 * is the same config as an unfinished run of the store that names this folder is that run, which
 * the same command resumes; anything else is refused unless --force.
 */
async function runOfOut(out: string, force: boolean, config: TrainConfig, store: RunStore): Promise<StoredRun | null> {
  if (!existsSync(out)) return null;
  const files = readdirSync(out);
  if (files.length === 0) return null;
  if (files.includes('config.json')) {
    const same = JSON.stringify(config);
    const unfinished = (await store.runs({ status: 'running' })).concat(await store.runs({ status: 'queued' }));
    const run = unfinished.filter((r) => r.outDir === resolve(out) && JSON.stringify(r.config) === same).at(-1);
    if (run) return run;
  }
  if (force) return null;
  const what = files.includes('config.json') ? 'an earlier run' : `${files.length} file(s)`;
  throw new Error(`--out: ${out} already holds ${what}; choose another folder, or add --force to overwrite`);
}

async function runTrain({ definition: def, source }: LoadedProblem, overrides: TrainOverrides, opts: Record<string, unknown>): Promise<void> {
  let config = resolveTrainConfig(def, overrides, { availableBytes: totalmem() });
  const mode = fieldLabel(config);
  const stamp = new Date().toISOString().replace(/[:.]/g, '-').slice(0, 19);
  const out = String(opts.out ?? `runs/${def.name}-${mode.replace(/\//g, '_')}-${stamp}`);
  checkWritableFolder('--out', out);
  const store = await RunStore.open(defaultStorePath(opts.store as string | undefined));
  try {
    // A warm start: the weights named by --init, or (rerun) those the config recorded, checked unchanged.
    let warm: WarmStart | null = null;
    if (opts.init !== undefined) warm = await resolveWarmStart(String(opts.init), def.create(config.settings), store);
    else if (config.init) warm = await recordedWarmStart(config.init, def.create(config.settings), store);
    if (warm) config = { ...config, init: warm.record };
    let run = await runOfOut(out, Boolean(opts.force), config, store);
    if (run && run.status === 'running' && !run.interrupted) throw new Error(busyMessage(run, store));
    if (run) process.stderr.write(`${out} holds unfinished run ${run.id} with this config: resuming it\n`);
    else {
      // The folder holds the config from the start (and before the run is stored, so a folder that
      // cannot be written leaves nothing behind): the same command finds the run again after a kill.
      writeRunConfig(out, config, source);
      run = await store.run(await store.createRun(config, null, source, resolve(out)));
      if (warm) await store.saveProgress(run.id, warmStartSnapshot(config, warm.params));
    }
    await trainStoredRun(store, run, def, source, out, Boolean(opts.quiet));
  } finally {
    await store.close();
  }
}
