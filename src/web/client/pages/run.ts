/**
 * A run: its configuration and status, its curves (test and train loss, update size, cosine
 * similarity) following it live while it trains, and its trained controller rolled out in the
 * browser on the run's first test initial states, animated on a canvas.
 */
import type { EpochRecord, ProblemInfo, RunDetail } from '../../api-types.js';
import { api, ApiError, poll } from '../api.js';
import { chartSettings, chartToolbar, onChartSettings } from '../chart-settings.js';
import { Chart, downloadButtons } from '../charts.js';
import { runCurvesChart, CSV_COLUMNS } from '../compare.js';
import { rowsToCsv, type CurveRow } from '../curves.js';
import { compareHref, duration, fill, h, modeLetter, sci, runStatus, statusBadge, sweepHref, when } from '../dom.js';
import { gradientFlowPanel } from '../diagnose-panel.js';
import { bundledProblem } from '../problem.js';
import { computeRollout, kernelsInUse, RolloutPlayer, sceneOf, serverScene } from '../rollout.js';
import { notFoundPage, type Page } from '../router.js';

const SAMPLE_CHOICES = [1, 2, 4, 6, 8];

function facts(run: RunDetail, info: ProblemInfo | null, records: readonly EpochRecord[]): HTMLElement {
  const c = run.config;
  const last = records.at(-1);
  const settings = Object.entries(c.settings).map(([k, v]) => `${k} ${String(v)}`).join(', ');
  const rows: [string, Node | string][] = [
    ['problem', info ? `${info.title}${info.builtin ? '' : ' (from a problem module)'}` : run.problem],
    ['mode', `${modeLetter(run)} (${c.schedule ?? c.mode}${c.truncate ? `, truncated to ${c.truncate} steps` : ''})`],
    ['optimizer', `${c.optimizer}, lr ${c.lr}${Object.entries(c.optimizerParams ?? {}).map(([k, v]) => `, ${k} ${String(v)}`).join('')}`],
    ...(c.init ? [['initial weights', c.init.from] as [string, string]] : []),
    ['clipping', c.clip === 'NONE' ? 'none' : `${c.clip} ${c.clipValue}`],
    ['data', `${c.trainSize} train / ${c.testSize} test states (${c.dataset}), batch ${c.batch}, seed ${c.seed}`],
    ['settings', settings],
    ['epochs', `${run.epochsDone} of ${c.epochs}`],
    ['test loss', last ? sci(last.testLoss) : '—'],
    ['train time', duration(run.trainSeconds)],
    ['code', run.codeVersion],
    ['created', `${when(run.createdAt)}${run.finishedAt ? ` · finished ${when(run.finishedAt)}` : ''}`],
    ['sweep', run.sweep === null ? '—' : h('a', { href: sweepHref(run.sweep) }, run.sweep)],
  ];
  if (run.reason) rows.push(['reason', run.reason]);
  return h('dl', { class: 'facts' }, ...rows.flatMap(([k, v]) => [h('dt', {}, k), h('dd', {}, v)]));
}

