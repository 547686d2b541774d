/**
 * Vega-Lite specs drawn with vega (SVG) into the page, with vega-tooltip's tooltips, and the
 * downloads of a chart: PNG and SVG from vega's own export (View.toImageURL / toSVG), CSV from
 * the numbers the page plotted.
 */
import * as vega from 'vega';
import { compile, type TopLevelSpec } from 'vega-lite';
import { Handler } from 'vega-tooltip';
import { h } from './dom.js';

/**
 * A chart in a container: each `show` draws the new spec off-screen and then swaps it in, so
 * live updates do not flicker; `dispose` releases the vega view.
 */
export class Chart {
  private view: vega.View | null = null;
  private seq = 0;
  private static tooltip: Handler | null = null;

  constructor(readonly container: HTMLElement) {}

  get current(): vega.View | null {
    return this.view;
  }

  async show(spec: TopLevelSpec): Promise<void> {
    const seq = ++this.seq;
    const target = document.createElement('div');
    target.className = 'chart-canvas';
    const view = new vega.View(vega.parse(compile(spec).spec), { renderer: 'svg', container: target, hover: true });
    Chart.tooltip ??= new Handler({ theme: 'light', offsetX: 12, offsetY: 12 });
    view.tooltip(Chart.tooltip.call);
    await view.runAsync();
    if (seq !== this.seq) {
      view.finalize(); // a newer spec won the race
      return;
    }
    this.view?.finalize();
    this.view = view;
    this.container.replaceChildren(target);
    this.container.dataset.drawn = String(seq);
  }

  message(text: string): void {
    this.seq++;
    this.view?.finalize();
    this.view = null;
    const p = document.createElement('p');
    p.className = 'muted chart-message';
    p.textContent = text;
    this.container.replaceChildren(p);
  }

  dispose(): void {
    this.seq++;
    this.view?.finalize();
    this.view = null;
  }
}

function save(href: string, filename: string): void {
  const a = h('a', { href, download: filename });
  document.body.append(a);
  a.click();
  a.remove();
}

function saveText(text: string, type: string, filename: string): void {
  const url = URL.createObjectURL(new Blob([text], { type }));
  save(url, filename);
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
}

/**
 * The PNG / SVG / CSV buttons of a chart. `name` is the file name without extension; `csv`
 * gives the plotted numbers at the time of the click.
 */
export function downloadButtons(chart: Chart, name: () => string, csv: () => string): HTMLElement {
  const button = (kind: string, title: string, go: (view: vega.View | null) => Promise<void> | void): HTMLButtonElement => {
    const b = h('button', { type: 'button', class: 'btn btn-small', 'data-download': kind, title }, kind.toUpperCase());
    b.addEventListener('click', () => void go(chart.current));
    return b;
  };
  return h(
    'span',
    { class: 'downloads' },
    h('span', { class: 'setting-title' }, 'download'),
    button('png', 'the chart as a PNG image (2× resolution)', async (v) => void (v && save(await v.toImageURL('png', 2), `${name()}.png`))),
    button('svg', 'the chart as an SVG vector image', async (v) => void (v && saveText(await v.toSVG(), 'image/svg+xml', `${name()}.svg`))),
    button('csv', 'the plotted numbers (smoothed and raw) as CSV', () => saveText(csv(), 'text/csv', `${name()}.csv`)),
  );
}
