/**
 * `sbptt demo` (what `npm start` runs): the method's effect in about two minutes on 2 cores.
 * The Figure-2 toy, then a small resumable sweep — cart-pole with 2 and 3 poles, the true
 * gradient (R) against the combined update (C) — then its figure, its table and an animation of
 * the C controller, each file's path printed.
 */
import { availableParallelism } from 'node:os';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Command } from 'commander';
import { cartpole } from '../physics/index.js';
import { runPool } from '../runs/pool.js';
import { RunStore } from '../runs/store.js';
import { ensureSweep, parseAxes, planSweep } from '../runs/sweep.js';
import { parsePositiveInt } from '../train/config.js';
import { runToy, TOY_FIELD_KINDS } from '../train/toy.js';
import { duration, sci, table } from './format.js';

export function demoCommand(): Command {
  return new Command('demo')
    .description('a short demonstration: the toy, then a cart-pole sweep (R against C) with its figure, table and an animation')
    .option('--epochs <n>', 'epochs per cart-pole run', '200')
    .option('--out <dir>', 'output folder (store, figures, animation)', 'runs/demo')
    .option('--workers <n>', 'parallel runs', String(availableParallelism()))
    .action(async (o: { epochs: string; out: string; workers: string }) => {
      const workers = parsePositiveInt('workers', o.workers);
      const figures = join(o.out, 'figures');
      mkdirSync(figures, { recursive: true });
      const say = (text: string): boolean => process.stdout.write(text + '\n');

      say('1. The toy (docs/method.md): Adam on L = θ₁² + θ₂², mean loss of the last 50 of 200 iterations\n');
      const toy = runToy();
      say(table(['field', 'loss'], TOY_FIELD_KINDS.map((k) => [k, sci(toy[k].finalMeanLoss)])));
      const { plotToy } = await import('../runs/figures/toy-figure.js');
      const toyFiles = await plotToy(toy, figures);
      say(`\n   figure: ${toyFiles.png}\n`);

      const axes = parseAxes(cartpole, { complexity: '2,3', modes: 'R,C', clip: 'NORM' });
      const plan = planSweep(cartpole, { epochs: o.epochs }, axes, `demo-cartpole-${o.epochs}`);
      const storePath = join(o.out, 'sbptt.sqlite');
      say(`2. Cart-pole swing-up, 2 and 3 poles, R against C, ${o.epochs} epochs, 256 training states, ${workers} worker(s)`);
      say(`   sweep ${plan.name} in ${storePath} (run the demo again to resume or reuse it)\n`);
      const store = RunStore.open(storePath);
      const ids = ensureSweep(store, plan);
      store.close();
      const t0 = performance.now();
      let last = 0;
      await runPool(storePath, ids, workers, (p) => {
        if (performance.now() - last < 5000 && !p.justFinished) return;
        last = performance.now();
        const current = p.workers.filter((w) => w).map((w) => `run ${w!.run} epoch ${w!.epoch}/${w!.epochs}`).join(', ');
        process.stderr.write(`   ${p.finished}/${p.total} runs finished${current ? `; ${current}` : ''}; ETA ${duration(p.etaSeconds)}\n`);
      });
      say(`   sweep finished in ${duration((performance.now() - t0) / 1000)}\n`);

      const { plotSweep } = await import('../runs/figures/sweep-figure.js');
      const { animateRun } = await import('../runs/animate/index.js');
      const done = RunStore.open(storePath);
      try {
        const files = await plotSweep(done, plan.name, figures);
        say('3. Final test loss (30-epoch moving average):\n');
        say(readTable(files.md));
        const combined = done.runs({ sweep: plan.name }).filter((r) => r.config.mode === 'combined' && r.status === 'done').at(-1);
        say(`   figure: ${files.png} (and ${files.svg})\n   table:  ${files.md}`);
        if (combined) {
          const gif = join(figures, `run-${combined.id}.gif`);
          writeFileSync(gif, animateRun(done, combined.id, cartpole).gif);
          say(`   animation of run ${combined.id} (C, ${combined.config.settings.poles} poles): ${gif}`);
        }
      } finally {
        done.close();
      }
      say('\nC keeps the physics-path feedback where its sign agrees with the true gradient (docs/method.md).');
      say('Next: `npx sbptt sweep cartpole` runs the whole published grid; `npx sbptt --help` lists every command.');
    });
}

/** The Markdown table's rows only (the file also holds a title and notes). */
function readTable(path: string): string {
  return readFileSync(path, 'utf8')
    .split('\n')
    .filter((l) => l.startsWith('|'))
    .map((l) => '   ' + l)
    .join('\n');
}