export function runPage(root: HTMLElement, id: number): Page {
  let run: RunDetail | null = null;
  let records: EpochRecord[] = [];
  let player: RolloutPlayer | null = null;
  let info: ProblemInfo | null = null;
  let samples = 4;
  let rows: CurveRow[] = [];
  let rolloutShown = false;
  const toolbar = chartToolbar();
  const flowPanel = gradientFlowPanel(id);
  const unsubscribe = onChartSettings(() => drawCurves());

  const status = h('span', {});
  const factsBox = h('div', { class: 'card-body' });
  const chartBox = h('div', { class: 'chart', id: 'run-curves' }, h('p', { class: 'muted' }, 'loading …'));
  const chart = new Chart(chartBox);
  const rolloutBox = h('div', { class: 'rollout', id: 'rollout' });
  const rolloutInfo = h('span', { class: 'muted small' });
  const sampleSelect = h('select', { 'aria-label': 'test states' }, ...SAMPLE_CHOICES.map((n) => h('option', { value: n, selected: n === samples }, `${n} test state${n > 1 ? 's' : ''}`)));
  sampleSelect.addEventListener('change', () => ((samples = Number(sampleSelect.value)), void showRollout()));

  fill(
    root,
    h('div', { class: 'page-head' }, h('div', {}, h('div', { class: 'crumbs' }, h('a', { href: '#/' }, 'Sweeps'), ' / run'), h('h1', {}, `Run ${id} `, status))),
    h('section', { class: 'card' }, h('h2', {}, 'Configuration'), factsBox),
    h(
      'section',
      { class: 'card' },
      h('div', { class: 'card-head' }, h('h2', {}, 'Curves'), h('span', { class: 'head-links' }, h('a', { href: compareHref([id]), class: 'small' }, 'overlay with other runs →'), downloadButtons(chart, () => `run-${id}-curves`, () => rowsToCsv(rows, CSV_COLUMNS)))),
      toolbar.element,
      chartBox,
    ),
    h(
      'section',
      { class: 'card' },
      h('div', { class: 'card-head' }, h('h2', {}, 'Rollout of the trained controller'), h('label', { class: 'inline' }, sampleSelect)),
      h('p', { class: 'muted small' }, 'The stored weights on the run\u2019s first test initial states: built-in problems are simulated here in the browser, problems from modules by the server.'),
      rolloutBox,
      rolloutInfo,
    ),
    flowPanel.element,
  );

  function drawCurves(): void {
    if (records.length === 0) return chart.message(run?.status === 'queued' ? 'Queued: no epochs yet.' : 'No epochs stored yet.');
    const c = runCurvesChart(id, records, chartSettings());
    rows = c.rows;
    chart.show(c.spec).catch((e: Error) => chart.message(`cannot draw the curves: ${e.message}`));
  }

  async function showRollout(): Promise<void> {
    if (!run) return;
    player?.dispose();
    player = null;
    if (!run.hasController) {
      const why = run.status === 'failed' ? 'The run failed before storing a trained controller.' : `No trained controller yet (status ${run.status}); it appears when the run finishes.`;
      return fill(rolloutBox, h('p', { class: 'muted' }, why));
    }
    fill(rolloutBox, h('p', { class: 'muted' }, 'simulating …'));
    try {
      info ??= await api.problem(id);
      const n = Math.min(samples, run.config.testSize);
      const width = Math.min(760, rolloutBox.clientWidth || 720);
      const title = `run ${id} · ${run.problem} · ${modeLetter(run)}`;
      const bundled = bundledProblem(info);
      let scene, loss, what;
      if (bundled) {
        const [json, x0] = await Promise.all([api.controller(id), api.initialStates(id, n)]);
        const r = computeRollout(bundled, json, x0);
        (scene = sceneOf(bundled, r.rollout, title, width)), (loss = r.loss);
        what = `${n} samples × ${r.rollout.steps} steps simulated in ${r.ms.toFixed(0)} ms (${kernelsInUse()})`;
      } else {
        const f = await api.frames(id, n, width);
        (scene = serverScene(f)), (loss = f.loss);
        what = `${n} samples × ${f.totalSteps} steps simulated by the server (the problem comes from a module)`;
      }
      const canvas = h('canvas', { id: 'rollout-canvas', class: 'rollout-canvas' });
      const button = h('button', { type: 'button', class: 'btn' }, 'Pause');
      const slider = h('input', { type: 'range', min: 0, value: 0, class: 'scrub', 'aria-label': 'frame' });
      const p = new RolloutPlayer(canvas, scene, (i) => {
        slider.value = String(i);
      });
      slider.max = String(p.steps.length - 1);
      slider.addEventListener('input', () => (p.pause(), (button.textContent = 'Play'), p.seek(Number(slider.value))));
      button.addEventListener('click', () => {
        if (p.isPlaying) p.pause();
        else p.play();
        button.textContent = p.isPlaying ? 'Pause' : 'Play';
      });
      player = p;
      fill(rolloutBox, canvas, h('div', { class: 'player' }, button, slider));
      rolloutInfo.dataset.loss = String(loss);
      fill(rolloutInfo, `${what} · rollout loss ${sci(loss)}`);
      p.play();
    } catch (e) {
      fill(rolloutBox, h('p', { class: 'error' }, `cannot roll out the controller: ${(e as Error).message}`));
    }
  }

  const stop = poll(async () => {
    let next: RunDetail;
    try {
      next = await api.run(id);
    } catch (e) {
      if (e instanceof ApiError && (e.status === 404 || e.status === 400)) {
        stop();
        notFoundPage(root, `Run ${id} not found.`, 'The run store has no run with this id.');
        return;
      }
      throw e;
    }
    const first = run === null;
    const changed = first || next.epochsDone !== run!.epochsDone || next.status !== run!.status;
    run = next;
    if (first) document.title = `run ${id} · stable-bptt`;
    if (changed) {
      fill(status, statusBadge(runStatus(run)));
      records = await api.records(id);
      info ??= await api.problem(id).catch(() => null);
      fill(factsBox, facts(run, info, records));
      drawCurves();
      await flowPanel.update(run);
    }
    if (!rolloutShown) {
      // With a controller once; without one, the message saying why (until one arrives).
      rolloutShown = run.hasController;
      await showRollout();
    }
    // A finished run changes no more.
    if (run.status !== 'queued' && run.status !== 'running') stop();
  });
  return {
    dispose: () => {
      stop();
      unsubscribe();
      toolbar.dispose();
      chart.dispose();
      player?.dispose();
      flowPanel.dispose();
    },
  };
}
