/**
 * The problems `train`, `sweep` and `check` offer as subcommands: the built-ins by name, and a
 * problem module named on the command line (`sbptt train ./my-problem.ts …`), loaded before the
 * commands are built so that its settings become flags with help and validation like the built-ins'.
 */
import { BUILTIN_PROBLEMS } from '../physics/index.js';
import { isModuleRef, loadProblemModule, type LoadedProblem } from '../runs/problems.js';

export interface ProblemCommand extends LoadedProblem {
  /** The subcommand's name: the built-in's name, or the module path as typed. */
  command: string;
}

export const PROBLEM_COMMANDS = ['train', 'sweep', 'check', 'diagnose'];

export async function problemCommands(argv: readonly string[]): Promise<ProblemCommand[]> {
  const builtins: ProblemCommand[] = BUILTIN_PROBLEMS.map((definition) => ({
    command: definition.name,
    definition,
    source: { kind: 'builtin', name: definition.name },
  }));
  const [verb, ref] = argv;
  if (verb === undefined || !PROBLEM_COMMANDS.includes(verb) || ref === undefined || ref.startsWith('-') || !isModuleRef(ref)) return builtins;
  return [...builtins, { command: ref, ...(await loadProblemModule(ref)) }];
}

/** The listing of problems in `train --help` and `sweep --help`. */
export function problemListing(problems: readonly ProblemCommand[]): string {
  const lines = problems.map(
    (p) => `  ${p.command} — ${p.definition.title}\n` + p.definition.settings.map((s) => `      --${s.flag.padEnd(18)} ${s.help} (default ${String(s.default)})`).join('\n'),
  );
  return (
    `\nProblems and their flags (plus the training flags shown by \`<problem> --help\`):\n${lines.join('\n')}\n` +
    `  ./path/to/problem.ts — your own problem: a module whose default export is defineProblem({...}) (docs/custom-problems.md)\n`
  );
}
