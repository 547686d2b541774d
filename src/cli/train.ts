/** `sbptt train <problem>`: one subcommand per problem, its flags derived from the problem's settings. */
import { Command } from 'commander';
import { PROBLEMS, type ProblemDefinition } from '../physics/index.js';
import { executeRun } from '../runs/execute.js';
import { writeRunFolder } from '../runs/output.js';
import { defaultStorePath, RunStore } from '../runs/store.js';
import { resolveTrainConfig } from '../train/config.js';
import { duration, Eta, sci } from './format.js';
import { addProblemOptions, overridesFromOptions } from './options.js';

export function trainCommand(): Command {
  const train = new Command('train').description('train a controller on one problem; see `sbptt train <problem> --help`');
  for (const def of Object.values(PROBLEMS)) {
    const sub = new Command(def.name).description(def.title);
    addProblemOptions(sub, def, true)
      .option('--out <dir>', 'output folder (default runs/<problem>-<mode>-<time>)')
      .option('--quiet', 'no per-epoch progress lines')
      .action((opts: Record<string, unknown>) => runTrain(def, opts));
    train.addCommand(sub);
  }
  const listing = Object.values(PROBLEMS)
    .map((d) => `  ${d.name} — ${d.title}\n` + d.settings.map((s) => `      --${s.flag.padEnd(18)} ${s.help} (default ${String(s.default)})`).join('\n'))
    .join('\n');
  train.addHelpText('after', `\nProblems and their flags (plus the training flags shown by \`sbptt train <problem> --help\`):\n${listing}\n`);
  return train;
}

async function runTrain(def: ProblemDefinition, opts: Record<string, unknown>): Promise<void> {
  const overrides = overridesFromOptions(def, opts);
  const config = resolveTrainConfig(def, overrides);
  const problem = def.create(config.settings);
  const stamp = new Date().toISOString().replace(/[:.]/g, '-').slice(0, 19);
  const out = String(opts.out ?? `runs/${def.name}-${config.mode}-${stamp}`);
  const store = await RunStore.open(defaultStorePath(opts.store as string | undefined));
  const id = await store.createRun(config);
  const eta = new Eta();
  const quiet = Boolean(opts.quiet);
  const { status, trainer } = await executeRun(store, id, {
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
  const stored = await store.run(id);
  await store.close();
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
