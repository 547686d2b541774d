/**
 * The Figure-2 toy, interactive: rotation, learning rate, iterations and start point are inputs
 * (a click on a panel moves the start); the page runs Adam on the three fields (runToy, the
 * code `sbptt toy` runs) and draws the trajectories and loss curves iteration by iteration.
 */
import { TOY_COLORS, toyFigureSpec } from '../../../runs/figures/toy-spec.js';
import { TOY_DEFAULTS, TOY_FIELD_KINDS, runToy, type ToyFieldKind, type ToyResult } from '../../../train/toy.js';
import { Chart } from '../charts.js';
import { fill, h, sci } from '../dom.js';
import type { Page } from '../router.js';
import { drawField, drawLosses, fieldMap, viewHalf } from '../toy-canvas.js';

const PANEL = 250;
/** The animation shows a run in about this many frames. */
const FRAMES = 90;
const TITLES: Record<ToyFieldKind, string> = { gradient: 'gradient g = ∇L', rotated: 'rotated r = R(−α)·g', combined: 'combined: rᵢ where sign rᵢ = sign gᵢ' };

function numberInput(label: string, name: string, value: number, attrs: Record<string, number | string>): [HTMLLabelElement, HTMLInputElement] {
  const input = h('input', { type: 'number', name, value, class: 'num', ...attrs });
  return [h('label', { class: 'field' }, h('span', {}, label), input), input];
}

