/** `sbptt plot <sweep>`: the paper-style figure (SVG + PNG) and Markdown table of a stored sweep. */
import { Command } from 'commander';
import { LIMITS, parsePositiveInt } from '../train/config.js';
import { checkWritableFolder } from './out-arg.js';
import { openExistingStore, STORE_FLAG, STORE_HELP } from './store-arg.js';

export function plotCommand(): Command {
  return new Command('plot')
    .description("plot a stored sweep as the paper's figures: smoothed test loss per complexity, mode and clipping (SVG, PNG, Markdown table)")
    .argument('<sweep>', 'sweep name (see `sbptt runs --sweeps`)')
    .option('--out <dir>', 'output folder', 'figures')
    .option(STORE_FLAG, STORE_HELP)
    .option('--window <epochs>', 'moving-average window in epochs', '30')
    .action(async (sweep: string, o: { out: string; store?: string; window: string }) => {
      const window = parsePositiveInt('window', o.window, LIMITS.epochs);
      checkWritableFolder('--out', o.out);
      // vega and resvg load only when a figure is drawn, not on every start of the CLI.
      const { plotSweep } = await import('../runs/figures/sweep-figure.js');
      const store = await openExistingStore(o.store);
      try {
        const f = await plotSweep(store, sweep, o.out, { window });
        const skipped = f.runs - f.plotted;
        process.stdout.write(
          `sweep ${sweep}: ${f.plotted} runs plotted${skipped ? `, ${skipped} without records skipped` : ''}\n` +
            `figure (SVG): ${f.svg}\nfigure (PNG): ${f.png}\ntable (Markdown): ${f.md}\n`,
        );
      } finally {
        await store.close();
      }
    });
}
