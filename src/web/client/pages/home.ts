/** The start page: every sweep with its progress, then every run (search, filter, sort, compare); live. */
import { BUILTIN_PROBLEMS } from '../../../physics/index.js';
import type { SweepSummary } from '../../api-types.js';
import { api, poll } from '../api.js';
import { fill, h, progress, statusBadge, sweepHref, table } from '../dom.js';
import type { Page } from '../router.js';
import { RunList } from '../run-list.js';

// A problem from a user's module is shown by its name (its title is on the run's page).
const problemTitle = (name: string): string => BUILTIN_PROBLEMS.find((p) => p.name === name)?.title ?? name;

function countsCell(s: SweepSummary): HTMLElement {
  const parts = Object.entries(s.counts)
    .filter(([, n]) => n > 0)
    .map(([status, n]) => h('span', { class: 'count' }, statusBadge(status), ` ${n}`));
  return h('span', { class: 'counts' }, ...parts);
}

function sweepsTable(sweeps: readonly SweepSummary[]): HTMLElement {
  if (sweeps.length === 0) return h('p', { class: 'empty' }, 'No sweeps in this store yet. Start one with ', h('code', {}, 'sbptt sweep cartpole'), '; it appears here while it runs.');
  return table(
    ['sweep', 'problem', 'runs', 'status', 'epochs'],
    sweeps.map((s) => [
      h('a', { href: sweepHref(s.sweep), class: 'strong', 'data-sweep': s.sweep }, s.sweep),
      problemTitle(s.problem),
      s.runs,
      countsCell(s),
      progress(s.epochsDone, s.epochsTotal, `${s.epochsDone} / ${s.epochsTotal}`),
    ]),
  );
}

export function homePage(root: HTMLElement): Page {
  const sweeps = h('div', { class: 'card-body', id: 'sweeps' }, h('p', { class: 'muted' }, 'loading …'));
  const runs = new RunList();
  const totals = h('span', { class: 'muted' });
  fill(
    root,
    h('div', { class: 'page-head' }, h('h1', {}, 'Sweeps'), totals),
    h('section', { class: 'card' }, sweeps),
    h('section', { class: 'card' }, h('h2', {}, 'All runs'), runs.element),
  );
  const stop = poll(async () => {
    const [s, all] = await Promise.all([api.sweeps(), api.runs()]);
    const active = all.filter((r) => r.status === 'running' && !r.interrupted).length;
    totals.textContent = `${all.length} runs · ${active} running · ${s.length} sweeps`;
    fill(sweeps, sweepsTable(s));
    runs.update(all);
  });
  return { dispose: stop };
}
