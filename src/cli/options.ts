/** Flags shared by `train` and `sweep`: the problem's settings and the training options. */
import { Command, Option } from 'commander';
import { PAPER_LETTER, parseMode } from '../bptt/modes.js';
import { CLIP_MODES } from '../optim/clip.js';
import { HYPERPARAMETERS, OPTIMIZER_NAMES } from '../optim/optimizers.js';
import type { ProblemDefinition, SettingSpec } from '../physics/index.js';
import { STORE_HELP } from '../runs/store.js';
import type { TrainOverrides } from '../train/config.js';

/** The modes as the paper's letters with their words (the words and the published code's F, P are accepted too). */
export const MODE_HELP = 'R (full: the true gradient), M (physics), C (combined), S (stop), N (network)';

const camel = (flag: string): string => flag.replace(/-([a-z])/g, (_, c: string) => c.toUpperCase());

function settingOption(s: SettingSpec): Option {
  const what = s.kind === 'choice' ? s.choices!.join('|') : s.kind === 'boolean' ? 'true|false' : s.kind === 'int' ? 'n' : s.kind === 'ints' ? 'n,n,…' : 'number';
  return new Option(`--${s.flag} <${what}>`, `${s.help}${s.default === '' ? '' : ` (default ${String(s.default)})`}`);
}

/** Adds the problem's setting flags. */
export function addSettingOptions(cmd: Command, def: ProblemDefinition): Command {
  for (const s of def.settings) cmd.addOption(settingOption(s));
  return cmd;
}

/** The setting flags given, by setting key (validated later by resolveSettings). */
export function settingsFromOptions(def: ProblemDefinition, opts: Record<string, unknown>): Record<string, unknown> {
  const settings: Record<string, unknown> = {};
  for (const s of def.settings) if (opts[camel(s.flag)] !== undefined) settings[s.key] = opts[camel(s.flag)];
  return settings;
}

/**
 * Adds the problem's setting flags and the training flags. A sweep varies mode, clipping and seed
 * itself, so `single` (one run) adds those three as flags too.
 */
export function addProblemOptions(cmd: Command, def: ProblemDefinition, single: boolean): Command {
  const t = def.training;
  addSettingOptions(cmd, def);
  if (single) {
    cmd
      .option('--mode <mode>', `gradient-flow mode: ${MODE_HELP} (default ${PAPER_LETTER[parseMode(t.mode)]})`)
      .option('--schedule <list>', 'per-step schedule of base modes, e.g. "R*50,M*50" (overrides --mode)')
      .option('--truncate <k>', 'truncated BPTT: feedback flows back at most k steps (1 … Nt), on top of --mode or --schedule (default: no truncation)')
      .option('--init <controller.json|run id>', "warm start: the initial weights of a saved controller file or a stored run (same controller settings), instead of the seed's")
      .option('--clip <mode>', `clipping of the update: ${CLIP_MODES.join(', ')} (default ${t.clip})`)
      .option('--seed <n>', 'random seed for data and initialisation (default 0)');
  }
  cmd.option('--optimizer <name>', `${OPTIMIZER_NAMES.join(', ')} (default ${t.optimizer})`);
  for (const h of HYPERPARAMETERS) cmd.option(`--${h.flag} <${h.kind === 'boolean' ? 'true|false' : 'number'}>`, h.help);
  return cmd
    .option('--lr <number>', `learning rate (default ${t.lr})`)
    .option('--clip-value <number>', `clipping number c (default ${t.clipValue})`)
    .option('--epochs <n>', `epochs (default ${t.epochs})`)
    .option('--batch <n>', `batch size (default ${t.batch})`)
    .option('--train-size <n>', `training states (default ${t.trainSize})`)
    .option('--test-size <n>', `test states (default ${t.testSize})`)
    .option('--dataset <kind>', 'generated (from the seed) or reference (the published draws) (default generated)')
    .option('--precision <f64|f32>', "the controller's products in float64 or float32 (f32x4 SIMD); the physics stays float64 (default f64)")
    .option('--diagnose-every <k>', 'store the gradient flow of every mode at the start and every k-th epoch, with that epoch\'s parameters (`sbptt diagnose <run>`; default never)')
    .option('--store <file|url>', STORE_HELP);
}

/** The parsed flags as training overrides (validated later by resolveTrainConfig). */
export function overridesFromOptions(def: ProblemDefinition, opts: Record<string, unknown>): TrainOverrides {
  const settings = settingsFromOptions(def, opts);
  const keys = ['mode', 'schedule', 'truncate', 'optimizer', 'lr', 'clip', 'clipValue', 'epochs', 'batch', 'trainSize', 'testSize', 'seed', 'dataset', 'precision', 'diagnoseEvery'] as const;
  const overrides: TrainOverrides = { settings };
  for (const k of keys) if (opts[k] !== undefined) overrides[k] = opts[k];
  const hyper: Record<string, unknown> = {};
  for (const h of HYPERPARAMETERS) if (opts[camel(h.flag)] !== undefined) hyper[h.key] = opts[camel(h.flag)];
  if (Object.keys(hyper).length > 0) overrides.optimizerParams = hyper;
  return overrides;
}