export function toyPage(root: HTMLElement): Page {
  const [angleLabel, angle] = numberInput('rotation α (°)', 'angle', TOY_DEFAULTS.angleDeg, { min: 0, max: 180, step: 1 });
  const slider = h('input', { type: 'range', min: 0, max: 180, step: 1, value: TOY_DEFAULTS.angleDeg, 'aria-label': 'rotation' });
  const [lrLabel, lr] = numberInput('learning rate', 'lr', TOY_DEFAULTS.lr, { min: 0.0001, max: 10, step: 'any' });
  const [itLabel, iterations] = numberInput('iterations', 'iterations', TOY_DEFAULTS.iterations, { min: 10, max: 5000, step: 10 });
  const [s1Label, start1] = numberInput('start θ₁', 'start1', TOY_DEFAULTS.start[0], { min: -50, max: 50, step: 'any' });
  const [s2Label, start2] = numberInput('start θ₂', 'start2', TOY_DEFAULTS.start[1], { min: -50, max: 50, step: 'any' });
  const restart = h('button', { type: 'button', class: 'btn' }, 'Run again');
  const error = h('p', { class: 'error', role: 'alert' });
  const canvases = Object.fromEntries(TOY_FIELD_KINDS.map((k) => [k, h('canvas', { class: 'toy-canvas', 'data-field': k, title: 'click to start Adam here' })])) as Record<ToyFieldKind, HTMLCanvasElement>;
  const lossCanvas = h('canvas', { class: 'toy-canvas', id: 'toy-loss' });
  const results = h('tbody', {});
  const figureBox = h('div', { class: 'chart' });
  const figure = new Chart(figureBox);
  const details = h('details', { class: 'card' }, h('summary', {}, 'The same run as the figure of ', h('code', {}, 'sbptt toy --plot')), figureBox);
  const page = h(
    'div',
    { class: 'toy', id: 'toy', 'data-state': 'idle' },
    h('div', { class: 'page-head' }, h('h1', {}, 'Figure-2 toy: Adam on a rotated field'), h('span', { class: 'muted' }, 'L(θ) = θ₁² + θ₂²')),
    h(
      'p',
      { class: 'intro' },
      'Adam follows the gradient, the gradient rotated clockwise by α (a field with curl, like the physics-only update M), and their combination ',
      '(the rotated field where its sign agrees with the gradient, like mode C). The rotated field makes Adam orbit the minimum; the combination removes the rotation.',
    ),
    h('section', { class: 'card controls' }, h('label', { class: 'field wide' }, h('span', {}, 'rotation'), slider), angleLabel, lrLabel, itLabel, s1Label, s2Label, restart),
    error,
    h(
      'section',
      { class: 'card panels' },
      ...TOY_FIELD_KINDS.map((k) => h('figure', {}, h('figcaption', {}, h('span', { class: 'dot', style: `background:${TOY_COLORS[k]}` }), ` ${TITLES[k]}`), canvases[k])),
      h('figure', {}, h('figcaption', {}, 'loss L(θ) per iteration'), lossCanvas),
    ),
    h('section', { class: 'card' }, h('table', { class: 'data', id: 'toy-results' }, h('thead', {}, h('tr', {}, h('th', {}, 'field'), h('th', {}, 'iteration'), h('th', {}, 'loss now'), h('th', {}, 'mean of the last iterations'))), results)),
    details,
  );
  fill(root, page);

  let result: ToyResult | null = null;
  let half = 1;
  let upto = 0;
  let raf = 0;

  function draw(): void {
    if (!result) return;
    for (const k of TOY_FIELD_KINDS) drawField(canvases[k], PANEL, k, result, upto, half);
    drawLosses(lossCanvas, PANEL + 60, PANEL, result, upto);
    const iters = result.options.iterations;
    fill(
      results,
      ...TOY_FIELD_KINDS.map((k) => {
        const final = upto >= iters ? result![k].finalMeanLoss : null;
        return h(
          'tr',
          { 'data-field': k },
          h('td', {}, h('span', { class: 'dot', style: `background:${TOY_COLORS[k]}` }), ` ${k}`),
          h('td', {}, `${upto} / ${iters}`),
          h('td', {}, sci(upto > 0 ? result![k].losses[upto - 1]! : null)),
          h('td', { class: 'final', 'data-value': final ?? '' }, final === null ? '…' : `${sci(final)} (last ${result!.options.lastMean})`),
        );
      }),
    );
  }

  function run(): void {
    cancelAnimationFrame(raf);
    const iters = Number(iterations.value);
    try {
      result = runToy({
        angleDeg: Number(angle.value),
        lr: Number(lr.value),
        iterations: iters,
        start: [Number(start1.value), Number(start2.value)],
        lastMean: Number.isInteger(iters) && iters > 0 ? Math.min(TOY_DEFAULTS.lastMean, iters) : 1,
      });
    } catch (e) {
      error.textContent = (e as Error).message.replace(/^toy option /, '');
      page.dataset.state = 'error';
      return;
    }
    error.textContent = '';
    half = viewHalf(result);
    upto = 0;
    page.dataset.state = 'running';
    const per = Math.max(1, Math.ceil(iters / FRAMES));
    const frame = (): void => {
      upto = Math.min(iters, upto + per);
      draw();
      if (upto < iters) raf = requestAnimationFrame(frame);
      else {
        page.dataset.state = 'done';
        if (details.open) void showFigure();
      }
    };
    draw();
    raf = requestAnimationFrame(frame);
  }

  async function showFigure(): Promise<void> {
    if (result) await figure.show(toyFigureSpec(result, { size: 200 })).catch((e: Error) => figure.message(e.message));
  }

  let debounce: ReturnType<typeof setTimeout> | undefined;
  const later = (): void => {
    clearTimeout(debounce);
    debounce = setTimeout(run, 120);
  };
  slider.addEventListener('input', () => ((angle.value = slider.value), later()));
  angle.addEventListener('input', () => ((slider.value = angle.value), later()));
  for (const input of [lr, iterations, start1, start2]) input.addEventListener('input', later);
  restart.addEventListener('click', run);
  details.addEventListener('toggle', () => void (details.open && page.dataset.state === 'done' && showFigure()));
  for (const k of TOY_FIELD_KINDS) {
    canvases[k].addEventListener('click', (e) => {
      const r = canvases[k].getBoundingClientRect();
      const [a, b] = fieldMap(PANEL, half).inverse(e.clientX - r.left, e.clientY - r.top);
      start1.value = String(Math.round(a * 100) / 100);
      start2.value = String(Math.round(b * 100) / 100);
      run();
    });
  }
  run();
  return {
    dispose: () => {
      cancelAnimationFrame(raf);
      clearTimeout(debounce);
      figure.dispose();
    },
  };
}
