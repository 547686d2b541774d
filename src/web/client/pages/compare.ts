/**
 * Any runs overlaid on one chart (from any sweeps, or none): test loss, train loss, update
 * size, cosine similarity, one colour per run; the chart settings, tooltips, zoom and the
 * downloads as on every chart. Follows running runs live. The runs are in the address
 * (#/compare?runs=3,7,12), so a comparison can be bookmarked or shared.
 */
import type { EpochRecord, RunView } from '../../api-types.js';
import { api, ApiError, poll } from '../api.js';
import { chartSettings, chartToolbar, onChartSettings } from '../chart-settings.js';
import { Chart, downloadButtons } from '../charts.js';
import { compareChart, CSV_COLUMNS, runLabel } from '../compare.js';
import { rowsToCsv, RUN_PALETTE, type CurveRow } from '../curves.js';
import { compareHref, fill, h, link, runHref, sci, runStatus, statusBadge } from '../dom.js';
import type { Page } from '../router.js';

export function comparePage(root: HTMLElement, ids: number[]): Page {
  const entries = new Map<number, { run: RunView; records: EpochRecord[] }>();
  const missing: number[] = [];
  let rows: CurveRow[] = [];
  const toolbar = chartToolbar();
  const chartBox = h('div', { class: 'chart', id: 'compare-chart' }, h('p', { class: 'muted' }, 'loading …'));
  const chart = new Chart(chartBox);
  const list = h('div', { class: 'card-body', id: 'compare-runs' });
  const name = (): string => `runs-${ids.join('-')}`;
  document.title = `compare ${ids.length} runs · stable-bptt`;
  fill(
    root,
    h('div', { class: 'page-head' }, h('div', {}, h('div', { class: 'crumbs' }, h('a', { href: '#/' }, 'Sweeps & runs'), ' / compare'), h('h1', {}, `Compare ${ids.length} run${ids.length === 1 ? '' : 's'}`))),
    h(
      'section',
      { class: 'card' },
      h('div', { class: 'card-head' }, h('h2', {}, 'Curves, overlaid'), downloadButtons(chart, name, () => rowsToCsv(rows, CSV_COLUMNS))),
      toolbar.element,
      chartBox,
    ),
    h('section', { class: 'card' }, h('h2', {}, 'Runs'), list),
  );

  function draw(): void {
    const shown = ids.filter((id) => entries.has(id)).map((id) => entries.get(id)!);
    if (ids.length === 0) return chart.message('No runs chosen: tick runs in the run list on the start page, then "Compare".');
    if (!shown.some((e) => e.records.length > 0)) return chart.message('None of these runs has stored epochs yet.');
    const c = compareChart(shown, chartSettings(), chartBox.clientWidth || 1200);
    rows = c.rows;
    chartBox.dataset.series = shown.map((e) => runLabel(e.run)).join('|');
    chart.show(c.spec).catch((e: Error) => chart.message(`cannot draw the chart: ${e.message}`));
  }

  function renderList(): void {
    const remove = (id: number): HTMLElement => h('a', { href: compareHref(ids.filter((x) => x !== id)), class: 'small', title: 'remove from the comparison' }, 'remove');
    fill(
      list,
      h(
        'table',
        { class: 'data' },
        h('thead', {}, h('tr', {}, ...['', 'run', 'series', 'status', 'epochs', 'last test loss', ''].map((t) => h('th', {}, t)))),
        h(
          'tbody',
          {},
          ...ids.map((id, i) => {
            const e = entries.get(id);
            const color = h('span', { class: 'dot' });
            color.style.background = RUN_PALETTE[i % RUN_PALETTE.length]!;
            if (!e) return h('tr', {}, h('td', {}), h('td', {}, `#${id}`), h('td', { class: 'error' }, missing.includes(id) ? 'not in the store' : 'loading …'), h('td', {}), h('td', {}), h('td', {}), h('td', {}, remove(id)));
            return h('tr', { 'data-run': id }, h('td', {}, color), h('td', {}, link(runHref(id), `#${id}`)), h('td', {}, runLabel(e.run)), h('td', {}, statusBadge(runStatus(e.run))), h('td', {}, `${e.run.epochsDone}/${e.run.config.epochs}`), h('td', { class: 'num' }, sci(e.records.at(-1)?.testLoss)), h('td', {}, remove(id)));
          }),
        ),
      ),
    );
  }

  const unsubscribe = onChartSettings(draw);
  const stop = poll(async () => {
    let changed = false;
    for (const id of ids) {
      const old = entries.get(id);
      if (missing.includes(id) || (old && old.run.status !== 'queued' && old.run.status !== 'running')) continue;
      let run: RunView;
      try {
        run = await api.run(id);
      } catch (e) {
        if (e instanceof ApiError && e.status === 404) (missing.push(id), (changed = true));
        else throw e;
        continue;
      }
      if (old && old.run.epochsDone === run.epochsDone && old.run.status === run.status) continue;
      entries.set(id, { run, records: await api.records(id) });
      changed = true;
    }
    if (changed || chartBox.dataset.drawn === undefined) (renderList(), draw());
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
