/**
 * `sbptt demo` (what `npm start` runs): the method's effect in a few minutes on 2 cores.
 * The toy first, then cart-pole with 2 poles trained with the true gradient (R) and with the
 * combined update (C) from the same seed and data.
 */
import { Command } from 'commander';
import { cartpole } from '../physics/cartpole/index.js';
import { writeRunFolder } from '../runs/output.js';
import { resolveTrainConfig } from '../train/config.js';
import { generateDataset, Trainer } from '../train/trainer.js';
import { runToy, TOY_FIELD_KINDS } from '../train/toy.js';
import { duration, sci, table } from './format.js';

export function demoCommand(): Command {
  return new Command('demo')
    .description('a short demonstration: the Figure-2 toy, then cart-pole trained with R and with C')
    .option('--epochs <n>', 'cart-pole epochs per mode', '40')
    .option('--poles <n>', 'cart-pole poles', '2')
    .option('--out <dir>', 'output folder', 'runs/demo')
    .action((o: { epochs: string; poles: string; out: string }) => {
      const toy = runToy();
      process.stdout.write('1. The toy (spec/toy.md): Adam on a quadratic bowl, mean loss of the last 50 of 200 iterations\n\n');
      process.stdout.write(table(['field', 'loss'], TOY_FIELD_KINDS.map((k) => [k, sci(toy[k].finalMeanLoss)])) + '\n\n');
      process.stdout.write(`2. Cart-pole swing-up with ${o.poles} poles, ${o.epochs} epochs, 64 training states, batch 8, seed 0\n\n`);
      const rows: string[][] = [];
      for (const mode of ['full', 'combined'] as const) {
        const config = resolveTrainConfig(cartpole, { mode, epochs: o.epochs, trainSize: 64, testSize: 64, settings: { poles: o.poles } });
        const trainer = new Trainer(config, generateDataset(cartpole.create(config.settings), config));
        const start = trainer.evaluate().testLoss;
        const t0 = performance.now();
        trainer.run(({ epoch, epochs, record }) => {
          if (epoch % 10 === 0 || epoch === epochs) process.stderr.write(`  ${mode}: epoch ${epoch}/${epochs}, test loss ${sci(record.testLoss)}\n`);
        });
        const dir = `${o.out}/cartpole-${mode}`;
        writeRunFolder(dir, trainer);
        const last = trainer.records.at(-1);
        rows.push([mode, sci(start), last ? sci(last.testLoss) : trainer.status, duration((performance.now() - t0) / 1000), dir]);
      }
      process.stdout.write('\n' + table(['mode', 'test loss before', 'after', 'time', 'files'], rows) + '\n');
      process.stdout.write('\nC keeps the physics-path feedback where it agrees in sign with the true gradient (spec/method.md).\n');
    });
}
