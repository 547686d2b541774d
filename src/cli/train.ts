/** `sbptt train <problem>`: one subcommand per problem, its flags derived from the problem's settings. */
import { Command } from 'commander';
import { executeRun } from '../runs/execute.js';
import { writeRunFolder } from '../runs/output.js';
import { defaultStorePath, RunStore } from '../runs/store.js';
import { resolveTrainConfig } from '../train/config.js';
import { duration, Eta, sci } from './format.js';
import { addProblemOptions, overridesFromOptions } from './options.js';
import { problemListing, type ProblemCommand } from './problem-args.js';

export function trainCommand(problems: readonly ProblemCommand[]): Command {
  const train = new Command('train').description('train a controller on one problem (a built-in name or a module path); see `sbptt train <problem> --help`');
  for (const p of problems) {
    const sub = new Command(p.command).description(p.definition.title);
    addProblemOptions(sub, p.definition, true)
      .option('--out <dir>', 'output folder (default runs/<problem>-<mode>-<time>)')
      .option('--quiet', 'no per-epoch progress lines')
      .action((opts: Record<string, unknown>) => runTrain(p, opts));
    train.addCommand(sub);
  }
  train.addHelpText('after', problemListing(problems));
  return train;
}

function runTrain({ definition: def, source }: ProblemCommand, opts: Record<string, unknown>): void {
  const overrides = overridesFromOptions(def, opts);
  const config = resolveTrainConfig(def, overrides);
  const problem = def.create(config.settings);
  const stamp = new Date().toISOString().replace(/[:.]/g, '-').slice(0, 19);
  const out = String(opts.out ?? `runs/${def.name}-${config.mode}-${stamp}`);
  const store = RunStore.open(defaultStorePath(opts.store as string | undefined));
  const id = store.createRun(config, null, 'queued', source);
  const eta = new Eta();
  const quiet = Boolean(opts.quiet);
  const { status, trainer } = executeRun(store, id, def, {
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
