/** `sbptt animate <run>`: a stored run's trained controller on its first test states, as an animated GIF. */
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { Command } from 'commander';
import { parsePositiveInt } from '../train/config.js';
import { checkWritableFile } from './out-arg.js';
import { parseRunId } from './resume.js';
import { problemOfRun } from '../runs/problems.js';
import { RunStore } from '../runs/store.js';
import { existingStorePath, STORE_FLAG, STORE_HELP } from './store-arg.js';

/** Keep equal to DEFAULT_SAMPLES in runs/animate (loaded lazily: resvg is native and only this command needs it). */
const DEFAULT_SAMPLES = 4;
/** Most test states one animation shows (one panel each). */
const MAX_SAMPLES = 16;

/** "WxH" in pixels, each from 64 to 4096. */
export function parseSize(text: string): { width: number; height: number } {
  const m = /^\s*(\d+)\s*[x×]\s*(\d+)\s*$/i.exec(text);
  const w = m ? Number(m[1]) : NaN, h = m ? Number(m[2]) : NaN;
  if (!(w >= 64 && w <= 4096 && h >= 64 && h <= 4096)) throw new Error(`--size: got "${text}", expected WxH in pixels (64 to 4096 each), e.g. 480x360`);
  return { width: w, height: h };
}

interface AnimateFlags {
  store?: string;
  out?: string;
  samples?: string;
  every?: string;
  size?: string;
}

export function animateCommand(): Command {
  return new Command('animate')
    .description("render a stored run's trained controller on its first test states as an animated GIF")
    .argument('<run>', 'run id (see `sbptt runs`)')
    .option(STORE_FLAG, STORE_HELP)
    .option('--out <file>', 'GIF file to write (default figures/run-<id>.gif)')
    .option('--samples <n>', `test initial states to animate, one panel each (default ${DEFAULT_SAMPLES}, at most ${MAX_SAMPLES})`)
    .option('--every <k>', 'one frame every k steps, plus the last (default: at most 100 intervals)')
    .option('--size <WxH>', 'frame size in pixels (default 480 wide, the height from the panel grid)')
    .action(async (target: string, o: AnimateFlags) => {
      const id = parseRunId(target);
      const samples = o.samples === undefined ? DEFAULT_SAMPLES : parsePositiveInt('samples', o.samples, MAX_SAMPLES);
      const every = o.every === undefined ? undefined : parsePositiveInt('every', o.every, 100_000);
      const size = o.size === undefined ? undefined : parseSize(o.size);
      const out = o.out ?? `figures/run-${id}.gif`;
      checkWritableFile('--out', out);
      const path = existingStorePath(o.store);
      const { animateRun } = await import('../runs/animate/index.js');
      const store = await RunStore.open(path, { create: false });
      let animation;
      try {
        const def = await problemOfRun(await store.run(id), { allowChanged: true, warn: (line) => process.stderr.write(line + '\n') });
        animation = await animateRun(store, id, def, { samples, ...(every !== undefined && { every }), ...size });
      } finally {
        await store.close();
      }
      mkdirSync(dirname(out), { recursive: true });
      writeFileSync(out, animation.gif);
      process.stdout.write(`${out}\n`);
    });
}
