/** The dashboard page: the top bar's links and the routes. */
import { prepareKernels } from '../../kernels/module.js';
import { comparePage } from './pages/compare.js';
import { homePage } from './pages/home.js';
import { runPage } from './pages/run.js';
import { sweepPage } from './pages/sweep.js';
import { toyPage } from './pages/toy.js';
import { notFoundPage, startRouter, type Route } from './router.js';

function decode(text: string): string | null {
  try {
    return decodeURIComponent(text);
  } catch {
    return null;
  }
}

const routes: Route[] = [
  [/^\/$/, (root) => homePage(root)],
  [
    /^\/sweeps\/(.+)$/,
    (root, [name]) => {
      const sweep = decode(name!);
      return sweep === null ? notFoundPage(root, 'Sweep not found: the address is malformed.') : sweepPage(root, sweep);
    },
  ],
  [
    /^\/runs\/([^/]+)$/,
    (root, [id]) => (/^[1-9][0-9]{0,14}$/.test(id!) ? runPage(root, Number(id)) : notFoundPage(root, `Run ${decode(id!) ?? id} not found: a run id is a positive integer.`)),
  ],
  [/^\/toy$/, (root) => toyPage(root)],
  [
    /^\/compare(?:\?runs=([0-9,]*))?$/,
    (root, [list]) => comparePage(root, [...new Set((list ?? '').split(',').filter((t) => /^[1-9][0-9]{0,14}$/.test(t)).map(Number))]),
  ],
];

// Browsers compile a module of this size only asynchronously on the main thread: compile the
// WebAssembly kernels first, so the engine finds them ready (or the plain-JS kernels if it failed).
void prepareKernels().finally(() => startRouter(document.getElementById('app')!, routes));
