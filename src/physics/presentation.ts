/**
 * How a problem is shown: an optional animation scene, used by `sbptt animate` (GIF) and the
 * dashboard's rollout player. Scenes are pure functions from a rollout to SVG text, so they run
 * in Node and in the browser alike. Problems without a scene get the generic view (every state
 * component and the control over time).
 */
import type { Settings } from './problem.js';

/** A forward rollout of B samples, as `Unroll.forward` leaves it. */
export interface Rollout {
  /** The problem's name. */
  readonly problem: string;
  readonly settings: Settings;
  /** Nt. */
  readonly steps: number;
  /** B, the animated samples. */
  readonly samples: number;
  readonly stateSize: number;
  readonly controlSize: number;
  /** x_0 … x_Nt, each [B][stateSize]. */
  readonly states: readonly Float64Array[];
  /** c_0 … c_{Nt−1}, each [B][controlSize]. */
  readonly controls: readonly Float64Array[];
  /** Simulated time per step (default 1). */
  readonly dt?: number;
}

/** A pixel rectangle. */
export interface Rect {
  readonly x: number;
  readonly y: number;
  readonly w: number;
  readonly h: number;
}

/** What a scene contributes: its panel layout and how to draw one sample at one step. */
export interface SceneSpec {
  /** Columns of the panel grid (fewer when there are fewer samples). */
  readonly cols: number;
  /** Default panel height / panel width. */
  readonly aspect: number;
  /** Simulated time per step, for the header. */
  readonly dt: number;
  /** Draws sample b at step n (0 ≤ n ≤ Nt) into the panel r, as SVG elements. */
  panel(b: number, n: number, r: Rect): string;
}

export type SceneFactory = (rollout: Rollout) => SceneSpec;

export interface Presentation {
  /** The animation scene; default: the generic view of the state components and controls. */
  readonly scene?: SceneFactory;
}
