/** `sbptt check <problem>`: gradient checks and sanity checks of a problem's physics and controller. */
import { Command } from 'commander';
import { checkProblem } from '../physics/check.js';
import { resolveSettings } from '../physics/problem.js';
import { parsePositiveInt } from '../train/config.js';
import { table } from './format.js';
import { settingsFromOptions, addSettingOptions } from './options.js';
import { problemListing, type ProblemCommand } from './problem-args.js';

export function checkCommand(problems: readonly ProblemCommand[]): Command {
  const check = new Command('check').description(
    "check a problem (a built-in name or a module path): gradients of its step, loss and controller against central differences, sizes, finiteness, the sampler's determinism",
  );
  for (const p of problems) {
    const sub = new Command(p.command).description(`check ${p.definition.title}`);
    addSettingOptions(sub, p.definition)
      .option('--seed <n>', 'seed of the sampled states and random controls (default 0)')
      .option('--samples <n>', 'states checked at once, at most 1024 (default 2)')
      .action((opts: Record<string, unknown>) => {
        const settings = resolveSettings(p.definition, settingsFromOptions(p.definition, opts));
        const seed = opts.seed === undefined ? 0 : Number(opts.seed);
        if (!/^\d{1,9}$/.test(String(opts.seed ?? 0))) throw new Error(`--seed: got "${String(opts.seed)}", expected an integer from 0 to 999999999`);
        const samples = opts.samples === undefined ? 2 : parsePositiveInt('samples', opts.samples, 1024);
        const parts = checkProblem(p.definition, settings, { seed, samples });
        const rows = parts.map((r) => [r.part, r.ok ? 'pass' : 'FAIL', Number.isNaN(r.worst) ? '—' : r.worst.toExponential(2), r.detail]);
        process.stdout.write(table(['part', 'result', 'worst rel. error', 'what'], rows) + '\n');
        const failed = parts.filter((r) => !r.ok);
        if (failed.length) {
          process.stdout.write(`${p.definition.name}: ${failed.length} of ${parts.length} checks failed (${failed.map((f) => f.part).join(', ')})\n`);
          process.exitCode = 1;
        } else {
          process.stdout.write(`${p.definition.name}: all ${parts.length} checks passed\n`);
        }
      });
    check.addCommand(sub);
  }
  check.addHelpText('after', problemListing(problems));
  return check;
}
