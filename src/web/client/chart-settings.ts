/**
 * The view settings every chart of the dashboard shares, as TensorBoard's sidebar: y scale
 * (log or linear), smoothing (a moving average over n epochs, 1 = raw; the paper's figures use
 * 30) and the x axis (epoch or training time). One toolbar per page changes them; they persist
 * in localStorage so a page opened next shows the same view.
 */
import { SMOOTH_WINDOW } from '../../runs/figures/smooth.js';
import { h } from './dom.js';

export type YScale = 'log' | 'linear';
export type XAxis = 'epoch' | 'time';

export interface ChartSettings {
  yScale: YScale;
  /** Moving-average window in epochs, 1 … MAX_SMOOTH (1: the raw values). */
  smooth: number;
  x: XAxis;
}

export const MAX_SMOOTH = 100;
const KEY = 'sbptt.chart-settings';
const DEFAULTS: ChartSettings = { yScale: 'log', smooth: SMOOTH_WINDOW, x: 'epoch' };

function load(): ChartSettings {
  try {
    const s = JSON.parse(localStorage.getItem(KEY) ?? '{}') as Partial<ChartSettings>;
    return {
      yScale: s.yScale === 'linear' ? 'linear' : 'log',
      smooth: Number.isInteger(s.smooth) && s.smooth! >= 1 && s.smooth! <= MAX_SMOOTH ? s.smooth! : DEFAULTS.smooth,
      x: s.x === 'time' ? 'time' : 'epoch',
    };
  } catch {
    return { ...DEFAULTS };
  }
}

let current = load();
const listeners = new Set<(s: ChartSettings) => void>();

export function chartSettings(): ChartSettings {
  return current;
}

export function setChartSettings(change: Partial<ChartSettings>): void {
  current = { ...current, ...change };
  try {
    localStorage.setItem(KEY, JSON.stringify(current));
  } catch {
    // Private mode: the settings last for this page only.
  }
  for (const f of listeners) f(current);
}

/** Calls `f` on every change until the returned function is called. */
export function onChartSettings(f: (s: ChartSettings) => void): () => void {
  listeners.add(f);
  return () => listeners.delete(f);
}

function segmented<T extends string>(name: string, label: string, choices: readonly [T, string][], get: () => T, set: (v: T) => void): HTMLElement {
  const buttons = choices.map(([value, text]) => {
    const b = h('button', { type: 'button', class: 'seg', 'data-setting': name, 'data-value': value }, text);
    b.addEventListener('click', () => set(value));
    return b;
  });
  const sync = (): void => buttons.forEach((b) => b.setAttribute('aria-pressed', String(b.dataset.value === get())));
  sync();
  listeners.add(sync);
  return h('span', { class: 'setting', role: 'group', 'aria-label': label }, h('span', { class: 'setting-title' }, label), h('span', { class: 'segs' }, ...buttons));
}

/** The toolbar: y scale, smoothing slider, x axis. Its listeners live as long as the page (`dispose`). */
export function chartToolbar(): { element: HTMLElement; dispose: () => void } {
  const before = new Set(listeners);
  const slider = h('input', { type: 'range', min: 1, max: MAX_SMOOTH, step: 1, value: current.smooth, id: 'smoothing', 'aria-label': 'smoothing window in epochs' });
  const value = h('output', { class: 'setting-value', for: 'smoothing' });
  const showValue = (): void => void (value.textContent = current.smooth === 1 ? 'raw' : `${current.smooth} epochs`);
  showValue();
  slider.addEventListener('input', () => setChartSettings({ smooth: Number(slider.value) }));
  const syncSlider = (): void => {
    if (slider.value !== String(current.smooth)) slider.value = String(current.smooth);
    showValue();
  };
  listeners.add(syncSlider);
  const element = h(
    'div',
    { class: 'chart-toolbar', id: 'chart-toolbar' },
    segmented('yScale', 'y axis', [['log', 'log'], ['linear', 'linear']], () => current.yScale, (yScale) => setChartSettings({ yScale })),
    h('label', { class: 'setting' }, h('span', { class: 'setting-title' }, 'smoothing'), slider, value),
    segmented('x', 'x axis', [['epoch', 'epoch'], ['time', 'training time']], () => current.x, (x) => setChartSettings({ x })),
    h('span', { class: 'muted small hint' }, 'wheel: zoom · drag: pan · double-click: reset · click a legend entry to highlight it'),
  );
  const mine = [...listeners].filter((f) => !before.has(f));
  return { element, dispose: () => mine.forEach((f) => listeners.delete(f)) };
}
