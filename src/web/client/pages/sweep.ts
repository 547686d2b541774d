/**
 * A sweep: the paper-style comparison per complexity (sweepFigureSpec, the spec `sbptt plot`
 * draws) with the mode and clipping series toggleable, and its runs; both follow the sweep live.
 */
import { complexityLabel, complexityOf, complexityValues, type FigureProblem, CLIP_ORDER, finalLosses, labelsPresent, MODE_ORDER, modeLabel, type FigureRun } from '../../../runs/figures/data.js';
import { sweepFigureSpec, sweepPanels, type CurvePoint } from '../../../runs/figures/specs.js';
import { SEED_BANDS, SEED_CENTERS, seedGroups, type SeedStatsOptions } from '../../../runs/figures/seeds.js';
import { CLIP_DASH, EXTRA_COLORS, MODE_COLORS } from '../../../runs/figures/style.js';
import type { StoredRun, SweepCurves } from '../../api-types.js';
import { api, ApiError, poll } from '../api.js';
import { chartSettings, chartToolbar, onChartSettings } from '../chart-settings.js';
import { Chart, downloadButtons } from '../charts.js';
import { rowsToCsv } from '../curves.js';
import { compareHref, duration, fill, h, link, progress, runHref, sci, runStatus, statusBadge, table } from '../dom.js';
import { interactive } from '../interactive.js';
import { figureProblem } from '../problem.js';
import { notFoundPage, type Page } from '../router.js';

type SweepRun = StoredRun & { records: FigureRun['records'] };

function toFigureRuns(c: SweepCurves): SweepRun[] {
  return c.runs.map(({ curves, ...run }) => ({
    ...run,
    records: curves.epoch.map((epoch, i) => ({ epoch, testLoss: curves.testLoss[i]!, gradSize: curves.gradSize[i]!, time: curves.time[i]! })),
  }));
}

function swatch(color: string, dash: readonly number[] = [1, 0]): SVGSVGElement {
  const svg = document.createElementNS('http://www.w3.org/2000/svg', 'svg');
  svg.setAttribute('width', '22');
  svg.setAttribute('height', '10');
  svg.innerHTML = `<line x1="1" y1="5" x2="21" y2="5" stroke="${color}" stroke-width="2.5" stroke-dasharray="${dash.join(' ')}"/>`;
  return svg;
}

