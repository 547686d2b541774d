/** `sbptt train <problem>`: one subcommand per problem, its flags derived from the problem's settings. */
import { Command, Option } from 'commander';
import { ACCEPTED_MODE_NAMES } from '../bptt/modes.js';
import { CLIP_MODES } from '../optim/clip.js';
import { OPTIMIZER_NAMES } from '../optim/optimizers.js';
import { PROBLEMS, type ProblemDefinition, type SettingSpec } from '../physics/index.js';
import { executeRun } from '../runs/execute.js';
import { writeRunFolder } from '../runs/output.js';
import { defaultStorePath, RunStore } from '../runs/store.js';
import { resolveTrainConfig, type TrainOverrides } from '../train/config.js';
import { duration, Eta, sci } from './format.js';

const camel = (flag: string): string => flag.replace(/-([a-z])/g, (_, c: string) => c.toUpperCase());

/** The flags every problem shares (training), with their published defaults shown in help. */
function addTrainingOptions(cmd: Command, def: ProblemDefinition): Command {
  const t = def.training;
  return cmd
    .option('--mode <mode>', `gradient-flow mode: ${ACCEPTED_MODE_NAMES} (default ${t.mode})`)
    .option('--schedule <list>', 'per-step schedule of base modes, e.g. "R*50,M*50" (overrides --mode)')
    .option('--optimizer <name>', `${OPTIMIZER_NAMES.join(', ')} (default ${t.optimizer})`)
    .option('--lr <number>', `learning rate (default ${t.lr})`)
    .option('--clip <mode>', `clipping of the update: ${CLIP_MODES.join(', ')} (default ${t.clip})`)
    .option('--clip-value <number>', `clipping number c (default ${t.clipValue})`)
    .option('--epochs <n>', `epochs (default ${t.epochs})`)
    .option('--batch <n>', `batch size (default ${t.batch})`)
    .option('--train-size <n>', `training states (default ${t.trainSize})`)
    .option('--test-size <n>', `test states (default ${t.testSize})`)
    .option('--seed <n>', 'random seed for data and initialisation (default 0)')
    .option('--dataset <kind>', 'generated (from the seed) or reference (the published draws) (default generated)')
    .option('--out <dir>', 'output folder (default runs/<problem>-<mode>-<time>)')
    .option('--store <file>', 'run store (SQLite) that records the run (default $SBPTT_STORE or ./sbptt.sqlite)')
    .option('--quiet', 'no per-epoch progress lines');
}

function settingOption(s: SettingSpec): Option {
  const what = s.kind === 'choice' ? s.choices!.join('|') : s.kind === 'boolean' ? 'true|false' : s.kind === 'int' ? 'n' : 'number';
  return new Option(`--${s.flag} <${what}>`, `${s.help} (default ${String(s.default)})`);
}

export function trainCommand(): Command {
  const train = new Command('train').description('train a controller on one problem; see `sbptt train <problem> --help`');
  for (const def of Object.values(PROBLEMS)) {
    const sub = new Command(def.name).description(def.title);
    for (const s of def.settings) sub.addOption(settingOption(s));
    addTrainingOptions(sub, def).action((opts: Record<string, unknown>) => runTrain(def, opts));
    train.addCommand(sub);
  }
  const listing = Object.values(PROBLEMS)
    .map((d) => `  ${d.name} — ${d.title}\n` + d.settings.map((s) => `      --${s.flag.padEnd(18)} ${s.help} (default ${String(s.default)})`).join('\n'))
    .join('\n');
  train.addHelpText('after', `\nProblems and their flags (plus the training flags shown by \`sbptt train <problem> --help\`):\n${listing}\n`);
  return train;
}

function runTrain(def: ProblemDefinition, opts: Record<string, unknown>): void {
  const settings: Record<string, unknown> = {};
  for (const s of def.settings) if (opts[camel(s.flag)] !== undefined) settings[s.key] = opts[camel(s.flag)];
  const keys = ['mode', 'schedule', 'optimizer', 'lr', 'clip', 'clipValue', 'epochs', 'batch', 'trainSize', 'testSize', 'seed', 'dataset'] as const;
  const overrides: TrainOverrides = { settings };
  for (const k of keys) if (opts[k] !== undefined) overrides[k] = opts[k];
  const config = resolveTrainConfig(def, overrides);
  const problem = def.create(config.settings);
  const stamp = new Date().toISOString().replace(/[:.]/g, '-').slice(0, 19);
  const out = String(opts.out ?? `runs/${def.name}-${config.mode}-${stamp}`);
  const store = RunStore.open(defaultStorePath(opts.store as string | undefined));
  const id = store.createRun(config);
  const eta = new Eta();
  const quiet = Boolean(opts.quiet);
  const { status, trainer } = executeRun(store, id, {
    onStart: (t) => {
      if (!quiet) {
        const initial = t.evaluate().testLoss;
        process.stderr.write(`${def.name} run ${id}: ${problem.controller.paramCount} parameters, mode ${config.schedule ?? config.mode}, initial test loss ${sci(initial)}\n`);
      }
    },
    onEpoch: ({ record: r, epoch, epochs, wallSeconds }) => {
      eta.add(wallSeconds);
      if (quiet) return;
      const phys = def.reportsPhysicsLoss ? `  phys ${sci(r.physicsTestLoss)}` : '';
      process.stderr.write(
        `epoch ${String(epoch).padStart(String(epochs).length)}/${epochs}  loss ${sci(r.loss)}  train ${sci(r.trainLoss)}  test ${sci(r.testLoss)}${phys}` +
          `  grad ${sci(r.gradSize)}  cos ${r.cosSim.toFixed(3)}  ${duration(wallSeconds)}/epoch  ETA ${duration(eta.remaining(epochs - epoch))}\n`,
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
    process.stdout.write(`done: run ${id}, final test loss ${sci(trainer.records.at(-1)!.testLoss)}\n`);
  }
  process.stdout.write(`wrote ${files.config}, ${files.csv}, ${files.json}, ${files.controller}; stored as run ${id} in ${store.path}\n`);
}
