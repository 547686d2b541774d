/** `sbptt toy`: the Figure-2 illustration (docs/method.md) in the terminal. */
import { Command } from 'commander';
import { parseDecimal, parseIntIn, parsePositiveIn, shown } from '../physics/numbers.js';
import { MAX_TOY_ITERATIONS, runToy, TOY_DEFAULTS, TOY_FIELD_KINDS } from '../train/toy.js';
import { checkWritableFolder } from './out-arg.js';
import { sci, table } from './format.js';

function parseStart(text: string): [number, number] {
  const parts = text.split(',').map((p) => parseDecimal(p.trim()));
  if (parts.length !== 2 || parts.some((v) => !Number.isFinite(v) || Math.abs(v) > 1e6)) {
    throw new Error(`--start: got ${shown(text)}, expected two numbers from -1e6 to 1e6 like 2,4`);
  }
  return [parts[0]!, parts[1]!];
}

export function toyCommand(): Command {
  return new Command('toy')
    .description('Adam on the gradient, a rotated field and their combination (the paper\'s Figure 2)')
    .option('--angle <degrees>', `clockwise rotation of the gradient (default ${TOY_DEFAULTS.angleDeg})`)
    .option('--lr <number>', `Adam learning rate (default ${TOY_DEFAULTS.lr})`)
    .option('--iterations <n>', `Adam iterations, at most ${MAX_TOY_ITERATIONS} (default ${TOY_DEFAULTS.iterations})`)
    .option('--start <x,y>', `start point (default ${TOY_DEFAULTS.start.join(',')})`)
    .option('--json', 'print the full result (losses and trajectories) as JSON')
    .option('--plot [dir]', 'also write the four-panel figure as toy.svg and toy.png into dir (default figures)')
    .action(async (o: Record<string, string | boolean | undefined>) => {
      const angle = (v: unknown): number => {
        const n = parseDecimal(v);
        if (!Number.isFinite(n) || Math.abs(n) > 360) throw new Error(`--angle: got ${shown(v)}, expected degrees from -360 to 360`);
        return n;
      };
      const iterations = o.iterations === undefined ? undefined : parseIntIn('iterations', o.iterations, 1, MAX_TOY_ITERATIONS);
      const opts = {
        ...(o.angle !== undefined && { angleDeg: angle(o.angle) }),
        ...(o.lr !== undefined && { lr: parsePositiveIn('lr', o.lr, 1e6) }),
        ...(iterations !== undefined && { iterations, lastMean: Math.min(TOY_DEFAULTS.lastMean, iterations) }),
        ...(typeof o.start === 'string' && { start: parseStart(o.start) }),
      };
      if (o.plot) checkWritableFolder('--plot', o.plot === true ? 'figures' : o.plot);
      const result = runToy(opts);
      if (o.plot) {
        const { plotToy } = await import('../runs/figures/toy-figure.js');
        const files = await plotToy(result, o.plot === true ? 'figures' : o.plot);
        // Keep standard output pure JSON under --json.
        (o.json ? process.stderr : process.stdout).write(`figure (SVG): ${files.svg}\nfigure (PNG): ${files.png}\n`);
      }
      if (o.json) {
        process.stdout.write(JSON.stringify(result) + '\n');
        return;
      }
      const { options } = result;
      process.stdout.write(
        `L(θ) = θ₁² + θ₂², Adam lr ${options.lr}, ${options.iterations} iterations from (${options.start.join(', ')}), rotation ${options.angleDeg}° clockwise\n` +
          `mean loss over the last ${options.lastMean} iterations:\n\n` +
          table(['field', 'loss'], TOY_FIELD_KINDS.map((k) => [k, sci(result[k].finalMeanLoss)])) +
          '\n',
      );
    });
}
