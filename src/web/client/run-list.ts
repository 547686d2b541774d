/**
 * The list of every run in the store: search, filters (problem, mode, clipping, complexity,
 * status), sorting by any column (click its header; again to reverse) and a selection of runs to
 * overlay on the compare page. Filters, sort and selection survive the live refreshes.
 */
import { BUILTIN_PROBLEMS } from '../../physics/index.js';
import type { RunListEntry } from '../api-types.js';
import { compareHref, duration, fill, h, modeLetter, progress, runHref, runStatus, sci, statusBadge, sweepHref, when } from './dom.js';

type Key = 'id' | 'problem' | 'complexity' | 'mode' | 'clip' | 'status' | 'epochs' | 'testLoss' | 'time' | 'sweep' | 'created';

interface Row {
  run: RunListEntry;
  problem: string;
  complexity: string;
  mode: string;
  values: Record<Key, string | number | null>;
}

const COLUMNS: [Key, string][] = [
  ['id', 'run'],
  ['problem', 'problem'],
  ['complexity', 'complexity'],
  ['mode', 'mode'],
  ['clip', 'clip'],
  ['status', 'status'],
  ['epochs', 'epochs'],
  ['testLoss', 'last test loss'],
  ['time', 'train time'],
  ['sweep', 'sweep'],
  ['created', 'created'],
];
const FILTERS = ['problem', 'complexity', 'mode', 'clip', 'status'] as const;

function toRow(run: RunListEntry): Row {
  // Built-in problems by their title; problems from modules by their name (their title is on the run's page).
  const def = BUILTIN_PROBLEMS.find((p) => p.name === run.problem) ?? null;
  const complexity = run.complexity;
  const mode = modeLetter(run);
  return {
    run,
    problem: def?.title ?? run.problem,
    complexity,
    mode,
    values: {
      id: run.id,
      problem: run.problem,
      complexity,
      mode,
      clip: run.config.clip,
      status: runStatus(run),
      epochs: run.epochsDone,
      testLoss: run.lastTestLoss,
      time: run.trainSeconds,
      sweep: run.sweep ?? '',
      created: run.createdAt,
    },
  };
}

function compare(a: string | number | null, b: string | number | null): number {
  if (a === null || b === null) return a === b ? 0 : a === null ? 1 : -1; // missing values last
  return typeof a === 'number' && typeof b === 'number' ? a - b : String(a).localeCompare(String(b), undefined, { numeric: true });
}

export class RunList {
  readonly element: HTMLElement;
  private rows: Row[] = [];
  private sort: { key: Key; desc: boolean } = { key: 'id', desc: true };
  private readonly selected = new Set<number>();
  private readonly search = h('input', { type: 'search', id: 'run-search', placeholder: 'search runs (id, mode, sweep …)', 'aria-label': 'search runs' });
  private readonly selects = Object.fromEntries(FILTERS.map((f) => [f, h('select', { 'data-filter': f, 'aria-label': `filter by ${f}` })])) as Record<(typeof FILTERS)[number], HTMLSelectElement>;
  private readonly body = h('div', { id: 'runs' });
  private readonly count = h('span', { class: 'muted small', id: 'runs-count' });
  private readonly compareLink = h('a', { class: 'btn btn-primary', id: 'compare-selected', href: '#/compare' }, 'Compare');

  constructor() {
    this.search.addEventListener('input', () => this.render());
    for (const s of Object.values(this.selects)) s.addEventListener('change', () => this.render());
    const clear = h('button', { type: 'button', class: 'btn btn-small', id: 'clear-selection' }, 'clear');
    clear.addEventListener('click', () => (this.selected.clear(), this.render()));
    this.element = h(
      'div',
      {},
      h('div', { class: 'filters' }, this.search, ...FILTERS.map((f) => h('label', { class: 'inline' }, `${f} `, this.selects[f])), this.count),
      h('div', { class: 'selection' }, this.compareLink, clear, h('span', { class: 'muted small' }, 'tick runs (from any sweeps) to overlay their curves')),
      this.body,
    );
  }