export function sweepPage(root: HTMLElement, name: string): Page {
  const hidden = { modes: new Set<string>(), clips: new Set<string>() };
  const seeds: Required<SeedStatsOptions> = { center: 'median', band: 'minmax' };
  let problem: FigureProblem | null = null;
  let runs: SweepRun[] = [];
  let shownKey = '';
  let curvesKey = '';
  let curvesAt = 0;

  const title = h('h1', {}, name);
  const subtitle = h('span', { class: 'muted' });
  const toggles = h('div', { class: 'toggles' });
  const chartBox = h('div', { class: 'chart', id: 'comparison' }, h('p', { class: 'muted' }, 'loading …'));
  const chart = new Chart(chartBox);
  const runsBox = h('div', { class: 'card-body', id: 'sweep-runs' });
  const toolbar = chartToolbar();
  const unsubscribe = onChartSettings(() => redraw());
  let csvRows: (CurvePoint & { panel: string })[] = [];
  const compareLink = h('a', { class: 'small', id: 'sweep-compare', href: '#/compare' }, 'overlay these runs on the compare page →');
  fill(
    root,
    h('div', { class: 'page-head' }, h('div', {}, h('div', { class: 'crumbs' }, h('a', { href: '#/' }, 'Sweeps'), ' / sweep'), title), subtitle),
    h(
      'section',
      { class: 'card' },
      h('div', { class: 'card-head' }, h('h2', {}, 'Test loss per complexity'), h('span', { class: 'head-links' }, compareLink, downloadButtons(chart, () => `sweep-${name}`, () => rowsToCsv(csvRows, ['panel', 'runs', 'seeds', 'mode', 'clip', 'epoch', 'time', 'value', 'lo', 'hi'])))),
      toolbar.element,
      toggles,
      chartBox,
    ),
    h('section', { class: 'card' }, h('h2', {}, 'Runs'), runsBox),
  );

  function checkbox(kind: 'mode' | 'clip', label: string, set: Set<string>, color: string, dash?: readonly number[]): HTMLElement {
    const input = h('input', { type: 'checkbox', [`data-${kind}`]: label, checked: !set.has(label) });
    input.addEventListener('change', () => {
      if (input.checked) set.delete(label);
      else set.add(label);
      redraw();
    });
    return h('label', { class: 'toggle' }, input, swatch(color, dash), ` ${label}`);
  }

  function select<K extends keyof typeof seeds>(key: K, options: readonly (typeof seeds)[K][], labels: readonly string[]): HTMLElement {
    const el = h('select', { id: `seeds-${key}` }, ...options.map((o, i) => h('option', { value: o, selected: seeds[key] === o }, labels[i]!)));
    el.addEventListener('change', () => {
      seeds[key] = (el as HTMLSelectElement).value as (typeof seeds)[K];
      redraw();
    });
    return el;
  }

  function renderToggles(): void {
    const modes = labelsPresent(runs, modeLabel, MODE_ORDER);
    const clips = labelsPresent(runs, (r) => r.config.clip, CLIP_ORDER);
    const repeated = problem !== null && seedGroups(problem, runs).some((g) => g.runs.length > 1);
    let extra = 0;
    fill(
      toggles,
      h('span', { class: 'toggle-group' }, h('span', { class: 'toggle-title' }, 'mode'), ...modes.map((m) => checkbox('mode', m, hidden.modes, MODE_COLORS[m] ?? EXTRA_COLORS[extra++ % EXTRA_COLORS.length]!))),
      h('span', { class: 'toggle-group' }, h('span', { class: 'toggle-title' }, 'clipping'), ...clips.map((c) => checkbox('clip', c, hidden.clips, '#444', CLIP_DASH[c]))),
      repeated
        ? h('span', { class: 'toggle-group' }, h('span', { class: 'toggle-title' }, 'seeds'), select('center', SEED_CENTERS, ['median', 'mean']), ' in a ', select('band', SEED_BANDS, ['min–max band', 'interquartile band']))
        : '',
    );
  }

  function redraw(): void {
    if (!problem) return;
    const shown = runs.filter((r) => !hidden.modes.has(modeLabel(r)) && !hidden.clips.has(r.config.clip));
    chartBox.dataset.series = [...new Set(shown.filter((r) => r.records.length > 0).map((r) => `${modeLabel(r)}/${r.config.clip}`))].sort().join(',');
    if (!shown.some((r) => r.records.length > 0)) {
      chart.message(runs.some((r) => r.records.length > 0) ? 'No series selected: tick a mode and a clipping mode.' : 'No epochs stored yet; the curves appear as the runs progress.');
    } else {
      // Panels share the card's width (one row of at most 4, plus the update-size panel where the problem has one).
      const panels = Math.min(4, complexityValues(problem, shown.filter((r) => r.records.length > 0)).length + (problem.updateSizePanel ? 1 : 0));
      const panelWidth = Math.max(200, Math.min(420, Math.floor(((chartBox.clientWidth || 1100) - 170) / panels) - 80));
      const { smooth, yScale, x } = chartSettings();
      const spec = sweepFigureSpec(problem, shown, { sweep: name, window: smooth, yScale, x, panelWidth, panelHeight: 240, seeds });
      csvRows = sweepPanels(problem, shown, smooth, yScale === 'log', seeds).flatMap((p) => p.points.map((q) => ({ panel: p.title, ...q })));
      const tooltip = [
        { field: 'runs', title: 'runs' },
        { field: 'seeds', title: 'seeds', type: 'quantitative' as const },
        { field: 'mode', title: 'mode' },
        { field: 'clip', title: 'clip' },
        { field: 'epoch', title: 'epoch', type: 'quantitative' as const },
        { field: 'time', title: 'training time (s)', type: 'quantitative' as const, format: '.3~f' },
        { field: 'value', title: 'value', type: 'quantitative' as const, format: '.4~g' },
      ];
      chart.show(interactive(spec, tooltip)).catch((e: Error) => chart.message(`cannot draw the figure: ${e.message}`));
    }
    compareLink.href = compareHref(shown.map((r) => r.id));
    renderRuns(runs);
  }

  function renderRuns(list: readonly StoredRun[]): void {
    if (!problem) return;
    const p = problem;
    const window = chartSettings().smooth;
    const finals = new Map(finalLosses(p, runs, window).map((e) => [e.runId, e]));
    const order = new Map([...finals.keys()].map((id, i) => [id, i]));
    const sorted = [...list].sort((a, b) => (order.get(a.id) ?? 1e9) - (order.get(b.id) ?? 1e9) || a.id - b.id);
    fill(
      runsBox,
      table(
        ['run', p.complexity?.key ?? 'complexity', 'mode', 'clip', 'seed', 'status', 'epochs', window > 1 ? `test loss (${window}-epoch avg.)` : 'test loss', 'train time', ''],
        sorted.map((r) => [
          link(runHref(r.id), `#${r.id}`),
          complexityLabel(p, complexityOf(p, { ...r, records: [] })),
          modeLabel({ ...r, records: [] }),
          r.config.clip,
          String(r.seed),
          statusBadge(runStatus(r)),
          progress(r.epochsDone, r.config.epochs),
          sci(finals.get(r.id)?.finalLoss ?? null),
          r.epochsDone > 0 ? duration(r.trainSeconds) : '—',
          r.reason ? h('span', { class: 'muted small', title: r.reason }, r.reason.split('\n')[0]!.slice(0, 60)) : '',
        ]),
      ),
    );
  }

  const stop = poll(async () => {
    let detail;
    try {
      detail = await api.sweep(name);
    } catch (e) {
      if (e instanceof ApiError && e.status === 404) {
        stop();
        notFoundPage(root, `Sweep "${name}" not found.`, 'The run store has no sweep of this name (see the list of sweeps).');
        return;
      }
      throw e;
    }
    if (!problem) {
      problem = figureProblem(detail.problemInfo);
      document.title = `${name} · stable-bptt`;
    }
    const done = detail.runs.filter((r) => r.status !== 'queued' && r.status !== 'running').length;
    const epochs = detail.runs.reduce((a, r) => a + r.epochsDone, 0);
    fill(subtitle, `${problem.title} · ${detail.runs.length} runs · ${done} finished · ${epochs} epochs stored`);
    const statusKey = detail.runs.map((r) => `${r.id}:${r.status}`).join();
    const key = `${statusKey}|${epochs}`;
    // Curves are refetched when the sweep changed: at once for a status change, else every 5 s.
    if (key !== shownKey && (statusKey !== curvesKey || Date.now() - curvesAt > 5000)) {
      runs = toFigureRuns(await api.curves(name));
      shownKey = key;
      curvesKey = statusKey;
      curvesAt = Date.now();
      renderToggles();
      redraw();
    } else renderRuns(detail.runs);
  });
  return {
    dispose: () => {
      stop();
      unsubscribe();
      toolbar.dispose();
      chart.dispose();
    },
  };
}
