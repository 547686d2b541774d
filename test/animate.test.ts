import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { GifReader } from 'omggif';
import { Rng } from '../src/engine/random.js';
import { BUILTIN_PROBLEMS, cartpole, resolveSettings, type ProblemDefinition } from '../src/physics/index.js';
import { builtinProblem } from '../src/runs/problems.js';
import { executeRun } from '../src/runs/execute.js';
import { RunStore } from '../src/runs/store.js';
import { animateRun, createScene, defaultEvery, frameSteps, renderGif, rolloutController, type Rollout } from '../src/runs/animate/index.js';
import { HEADER_HEIGHT } from '../src/runs/animate/scenes.js';
import { resolveTrainConfig, type TrainOverrides } from '../src/train/config.js';
import { runSbptt, type CliResult } from './helpers/cli.js';

const TINY: Record<string, TrainOverrides['settings']> = {
  cartpole: { steps: 20, width: 8 },
  repulsion: { steps: 12, width: 8 },
  quantum: { nx: 8, steps: 8, width: 4 },
};

const tmpStore = (): string => join(mkdtempSync(join(tmpdir(), 'sbptt-animate-')), 'runs.sqlite');

/** A run of `problem` in `store`: trained for one epoch (controller stored) unless `execute` is false. */
async function makeRun(store: RunStore, def: ProblemDefinition, execute = true): Promise<number> {
  const id = await store.createRun(resolveTrainConfig(def, { settings: TINY[def.name]!, epochs: 1, trainSize: 8, testSize: 8 }));
  if (execute) assert.equal((await executeRun(store, id, { problem: def })).status, 'done');
  return id;
}

/** Every frame of a GIF, composed as a viewer shows it (frames after the first are deltas). */
function decodeGif(bytes: Uint8Array): { width: number; height: number; frames: Uint8Array[]; delays: number[] } {
  const r = new GifReader(bytes);
  const canvas = new Uint8Array(r.width * r.height * 4);
  const frames: Uint8Array[] = [];
  const delays: number[] = [];
  for (let i = 0; i < r.numFrames(); i++) {
    r.decodeAndBlitFrameRGBA(i, canvas);
    frames.push(canvas.slice());
    delays.push(r.frameInfo(i).delay);
  }
  return { width: r.width, height: r.height, frames, delays };
}

/** Whether two RGBA images differ below the header strip (the scene itself moved). */
function sceneDiffers(a: Uint8Array, b: Uint8Array, width: number): boolean {
  for (let i = HEADER_HEIGHT * width * 4; i < a.length; i++) if (a[i] !== b[i]) return true;
  return false;
}

function checkGif(gif: Uint8Array, frames: number, width: number, height: number): void {
  const d = decodeGif(gif);
  assert.equal(d.frames.length, frames);
  assert.equal(d.width, width);
  assert.equal(d.height, height);
  assert.deepEqual(d.delays, [...Array<number>(frames - 1).fill(5), 100], '50 ms per frame, the last held 1 s');
  for (let i = 1; i < frames; i++) assert.notDeepEqual(d.frames[i], d.frames[i - 1], `frame ${i} equals frame ${i - 1}`);
  assert.ok(sceneDiffers(d.frames[0]!, d.frames[frames - 1]!, width), 'the scene moves between the first and last frames');
  // Not blank: plenty of non-white pixels in the first frame.
  let ink = 0;
  for (let i = 0; i < d.frames[0]!.length; i += 4) if (d.frames[0]![i]! < 200) ink++;
  assert.ok(ink > 200, `only ${ink} dark pixels`);
}

test('frame steps: every k-th step and always the last; default stride keeps ≤ 101 frames', async () => {
  assert.deepEqual(frameSteps(20, 3), [0, 3, 6, 9, 12, 15, 18, 20]);
  assert.deepEqual(frameSteps(12, 1).length, 13);
  assert.deepEqual(frameSteps(8, 4), [0, 4, 8]);
  assert.deepEqual([defaultEvery(12), defaultEvery(100), defaultEvery(128), defaultEvery(1000)], [1, 1, 2, 10]);
  for (const steps of [1, 60, 100, 128, 999]) assert.ok(frameSteps(steps, defaultEvery(steps)).length <= 101);
  assert.throws(() => frameSteps(10, 0), /positive integer/);
});

