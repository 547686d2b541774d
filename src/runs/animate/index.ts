/**
 * Animated GIFs of trained controllers: rollout (rollout.ts) → one SVG per frame (scenes.ts,
 * pure) → pixels (raster.ts, resvg) → GIF (gif.ts, gifenc). File writing is the caller's.
 */
import { fieldLabel } from '../../bptt/modes.js';
import type { ProblemDefinition, SceneFactory } from '../../physics/index.js';
import type { RunStore, StoredRun } from '../store.js';
import { blendPalette, GifBuilder } from './gif.js';
import { rasterize } from './raster.js';
import { rolloutRun } from './rollout.js';
import { BASE_COLORS, createScene, defaultEvery, frameSteps, sceneFor, type Rollout } from './scenes.js';

export { createScene, defaultEvery, frameSteps, genericScene, sceneFor, type Scene, type SceneOptions, type SceneSpec } from './scenes.js';
export type { Rollout } from '../../physics/presentation.js';
export { loadTrainedController, rolloutController, rolloutRun, type RunRollout } from './rollout.js';
export { rasterize, svgToPng, type RgbaImage } from './raster.js';
export { blendPalette, GifBuilder, type Palette } from './gif.js';

export const DEFAULT_SAMPLES = 4;
export const FRAME_DELAY_MS = 50;
/** The final frame stays this long before the loop restarts, so the end state can be seen. */
export const FINAL_HOLD_MS = 1000;

export interface RenderOptions {
  /** Frame stride k: a frame every k steps (and the final step). Default: ≤ 100 intervals. */
  every?: number;
  width?: number;
  height?: number;
  title?: string;
  delayMs?: number;
  finalHoldMs?: number;
}

export interface GifResult {
  gif: Uint8Array;
  /** The steps shown, one per frame. */
  steps: number[];
  every: number;
  width: number;
  height: number;
}

/** Renders a rollout as an animated GIF, drawn by `factory` (the problem's scene). */
export function renderGif(rollout: Rollout, factory: SceneFactory, opts: RenderOptions = {}): GifResult {
  const scene = createScene(rollout, factory, {
    ...(opts.width !== undefined && { width: opts.width }),
    ...(opts.height !== undefined && { height: opts.height }),
    ...(opts.title !== undefined && { title: opts.title }),
  });
  const every = opts.every ?? defaultEvery(rollout.steps);
  const steps = frameSteps(rollout.steps, every);
  const gif = new GifBuilder(scene.width, scene.height, blendPalette(BASE_COLORS), { delayMs: opts.delayMs ?? FRAME_DELAY_MS });
  steps.forEach((n, i) => {
    const img = rasterize(scene.frame(n));
    if (img.width !== scene.width || img.height !== scene.height) {
      throw new Error(`frame rendered at ${img.width}×${img.height}, expected ${scene.width}×${scene.height}`);
    }
    gif.add(img.data, i === steps.length - 1 ? (opts.finalHoldMs ?? FINAL_HOLD_MS) : gif.delayMs);
  });
  return { gif: gif.finish(), steps, every, width: scene.width, height: scene.height };
}

/** Largest state magnitude an animation draws. */
export const MAX_DRAWN_STATE = 1e6;

export interface AnimateOptions extends Omit<RenderOptions, 'title'> {
  /** Test initial states to animate (the run's first ones). Default 4. */
  samples?: number;
}

export interface Animation extends GifResult {
  run: StoredRun;
  /** The loss of the animated rollout. */
  loss: number;
}

/** A stored run's trained controller on its first test states, as an animated GIF. */
export async function animateRun(store: RunStore, id: number, def: ProblemDefinition, opts: AnimateOptions = {}): Promise<Animation> {
  const { run, rollout, loss } = await rolloutRun(store, id, def, opts.samples ?? DEFAULT_SAMPLES);
  // A controller that throws the system far off (huge but finite states) has no picture worth
  // drawing, and the drawing of such numbers would take minutes and gigabytes.
  let largest = 0;
  for (const x of rollout.states) for (const v of x) largest = Number.isNaN(v) ? Infinity : Math.max(largest, Math.abs(v));
  if (largest > MAX_DRAWN_STATE) {
    const what = Number.isFinite(largest) ? `states of ${largest.toExponential(2)}` : 'non-finite states';
    throw new Error(`run ${id}: its rollout reaches ${what} (at most ${MAX_DRAWN_STATE.toExponential(0)} are drawn): the trained controller drives the system far off; there is nothing to animate`);
  }
  const mode = fieldLabel(run.config);
  const title = `run ${run.id} · ${run.problem} · ${mode} · ${run.epochsDone} epochs`;
  return { ...renderGif(rollout, sceneFor(def), { ...opts, title }), run, loss };
}