  update(runs: readonly RunListEntry[]): void {
    this.rows = runs.map(toRow);
    for (const f of FILTERS) {
      const s = this.selects[f];
      const values = [...new Set(this.rows.map((r) => String(r.values[f])))].sort((a, b) => compare(a, b));
      const keep = s.value;
      fill(s, h('option', { value: '' }, 'all'), ...values.map((v) => h('option', { value: v, selected: v === keep }, f === 'problem' ? (BUILTIN_PROBLEMS.find((p) => p.name === v)?.title ?? v) : v)));
    }
    this.render();
  }

  private visible(): Row[] {
    const words = this.search.value.toLowerCase().split(/\s+/).filter(Boolean);
    const out = this.rows.filter((r) => {
      for (const f of FILTERS) if (this.selects[f].value && String(r.values[f]) !== this.selects[f].value) return false;
      const text = `#${r.run.id} ${r.problem} ${r.run.problem} ${r.complexity} ${r.mode} ${r.run.config.mode} ${r.run.config.clip} ${runStatus(r.run)} ${r.run.sweep ?? ''}`.toLowerCase();
      return words.every((w) => text.includes(w));
    });
    const { key, desc } = this.sort;
    return out.sort((a, b) => (desc ? -1 : 1) * compare(a.values[key], b.values[key]) || b.run.id - a.run.id);
  }

  private header(): HTMLElement {
    const ths = COLUMNS.map(([key, title]) => {
      const active = this.sort.key === key;
      const th = h('th', { class: 'sortable', 'data-sort': key, 'aria-sort': active ? (this.sort.desc ? 'descending' : 'ascending') : 'none', title: 'sort' }, title, active ? (this.sort.desc ? ' ▾' : ' ▴') : '');
      th.addEventListener('click', () => {
        this.sort = { key, desc: active ? !this.sort.desc : key === 'testLoss' ? false : true };
        this.render();
      });
      return th;
    });
    return h('thead', {}, h('tr', {}, h('th', {}), ...ths));
  }

  private render(): void {
    const rows = this.visible();
    this.count.textContent = `${rows.length} of ${this.rows.length} runs`;
    const ids = [...this.selected];
    this.compareLink.textContent = `Compare ${ids.length} selected`;
    this.compareLink.href = compareHref(ids);
    this.compareLink.classList.toggle('disabled', ids.length === 0);
    if (this.rows.length === 0) return fill(this.body, h('p', { class: 'empty' }, 'No runs in this store yet. ', h('code', {}, 'sbptt train cartpole'), ' records one.'));
    const tr = (r: Row): HTMLElement => {
      const box = h('input', { type: 'checkbox', 'data-select': r.run.id, checked: this.selected.has(r.run.id), 'aria-label': `select run ${r.run.id}` });
      box.addEventListener('change', () => (box.checked ? this.selected.add(r.run.id) : this.selected.delete(r.run.id), this.render()));
      const cells = [
        h('a', { href: runHref(r.run.id) }, `#${r.run.id}`),
        h('span', { title: r.problem }, r.run.problem),
        r.complexity,
        r.mode,
        r.run.config.clip,
        statusBadge(runStatus(r.run)),
        progress(r.run.epochsDone, r.run.config.epochs),
        h('span', { class: 'num', 'data-value': r.run.lastTestLoss ?? '' }, sci(r.run.lastTestLoss)),
        r.run.epochsDone > 0 ? duration(r.run.trainSeconds) : '—',
        r.run.sweep === null ? '—' : h('a', { href: sweepHref(r.run.sweep) }, r.run.sweep),
        when(r.run.createdAt),
      ];
      return h('tr', { 'data-run': r.run.id }, h('td', {}, box), ...cells.map((c) => h('td', {}, c)));
    };
    fill(
      this.body,
      rows.length === 0
        ? h('p', { class: 'empty' }, 'No run matches the search and filters.')
        : h('table', { class: 'data' }, this.header(), h('tbody', {}, ...rows.map(tr))),
    );
  }
}
