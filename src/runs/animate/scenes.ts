/**
 * Animation scenes: pure functions from a rollout (states and controls of B samples) and a
 * step index to one SVG frame, one panel per sample under a header with the step counter.
 * No Node built-ins and no rasteriser here (a browser dashboard can reuse this as it is).
 */
import type { Rect, Rollout, SceneFactory } from '../../physics/presentation.js';
import { COLORS, fmt, gridRects, line, rect, svgDocument, text } from '../../physics/scene/svg.js';

export type { Rollout, Rect, SceneFactory, SceneSpec } from '../../physics/presentation.js';
export { BASE_COLORS, COLORS, controlStep } from '../../physics/scene/svg.js';
export { genericScene, sceneFor } from '../../physics/scene/generic.js';

export interface SceneOptions {
  /** Frame width in px (default 480). */
  width?: number;
  /** Frame height in px (default: from the width, the panel grid and the problem's panel shape). */
  height?: number;
  /** Left part of the header, e.g. "run 3 · cartpole · combined". */
  title?: string;
}

export interface Scene {
  readonly width: number;
  readonly height: number;
  /** Nt: frames exist for steps 0 … Nt. */
  readonly steps: number;
  /** The SVG of the frame at step n: state x_n and the control in effect, c_min(n, Nt−1). */
  frame(n: number): string;
}

/** Height of the header strip, px. */
export const HEADER_HEIGHT = 22;
export const DEFAULT_WIDTH = 480;

/** Frames of `rollout` drawn by `factory` (the problem's scene, see sceneFor). */
export function createScene(rollout: Rollout, factory: SceneFactory, opts: SceneOptions = {}): Scene {
  const { steps, samples } = rollout;
  if (rollout.states.length !== steps + 1 || rollout.controls.length !== steps) {
    throw new Error(`rollout has ${rollout.states.length} states and ${rollout.controls.length} controls for ${steps} steps`);
  }
  const spec = factory(rollout);
  const cols = Math.max(1, Math.min(spec.cols, samples));
  const rows = Math.ceil(samples / cols);
  const width = Math.round(opts.width ?? DEFAULT_WIDTH);
  const height = Math.round(opts.height ?? HEADER_HEIGHT + rows * Math.round((width / cols) * spec.aspect));
  if (!(width >= 16 && height > HEADER_HEIGHT + 8)) throw new Error(`frame size ${width}×${height} is too small`);
  const area: Rect = { x: 0, y: HEADER_HEIGHT, w: width, h: height - HEADER_HEIGHT };
  const panels = gridRects(area, samples, cols);
  const title = opts.title ?? rollout.problem;

  // Static parts: the header background and the rules between panels.
  let grid = rect({ x: 0, y: 0, w: width, h: HEADER_HEIGHT }, COLORS.header);
  grid += line(0, HEADER_HEIGHT - 0.5, width, HEADER_HEIGHT - 0.5, { color: COLORS.rule });
  for (let c = 1; c < cols; c++) grid += line((c * width) / cols, HEADER_HEIGHT, (c * width) / cols, height, { color: COLORS.rule });
  for (let r = 1; r < rows; r++) grid += line(0, HEADER_HEIGHT + (r * area.h) / rows, width, HEADER_HEIGHT + (r * area.h) / rows, { color: COLORS.rule });

  return {
    width,
    height,
    steps,
    frame(n: number): string {
      if (!Number.isInteger(n) || n < 0 || n > steps) throw new Error(`frame step must be an integer from 0 to ${steps}, got ${n}`);
      const counter = `step ${n}/${steps} · t = ${fmt(n * spec.dt)}`;
      let body = grid;
      body += text(6, 15, title, { size: 12, weight: 'bold' });
      body += text(width - 6, 15, counter, { size: 12, anchor: 'end' });
      panels.forEach((r, b) => (body += `<g>${spec.panel(b, n, r)}</g>`));
      return svgDocument(width, height, body);
    },
  };
}

/** The default frame stride: at most `maxFrames` intervals (so ≤ maxFrames + 1 frames). */
export function defaultEvery(steps: number, maxFrames = 100): number {
  return Math.max(1, Math.ceil(steps / maxFrames));
}

/** The steps that get a frame: 0, k, 2k, … and always the final step Nt. */
export function frameSteps(steps: number, every: number): number[] {
  if (!Number.isInteger(every) || every < 1) throw new Error(`frame stride must be a positive integer, got ${every}`);
  const out: number[] = [];
  for (let n = 0; n <= steps; n += every) out.push(n);
  if (out[out.length - 1] !== steps) out.push(steps);
  return out;
}