test('cart-pole scene geometry: θ = 0 points up, θ = π hangs down, θ = π/2 points right', async () => {
  const rollout: Rollout = {
    problem: 'cartpole',
    settings: { poles: 3, duration: 1 },
    steps: 1,
    samples: 1,
    stateSize: 8,
    controlSize: 1,
    states: [Float64Array.from([0, 0, 0, 0, Math.PI, 0, Math.PI / 2, 0]), new Float64Array(8)],
    controls: [Float64Array.from([1])],
  };
  const svg = createScene(rollout, cartpole.presentation.scene!).frame(0);
  const poles = ['#e45756', '#54a24b', '#b279a2'].map((c) => {
    const m = new RegExp(`<line x1="([\\d.-]+)" y1="([\\d.-]+)" x2="([\\d.-]+)" y2="([\\d.-]+)" stroke="${c}"`).exec(svg);
    assert.ok(m, `pole line ${c}`);
    const [x1, y1, x2, y2] = m.slice(1).map(Number) as [number, number, number, number];
    return { dx: x2 - x1, dy: y2 - y1 };
  });
  assert.ok(poles[0]!.dy < -10 && Math.abs(poles[0]!.dx) < 0.5, 'θ = 0: up (SVG y grows downwards)');
  assert.ok(poles[1]!.dy > 10 && Math.abs(poles[1]!.dx) < 0.5, 'θ = π: down');
  assert.ok(poles[2]!.dx > 10 && Math.abs(poles[2]!.dy) < 0.5, 'θ = π/2: right');
  assert.match(svg, /F = 1</);
  assert.match(svg, /step 0\/1/);
});

test('cart-pole frames are legible: the view follows the cart, poles are long strokes, the target and force are drawn', () => {
  const poleLines = (svg: string, color: string): { x1: number; y1: number; x2: number; y2: number }[] =>
    [...svg.matchAll(new RegExp(`<line x1="([\\d.-]+)" y1="([\\d.-]+)" x2="([\\d.-]+)" y2="([\\d.-]+)" stroke="${color}"`, 'g'))].map((m) => {
      const [x1, y1, x2, y2] = m.slice(1).map(Number) as [number, number, number, number];
      return { x1, y1, x2, y2 };
    });
  for (const [samples, fraction] of [[1, 0.3], [4, 0.15]] as const) {
    // Carts far apart and far from the origin, a pole up and a pole sideways, a large and a small force.
    const xs = [-9.5, 0.2, 4, 12].slice(0, samples);
    const state = Float64Array.from(xs.flatMap((x) => [x, 0, 0, 0, Math.PI / 2, 0]));
    const rollout: Rollout = { problem: 'cartpole', settings: { poles: 2, duration: 1 }, steps: 1, samples, stateSize: 6, controlSize: 1, states: [state, state], controls: [Float64Array.from(xs.map((_, i) => (i % 2 ? 1 : 20)))] };
    const scene = createScene(rollout, cartpole.presentation.scene!);
    const svg = scene.frame(0);
    const panelWidth = scene.width / Math.min(2, samples);
    for (const color of ['#e45756', '#54a24b']) {
      const lines = poleLines(svg, color);
      assert.equal(lines.length, samples, `one ${color} pole per panel`);
      lines.forEach((p, b) => {
        const length = Math.hypot(p.x2 - p.x1, p.y2 - p.y1);
        assert.ok(length >= fraction * scene.height, `${samples} sample(s): pole drawn ${length.toFixed(1)} px long, frame ${scene.height} px high`);
        // The camera follows the cart: its pivot sits in the middle of its panel wherever the cart is.
        const centre = ((b % 2) + 0.5) * panelWidth;
        assert.ok(Math.abs(p.x1 - centre) < 2, `pivot at ${p.x1.toFixed(1)}, panel centre ${centre}`);
      });
    }
    assert.equal((svg.match(/stroke-dasharray="4 3"/g) ?? []).length, 2 * samples, 'the dashed upright target and its legend in every panel');
    assert.equal((svg.match(/upright target/g) ?? []).length, samples);
    assert.match(svg, /cart x = -9\.5/);
  }
});

for (const [name, every, size, frames] of [
  ['cartpole', 3, undefined, 8],
  ['repulsion', undefined, undefined, 13],
  ['quantum', 2, { width: 320, height: 200 }, 5],
] as const) {
  test(`animate a trained ${name} run: frames, size, motion`, async () => {
    const store = await RunStore.open(tmpStore());
    try {
      const def = builtinProblem(name);
      const id = await makeRun(store, def);
      const a = await animateRun(store, id, def, { ...(every !== undefined && { every }), ...size });
      assert.equal(a.steps.length, frames);
      assert.equal(a.every, every ?? 1);
      const width = size?.width ?? 480;
      // Default height: header + rows × panel width × the problem's panel aspect (4 samples).
      const height = size?.height ?? { cartpole: HEADER_HEIGHT + 2 * 168, repulsion: HEADER_HEIGHT + 2 * 240, quantum: HEADER_HEIGHT + 4 * 144 }[name];
      assert.equal(a.width, width);
      assert.equal(a.height, height);
      checkGif(a.gif, frames, width, height);
      assert.ok(a.gif.length < 200_000, `${a.gif.length} bytes`);
    } finally {
      await store.close();
    }
  });
}

