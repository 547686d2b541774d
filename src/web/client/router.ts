/** Hash routing: "#/", "#/sweeps/<name>", "#/runs/<id>", "#/toy"; anything else is the 404 page. */
import { h, fill } from './dom.js';

/** A mounted page; `dispose` stops its polling and animations. */
export interface Page {
  dispose(): void;
}

export type Route = [pattern: RegExp, mount: (root: HTMLElement, groups: string[]) => Page];

/** The 404 page (the same markup as the server's 404 page). */
export function notFoundPage(root: HTMLElement, what: string, detail = 'It may have been removed, or the address is mistyped.'): Page {
  document.title = '404 not found · stable-bptt';
  fill(
    root,
    h(
      'section',
      { class: 'not-found', 'data-status': '404' },
      h('h1', {}, '404'),
      h('p', { class: 'lead' }, what),
      h('p', { class: 'muted' }, detail),
      h('p', {}, h('a', { href: '#/' }, 'Back to the sweeps')),
    ),
  );
  return { dispose: () => {} };
}

export function startRouter(root: HTMLElement, routes: readonly Route[]): void {
  let current: Page | null = null;
  const show = (): void => {
    current?.dispose();
    const path = location.hash.replace(/^#/, '') || '/';
    document.querySelectorAll<HTMLAnchorElement>('[data-nav]').forEach((a) => a.classList.toggle('active', new RegExp(a.dataset.nav!).test(path)));
    document.title = 'stable-bptt dashboard';
    for (const [pattern, mount] of routes) {
      const m = pattern.exec(path);
      if (m) {
        current = mount(root, m.slice(1));
        return;
      }
    }
    current = notFoundPage(root, `There is no page "${path}".`);
  };
  window.addEventListener('hashchange', () => {
    show();
    window.scrollTo(0, 0);
  });
  show();
}
