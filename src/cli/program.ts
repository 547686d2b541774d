/**
 * The `sbptt` command line as a function of its arguments: user mistakes print one clear line and
 * give exit code 2, never a stack trace. Exit codes: 0 success, 2 user error, 3 some run diverged,
 * 4 some run failed.
 */
import { Command, CommanderError } from 'commander';
import { animateCommand } from './animate.js';
import { checkCommand } from './check.js';
import { problemCommands } from './problem-args.js';
import { demoCommand } from './demo.js';
import { diagnoseCommand } from './diagnose.js';
import { plotCommand } from './plot.js';
import { exportCommand, runsCommand } from './runs.js';
import { reproduceCommand } from './reproduce.js';
import { resumeCommand } from './resume.js';
import { serveCommand } from './serve.js';
import { sweepCommand } from './sweep.js';
import { toyCommand } from './toy.js';
import { trainCommand } from './train.js';
import { migrateCommand, workerCommand } from './worker.js';

/** Runs the command line `argv` (node, script, arguments…); resolves with the exit code (commands may set process.exitCode: 3, 4). */
export async function runCli(argv: readonly string[]): Promise<number> {
  try {
    // A problem module named after train/sweep/check is loaded first: its settings become flags.
    const problems = await problemCommands(argv.slice(2));
    const program = new Command('sbptt')
      .description('stable-bptt: train controllers through differentiable physics with stabilised backpropagation through time')
      .version('0.1.0')
      .showHelpAfterError('(add --help for usage)')
      .enablePositionalOptions()
      .exitOverride();
    program.addCommand(trainCommand(problems));
    program.addCommand(resumeCommand());
    program.addCommand(checkCommand(problems));
    program.addCommand(toyCommand());
    program.addCommand(demoCommand());
    program.addCommand(sweepCommand(problems));
    program.addCommand(runsCommand());
    program.addCommand(exportCommand());
    program.addCommand(plotCommand());
    program.addCommand(reproduceCommand());
    program.addCommand(animateCommand());
    program.addCommand(diagnoseCommand(problems));
    program.addCommand(serveCommand());
    program.addCommand(workerCommand());
    program.addCommand(migrateCommand());
    for (const c of program.commands) {
      c.exitOverride();
      for (const s of c.commands) s.exitOverride();
    }
    // `sbptt help foo`: Commander would print the general help; say what is wrong instead.
    const [first, topic] = argv.slice(2);
    if (first === 'help' && topic !== undefined && !program.commands.some((c) => c.name() === topic || c.aliases().includes(topic))) {
      throw new Error(`help: unknown command ${JSON.stringify(topic.slice(0, 40))}; commands: ${program.commands.map((c) => c.name()).join(', ')}`);
    }
    await program.parseAsync([...argv]);
  } catch (e) {
    if (e instanceof CommanderError) {
      // Commander has printed its message (or the help) already.
      return e.exitCode === 0 ? 0 : 2;
    } else {
      process.stderr.write(`sbptt: error: ${(e as Error).message}\n`);
      return 2;
    }
  }
  return Number(process.exitCode ?? 0);
}