test('a diverged controller (non-finite controls and states) still renders every problem', async () => {
  for (const def of BUILTIN_PROBLEMS) {
    const settings = resolveSettings(def, TINY[def.name]!);
    const problem = def.create(settings);
    const params = new Float64Array(problem.controller.paramCount).fill(NaN);
    const { rollout } = rolloutController(problem, params, problem.sample(2, new Rng(1)), 2);
    assert.ok(!Number.isFinite(rollout.states[rollout.steps]![0]!), `${def.name}: the rollout is non-finite`);
    const r = renderGif(rollout, def.presentation.scene!, { every: 100 });
    assert.equal(decodeGif(r.gif).frames.length, 2);
    assert.match(createScene(rollout, def.presentation.scene!).frame(rollout.steps), /non-finite state|NaN/);
  }
});

test('pure scene files use no Node built-ins, resvg or gifenc', async () => {
  const files = ['src/physics/scene/svg.ts', 'src/physics/scene/generic.ts', 'src/runs/animate/scenes.ts', ...['cartpole', 'repulsion', 'quantum'].map((p) => `src/physics/${p}/scene.ts`)];
  for (const f of files) {
    const src = readFileSync(f, 'utf8');
    for (const m of src.matchAll(/from\s+'([^']+)'/g)) {
      assert.ok(m[1]!.startsWith('.'), `${f}.ts imports ${m[1]}`);
      assert.ok(!/raster|gif\.js|rollout|datasets|store/.test(m[1]!), `${f}.ts imports ${m[1]}`);
    }
    assert.doesNotMatch(src, /\bprocess\.|\brequire\(/);
  }
});

const sbptt = (...args: string[]): Promise<CliResult> => runSbptt(args);

test('sbptt animate: writes the GIF and prints its path; clear one-line errors', async () => {
  const path = tmpStore();
  const store = await RunStore.open(path);
  const done = await makeRun(store, cartpole);
  const queued = await makeRun(store, cartpole, false);
  await store.close();
  const gifPath = join(path, '..', 'out', 'anim.gif');
  const [ok, unknown, pending, badSize, tooMany, noStore] = await Promise.all([
    sbptt('animate', String(done), '--store', path, '--out', gifPath, '--every', '5', '--samples', '2'),
    sbptt('animate', '42', '--store', path),
    sbptt('animate', String(queued), '--store', path),
    sbptt('animate', String(done), '--store', path, '--size', 'big'),
    sbptt('animate', String(done), '--store', path, '--samples', '9'),
    sbptt('animate', '1', '--store', join(path, '..', 'missing.sqlite')),
  ]);
  assert.equal(ok.code, 0, ok.err);
  assert.equal(ok.out, `${gifPath}\n`);
  assert.ok(existsSync(gifPath));
  const d = decodeGif(readFileSync(gifPath));
  assert.equal(d.frames.length, 5); // steps 0, 5, 10, 15, 20
  assert.equal(d.width, 480);
  assert.equal(d.height, HEADER_HEIGHT + 168); // two samples: one row of two panels
  const errors: [typeof unknown, RegExp][] = [
    [unknown, /^sbptt: error: no run with id 42 in .*runs\.sqlite\n$/],
    [pending, new RegExp(`^sbptt: error: run ${queued} has no trained controller yet \\(status queued\\); animate it once it has finished.*\\n$`)],
    [badSize, /^sbptt: error: --size: got "big", expected WxH in pixels.*\n$/],
    [tooMany, new RegExp(`^sbptt: error: --samples: got 9, but run ${done} has only 8 test states\\n$`)],
    [noStore, /^sbptt: error: no run store at .*missing\.sqlite.*\n$/],
  ];
  for (const [r, msg] of errors) {
    assert.equal(r.code, 2, r.err);
    assert.match(r.err, msg);
    assert.doesNotMatch(r.err, /\n\s+at /, 'no stack trace');
    assert.equal(r.out, '');
  }
  assert.ok(!existsSync(join(path, '..', 'missing.sqlite')), 'a missing store is not created');
});
