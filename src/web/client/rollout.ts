/**
 * A stored controller rolled out in the browser — the engine and the problem run here unchanged:
 * controllerFromJson rebuilds the network, Unroll.forward simulates from the run's test initial
 * states — and played on a canvas: each frame is the SVG of the animation scene (the one
 * `sbptt animate` rasterises into a GIF) drawn through an image.
 */
import { Unroll } from '../../bptt/unroll.js';
import { kernelModule } from '../../kernels/module.js';
import type { ProblemDefinition } from '../../physics/index.js';
import { createScene, defaultEvery, frameSteps, sceneFor, type Rollout, type Scene } from '../../runs/animate/scenes.js';
import { controllerFromJson } from '../../train/controller-file.js';
import type { ControllerFile, InitialStates, RolloutFrames } from '../api-types.js';

export interface BrowserRollout {
  rollout: Rollout;
  /** Loss of the rollout (with the regularisation term) over its samples. */
  loss: number;
  /** Time the forward pass took, ms. */
  ms: number;
}

export function computeRollout(def: ProblemDefinition, json: ControllerFile, x0: InitialStates): BrowserRollout {
  const { file, problem, params } = controllerFromJson(json, def);
  const { simulator, controller, loss, steps, rc } = problem;
  if (x0.stateSize !== simulator.stateSize) throw new Error(`initial states have ${x0.stateSize} numbers, the problem needs ${simulator.stateSize}`);
  const t0 = performance.now();
  const unroll = new Unroll({ controller, simulator, loss, steps, batch: x0.n, rc, differentiable: false });
  const result = unroll.forward(params, Float64Array.from(x0.data));
  const rollout: Rollout = {
    problem: file.problem,
    settings: file.settings,
    steps,
    dt: problem.dt,
    samples: x0.n,
    stateSize: simulator.stateSize,
    controlSize: simulator.controlSize,
    states: unroll.states,
    controls: unroll.controls,
  };
  return { rollout, loss: result.loss, ms: performance.now() - t0 };
}

/** The frames of a bundled problem's rollout, drawn here with its scene. */
export function sceneOf(def: ProblemDefinition, rollout: Rollout, title: string, width: number): Scene {
  return createScene(rollout, sceneFor(def), { width, title });
}

/** Frames the server drew (problems from users' modules are not bundled with the page). */
export function serverScene(f: RolloutFrames): Scene {
  return {
    width: f.width,
    height: f.height,
    steps: f.totalSteps,
    frame: (n) => {
      const i = f.steps.indexOf(n);
      if (i < 0) throw new Error(`the server sent no frame for step ${n}`);
      return f.frames[i]!;
    },
  };
}

/** Which dense kernels the network runs on here: WebAssembly SIMD, or the plain-JS fallback. */
export function kernelsInUse(): string {
  return kernelModule() ? 'WebAssembly SIMD kernels' : 'plain-JS kernels';
}

const FRAME_MS = 50;
const FINAL_HOLD_MS = 1000;

function svgImage(svg: string): Promise<HTMLImageElement> {
  const img = new Image();
  img.src = `data:image/svg+xml;charset=utf-8,${encodeURIComponent(svg)}`;
  return img.decode().then(() => img);
}

/** Plays a scene's frames on a canvas (looping, 20 frames/s, the last held 1 s). */
export class RolloutPlayer {
  readonly scene: Scene;
  /** The steps that have a frame. */
  readonly steps: number[];
  private readonly images: (Promise<HTMLImageElement> | undefined)[] = [];
  private readonly ctx: CanvasRenderingContext2D;
  private index = 0;
  private playing = false;
  private raf = 0;
  private last = 0;
  private drawn = -1;
  private disposed = false;

  constructor(
    readonly canvas: HTMLCanvasElement,
    scene: Scene,
    private readonly onFrame: (index: number, step: number) => void = () => {},
  ) {
    this.scene = scene;
    this.steps = frameSteps(scene.steps, defaultEvery(scene.steps));
    const dpr = Math.min(2, window.devicePixelRatio || 1);
    canvas.width = Math.round(this.scene.width * dpr);
    canvas.height = Math.round(this.scene.height * dpr);
    canvas.style.width = `${this.scene.width}px`;
    canvas.style.aspectRatio = `${this.scene.width} / ${this.scene.height}`;
    this.ctx = canvas.getContext('2d')!;
    void this.draw(0);
  }

  get isPlaying(): boolean {
    return this.playing;
  }

  private image(i: number): Promise<HTMLImageElement> {
    return (this.images[i] ??= svgImage(this.scene.frame(this.steps[i]!)));
  }

  private async draw(i: number): Promise<void> {
    const img = await this.image(i);
    void this.image((i + 1) % this.steps.length); // decode the next one meanwhile
    if (this.disposed || i !== this.index) return;
    this.ctx.drawImage(img, 0, 0, this.canvas.width, this.canvas.height);
    this.drawn = i;
    this.canvas.dataset.step = String(this.steps[i]);
    this.onFrame(i, this.steps[i]!);
  }

  seek(i: number): void {
    this.index = Math.max(0, Math.min(this.steps.length - 1, i));
    void this.draw(this.index);
  }

  play(): void {
    if (this.playing || this.disposed) return;
    this.playing = true;
    this.last = performance.now();
    const tick = (now: number): void => {
      if (!this.playing) return;
      const hold = this.index === this.steps.length - 1 ? FINAL_HOLD_MS : FRAME_MS;
      // Advance only once the current frame is on the canvas (slow decoding slows, never skips).
      if (now - this.last >= hold && this.drawn === this.index) {
        this.last = now;
        this.seek((this.index + 1) % this.steps.length);
      }
      this.raf = requestAnimationFrame(tick);
    };
    this.raf = requestAnimationFrame(tick);
  }

  pause(): void {
    this.playing = false;
    cancelAnimationFrame(this.raf);
  }

  dispose(): void {
    this.pause();
    this.disposed = true;
  }
}
