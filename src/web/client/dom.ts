/** Small DOM helpers and the number formats of the page. */
import { fieldLabel } from '../../bptt/modes.js';
import { duration as formatDuration } from '../../runs/format.js';
import type { StoredRun } from '../api-types.js';

type Child = Node | string | number | null | undefined | false;
type Attrs = Record<string, string | number | boolean | undefined | ((e: Event) => void)>;

/** An element with attributes ("onclick": a listener; false/undefined: left out) and children. */
export function h<K extends keyof HTMLElementTagNameMap>(tag: K, attrs: Attrs = {}, ...children: Child[]): HTMLElementTagNameMap[K] {
  const el = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (v === undefined || v === false) continue;
    if (typeof v === 'function') el.addEventListener(k.replace(/^on/, ''), v);
    else el.setAttribute(k, v === true ? '' : String(v));
  }
  append(el, ...children);
  return el;
}

export function append(el: Element, ...children: Child[]): void {
  for (const c of children) if (c !== null && c !== undefined && c !== false) el.append(typeof c === 'number' ? String(c) : c);
}

/** Replaces the children of `el`. */
export function fill(el: Element, ...children: Child[]): void {
  el.replaceChildren();
  append(el, ...children);
}

/**
 * Losses and update sizes: always the exponent form with `digits` significant digits (1.23e-2),
 * so a column has one format; '—' for a value that is missing or not computed.
 */
export function sci(v: number | null | undefined, digits = 3): string {
  if (v === null || v === undefined) return '—';
  return Number.isFinite(v) ? v.toExponential(digits - 1) : String(v);
}

export function duration(seconds: number): string {
  return formatDuration(seconds, '—');
}

/** "2025-03-01 14:02" in local time. */
export function when(iso: string | null): string {
  if (!iso) return '—';
  const d = new Date(iso);
  const p = (n: number): string => String(n).padStart(2, '0');
  return `${d.getFullYear()}-${p(d.getMonth() + 1)}-${p(d.getDate())} ${p(d.getHours())}:${p(d.getMinutes())}`;
}

/** The paper's letter of a run's mode (or its schedule). */
export function modeLetter(run: StoredRun): string {
  return fieldLabel(run.config);
}

/** What a run's status shows: `interrupted` for a running run whose process is gone (`sbptt resume` continues it). */
export function runStatus(run: { status: string; interrupted?: boolean }): string {
  return run.interrupted ? 'interrupted' : run.status;
}

export function statusBadge(status: string): HTMLElement {
  return h('span', { class: `badge badge-${status}`, 'data-status': status }, status);
}

/** A thin bar: done of total, with the text next to it. */
export function progress(done: number, total: number, label = `${done}/${total}`): HTMLElement {
  const pct = total > 0 ? Math.min(100, (100 * done) / total) : 0;
  const bar = h('span', { class: 'bar' }, h('span', { class: 'bar-fill' }));
  (bar.firstChild as HTMLElement).style.width = `${pct.toFixed(1)}%`;
  return h('span', { class: 'progress' }, bar, h('span', { class: 'progress-label' }, label));
}

/** A table with a header row; `cells` may hold nodes. */
export function table(header: readonly string[], rows: readonly Child[][], cls = 'data'): HTMLTableElement {
  return h(
    'table',
    { class: cls },
    h('thead', {}, h('tr', {}, ...header.map((t) => h('th', {}, t)))),
    h('tbody', {}, ...rows.map((r) => h('tr', {}, ...r.map((c) => h('td', {}, c))))),
  );
}

export function link(href: string, text: string): HTMLAnchorElement {
  return h('a', { href }, text);
}

export const runHref = (id: number): string => `#/runs/${id}`;
/** The overlay of runs (pages/compare.ts). */
export const compareHref = (ids: readonly number[]): string => `#/compare?runs=${ids.join(',')}`;
export const sweepHref = (name: string): string => `#/sweeps/${encodeURIComponent(name)}`;
