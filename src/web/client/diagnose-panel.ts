/**
 * The run page's gradient-flow panel (docs/diagnostics.md): the diagnoses stored while the run
 * trained, over its epochs (drawn as soon as there are any), and a diagnosis of one stored epoch
 * computed by the server on request — per step ‖λ_n‖ and the step's share of the update, the
 * update over the horizon and per layer, for R, M, N and S.
 */
import { diagnosticRows, diagnosticsCsv, gradientFlowEpochsSpec, gradientFlowSpec } from '../../runs/figures/diagnose-spec.js';
import type { EpochFlow, RunDiagnostics, RunDetail } from '../api-types.js';
import { api } from './api.js';
import { Chart, downloadButtons } from './charts.js';
import { fill, h } from './dom.js';

export interface GradientFlowPanel {
  readonly element: HTMLElement;
  /** Called with every poll's run: fetches the stored diagnoses when the epochs changed. */
  update(run: RunDetail): Promise<void>;
  dispose(): void;
}

const WHAT = 'How the feedback of each mode travels back through the unroll on the run\u2019s first test states: the state adjoint \u2016\u03bb_n\u2016 per step n, ' +
  'step n\u2019s share of the update, the update\u2019s norm over the horizon and per layer (log scales). Train with --diagnose-every k to see them over the epochs.';

export function gradientFlowPanel(id: number): GradientFlowPanel {
  let info: RunDiagnostics | null = null;
  let computed: EpochFlow | null = null;
  let seenEpochs = -1;
  const select = h('select', { id: 'diagnose-epoch', 'aria-label': 'epoch to diagnose' });
  const button = h('button', { type: 'button', class: 'btn btn-small', id: 'diagnose-run' }, 'Diagnose');
  const status = h('span', { class: 'muted small', id: 'diagnose-status' });
  const box = h('div', { class: 'chart', id: 'diagnose-chart' }, h('p', { class: 'muted' }, 'Choose an epoch and press Diagnose (the server computes it).'));
  const chart = new Chart(box);
  const epochsBox = h('div', { class: 'chart', id: 'diagnose-epochs-chart' });
  const epochsChart = new Chart(epochsBox);
  const title = `run ${id}`;

  const element = h(
    'section',
    { class: 'card', id: 'gradient-flow' },
    h(
      'div',
      { class: 'card-head' },
      h('h2', {}, 'Gradient flow'),
      h('span', { class: 'head-links' }, h('label', { class: 'inline' }, 'epoch ', select), button, downloadButtons(chart, () => `run-${id}-diagnose`, () => diagnosticsCsv(diagnosticRows(computed ? [computed] : [])))),
    ),
    h('p', { class: 'muted small' }, WHAT),
    status,
    box,
    epochsBox,
  );

  async function diagnose(): Promise<void> {
    const epoch = Number(select.value);
    button.disabled = true;
    fill(status, `diagnosing epoch ${epoch} …`);
    const t0 = performance.now();
    try {
      computed = await api.diagnose(id, epoch);
      await chart.show(gradientFlowSpec([computed], { title: `${title}, epoch ${epoch}`, panelWidth: 200, panelHeight: 150 }));
      fill(status, `epoch ${epoch}: ${computed.flow.batch} test states × ${computed.flow.steps} steps, computed in ${((performance.now() - t0) / 1000).toFixed(1)} s`);
    } catch (e) {
      fill(status, '');
      chart.message(`cannot diagnose epoch ${epoch}: ${(e as Error).message}`);
    } finally {
      button.disabled = false;
    }
  }
  button.addEventListener('click', () => void diagnose());

  return {
    element,
    async update(run) {
      if (run.epochsDone === seenEpochs && info) return;
      seenEpochs = run.epochsDone;
      try {
        info = await api.diagnostics(id);
      } catch (e) {
        return epochsChart.message(`cannot load the stored diagnoses: ${(e as Error).message}`);
      }
      const chosen = select.value;
      fill(select, ...info.epochs.map((e) => h('option', { value: e.epoch }, `${e.epoch} (${e.source})`)));
      select.value = info.epochs.some((e) => String(e.epoch) === chosen) ? chosen : String(info.epochs.at(-1)!.epoch);
      if (info.training.length > 0) {
        const spec = gradientFlowEpochsSpec(info.training, { title: `${title}: diagnoses during training`, panelWidth: 180, panelHeight: 130 });
        await epochsChart.show(spec).catch((e: Error) => epochsChart.message(`cannot draw the stored diagnoses: ${e.message}`));
      } else {
        epochsChart.message('No diagnoses were stored while this run trained.');
      }
    },
    dispose() {
      chart.dispose();
      epochsChart.dispose();
    },
  };
}
