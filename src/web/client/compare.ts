/** The charts of one run (its page) and of several runs overlaid (the compare page). */
import { MODE_COLORS } from '../../runs/figures/style.js';
import type { EpochRecord, RunView } from '../api-types.js';
import type { ChartSettings } from './chart-settings.js';
import { curvesChart, RUN_PALETTE, seriesRows, type CurveColumn, type CurvesChart, type PanelInput } from './curves.js';
import { modeLetter } from './dom.js';

export const CSV_COLUMNS = ['panel', 'series', 'run', 'epoch', 'time', 'value', 'raw'] as const;

/** "#12 C NORM poles 2": what tells runs apart in a legend. */
export function runLabel(run: RunView): string {
  return `#${run.id} ${modeLetter(run)} ${run.config.clip}${run.complexity === '—' ? '' : ` ${run.complexity}`}`;
}

/** Only mode C computes both fields whose cosine is recorded; other modes record 0. */
function cosineComputed(records: readonly EpochRecord[]): boolean {
  return records.some((r) => r.cosSim !== 0);
}

/** A run's page: test and train loss in one panel, update size, cosine similarity (mode C). */
export function runCurvesChart(id: number, records: readonly EpochRecord[], settings: ChartSettings): CurvesChart {
  const w = settings.smooth;
  const s = { series: '', run: id, records };
  const panels: PanelInput[] = [
    { title: 'loss', yTitle: 'loss', rows: [...seriesRows('loss', { ...s, series: 'test loss' }, 'testLoss', w), ...seriesRows('loss', { ...s, series: 'train loss' }, 'trainLoss', w)] },
    { title: 'update size', yTitle: 'mean squared L2 norm', rows: seriesRows('update size', { ...s, series: 'grad size' }, 'gradSize', w) },
  ];
  const colors: Record<string, string>[] = [{ 'test loss': MODE_COLORS.R!, 'train loss': MODE_COLORS.M! }, { 'grad size': MODE_COLORS.C! }];
  if (cosineComputed(records)) {
    panels.push({ title: 'cosine similarity of g_M and g_R', yTitle: 'cos(g_M, g_R)', cosine: true, rows: seriesRows('cos', { ...s, series: 'cos sim' }, 'cosSim', w) });
    colors.push({ 'cos sim': MODE_COLORS.N! });
  }
  return curvesChart(panels, settings, { colors, sharedColors: false, width: 300, height: 190, columns: 3 });
}

export const COMPARE_COLUMNS: { column: CurveColumn; title: string; yTitle: string; cosine?: boolean }[] = [
  { column: 'testLoss', title: 'test loss', yTitle: 'test loss' },
  { column: 'trainLoss', title: 'train loss', yTitle: 'train loss' },
  { column: 'gradSize', title: 'update size', yTitle: 'mean squared L2 norm' },
  { column: 'cosSim', title: 'cos(g_M, g_R) (mode C only)', yTitle: 'cos(g_M, g_R)', cosine: true },
];

/** Runs overlaid: one panel per column, one colour per run (a run keeps its colour in every panel). */
export function compareChart(runs: readonly { run: RunView; records: readonly EpochRecord[] }[], settings: ChartSettings, width: number): CurvesChart {
  const colors: Record<string, string> = {};
  runs.forEach(({ run }, i) => (colors[runLabel(run)] = RUN_PALETTE[i % RUN_PALETTE.length]!));
  const panels = COMPARE_COLUMNS.filter((c) => c.column !== 'cosSim' || runs.some((r) => cosineComputed(r.records))).map(
    (c): PanelInput => ({
      title: c.title,
      yTitle: c.yTitle,
      ...(c.cosine && { cosine: true }),
      rows: runs
        .filter((r) => c.column !== 'cosSim' || cosineComputed(r.records))
        .flatMap(({ run, records }) => seriesRows(c.title, { series: runLabel(run), run: run.id, records }, c.column, settings.smooth)),
    }),
  );
  const panelWidth = Math.max(260, Math.min(520, Math.floor((width - 40) / 2) - 90));
  return curvesChart(panels, settings, { colors: [colors], sharedColors: true, width: panelWidth, height: 230, columns: 2 });
}
