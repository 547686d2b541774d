/**
 * `sbptt train <problem>`: one subcommand per problem, its flags derived from the problem's
 * settings; `sbptt train --config <run>/config.json` reruns a run from its folder (same config,
 * same seed: the same numbers).
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Command } from 'commander';
import { PAPER_LETTER } from '../bptt/modes.js';
import { PROBLEMS, type ProblemDefinition } from '../physics/index.js';
import { executeRun } from '../runs/execute.js';
import { writeRunFolder } from '../runs/output.js';
import { defaultStorePath, RunStore } from '../runs/store.js';
import { resolveTrainConfig, type TrainConfig, type TrainOverrides } from '../train/config.js';
import { duration, Eta, exp, NOT_COMPUTED } from './format.js';
import { addProblemOptions, overridesFromOptions } from './options.js';

const problemNames = (): string => Object.keys(PROBLEMS).join(', ');

export function trainCommand(): Command {
  const train = new Command('train')
    .description('train a controller on one problem (`sbptt train <problem> --help`), or rerun a run from its config.json')
    .option('--config <file>', "rerun a run from its folder's config.json (same config and seed: the same records)")
    .option('--out <dir>', 'output folder (default runs/<problem>-<mode>-<time>)')
    .option('--force', 'write into --out even if it already holds files')
    .option('--store <file>', 'run store (SQLite) (default $SBPTT_STORE or ./sbptt.sqlite)')
    .option('--quiet', 'no per-epoch progress lines')
    // `train cartpole --out x`: flags after the problem are the problem's, not train's.
    .enablePositionalOptions()
    // Flags without a problem reach the action, which says what is missing.
    .allowUnknownOption(true)
    .allowExcessArguments(true)
    .action((opts: Record<string, unknown>, cmd: Command) => {
      if (opts.config === undefined) {
        const given = cmd.args.length ? ` (got ${cmd.args.join(' ')})` : '';
        throw new Error(`train: name a problem first, e.g. \`sbptt train cartpole --mode C\`${given}; problems: ${problemNames()}; or rerun a run with --config <run folder>/config.json`);
      }
      if (cmd.args.length) throw new Error(`train --config: takes only --out, --force, --store and --quiet; got ${cmd.args.join(' ')}`);
      const { def, overrides } = readConfigFile(String(opts.config));
      runTrain(def, overrides, opts);
    });
  for (const def of Object.values(PROBLEMS)) {
    const sub = new Command(def.name).description(def.title);
    addProblemOptions(sub, def, true)
      .option('--out <dir>', 'output folder (default runs/<problem>-<mode>-<time>)')
      .option('--force', 'write into --out even if it already holds files')
      .option('--quiet', 'no per-epoch progress lines')
      .action((opts: Record<string, unknown>) => runTrain(def, overridesFromOptions(def, opts), opts));
    train.addCommand(sub);
  }
  const listing = Object.values(PROBLEMS)
    .map((d) => `  ${d.name} — ${d.title}\n` + d.settings.map((s) => `      --${s.flag.padEnd(18)} ${s.help} (default ${String(s.default)})`).join('\n'))
    .join('\n');
  train.addHelpText('after', `\nProblems and their flags (plus the training flags shown by \`sbptt train <problem> --help\`):\n${listing}\n`);
  return train;
}

/** A run folder's config.json as the problem and the overrides that rebuild exactly that config. */
function readConfigFile(path: string): { def: ProblemDefinition; overrides: TrainOverrides } {
  let config: TrainConfig;
  try {
    config = JSON.parse(readFileSync(path, 'utf8')) as TrainConfig;
  } catch (e) {
    throw new Error(`--config: cannot read ${path}: ${(e as Error).message.split('\n')[0]}`);
  }
  const def = typeof config?.problem === 'string' ? PROBLEMS[config.problem] : undefined;
  if (!def) throw new Error(`--config: ${path} names no known problem (got ${JSON.stringify(config?.problem)}; expected one of ${problemNames()})`);
  const { problem: _problem, ...overrides } = config;
  return { def, overrides };
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

function runTrain(def: ProblemDefinition, overrides: TrainOverrides, opts: Record<string, unknown>): void {
  const config = resolveTrainConfig(def, overrides);
  const problem = def.create(config.settings);
  const mode = config.schedule ?? PAPER_LETTER[config.mode];
  const stamp = new Date().toISOString().replace(/[:.]/g, '-').slice(0, 19);
  const out = String(opts.out ?? `runs/${def.name}-${mode}-${stamp}`);
  checkOut(out, Boolean(opts.force));
  const store = RunStore.open(defaultStorePath(opts.store as string | undefined));
  const id = store.createRun(config);
  const eta = new Eta();
  const quiet = Boolean(opts.quiet);
  // Only mode C computes both fields whose cosine the record holds; the others record 0.
  const cosine = config.mode === 'combined' && config.schedule === null;
  const { status, trainer } = executeRun(store, id, {
    onStart: (t) => {
      if (!quiet) {
        const initial = t.evaluate().testLoss;
        process.stderr.write(`${def.name} run ${id}: ${problem.controller.paramCount} parameters, mode ${mode} (${config.schedule ? 'schedule' : config.mode}), initial test loss ${exp(initial)}\n`);
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
  const stored = store.run(id);
  store.close();
  if (status === 'failed' || !trainer) throw new Error(`run ${id} failed: ${stored.reason ?? 'unknown reason'}`);
  const files = writeRunFolder(out, trainer);
  if (status === 'diverged') {
    process.stderr.write(`run ${id} diverged: ${trainer.reason}; the records up to then are in ${out}\n`);
    process.exitCode = 3;
  } else {
    process.stdout.write(`done: run ${id}, final test loss ${exp(trainer.records.at(-1)!.testLoss)}\n`);
  }
  process.stdout.write(`wrote ${files.config}, ${files.csv}, ${files.json}, ${files.controller}; stored as run ${id} in ${store.path}\n`);
  process.stdout.write(`rerun: sbptt train --config ${join(out, 'config.json')} --out <new folder>\n`);
}
