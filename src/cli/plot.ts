/** `sbptt plot <sweep>`: the paper-style figure (SVG + PNG) and Markdown table of a stored sweep. */
import { Command } from 'commander';
import { parseSeedBand, parseSeedCenter } from '../runs/figures/seeds.js';
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
    .option('--center <median|mean>', 'the curve drawn for runs repeated with several seeds', 'median')
    .option('--band <minmax|iqr>', 'the band around it: the whole range of the seeds, or their interquartile range', 'minmax')
    .action(async (sweep: string, o: { out: string; store?: string; window: string; center: string; band: string }) => {
      const window = parsePositiveInt('window', o.window, LIMITS.epochs);
      const seeds = { center: parseSeedCenter('center', o.center), band: parseSeedBand('band', o.band) };
      checkWritableFolder('--out', o.out);
      // vega and resvg load only when a figure is drawn, not on every start of the CLI.
      const { plotSweep } = await import('../runs/figures/sweep-figure.js');
      const store = await openExistingStore(o.store);
      try {
        const f = await plotSweep(store, sweep, o.out, { window, seeds });
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
