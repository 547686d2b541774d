/**
 * Builds the dashboard page with esbuild: src/web/client/main.ts — with everything it imports:
 * the engine, the problems, the figure specs, the animation scenes, vega — bundled for the
 * browser into <out>/app.js; index.html and style.css copied next to it. A stamp
 * (.build-info.json, never served) lists every input, so `ensureBundle` rebuilds only when the
 * bundle is missing or older than one of its sources.
 *
 *   npm run build:web            (= node --import tsx src/web/build.ts [out-dir])
 */
import { copyFileSync, existsSync, mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { isAbsolute, join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { packageRoot } from '../runs/paths.js';

export const CLIENT_DIR = join(packageRoot(), 'src', 'web', 'client');
export const ENTRY = join(CLIENT_DIR, 'main.ts');
/** Copied as they are. */
export const STATIC_FILES = ['index.html', 'style.css'] as const;
export const BUNDLE_FILES = ['app.js', ...STATIC_FILES] as const;
const STAMP = '.build-info.json';

export function defaultBundleDir(): string {
  return join(packageRoot(), 'dist', 'web');
}

interface BuildInfo {
  /** When the build started (ms since the epoch): a source changed after it makes the bundle stale. */
  builtAt: number;
  /** Absolute paths of every input. */
  inputs: string[];
}

export interface BundleState {
  fresh: boolean;
  /** Why it needs building, e.g. "src/web/client/main.ts changed". */
  reason: string;
}

export function bundleState(outDir: string): BundleState {
  const missing = [...BUNDLE_FILES, STAMP].find((f) => !existsSync(join(outDir, f)));
  if (missing) return { fresh: false, reason: `${missing} is missing` };
  let info: BuildInfo;
  try {
    info = JSON.parse(readFileSync(join(outDir, STAMP), 'utf8')) as BuildInfo;
  } catch {
    return { fresh: false, reason: `${STAMP} is unreadable` };
  }
  for (const input of info.inputs) {
    let mtime: number;
    try {
      mtime = statSync(input).mtimeMs;
    } catch {
      return { fresh: false, reason: `${input} is gone` };
    }
    if (mtime > info.builtAt) return { fresh: false, reason: `${input} changed` };
  }
  return { fresh: true, reason: 'up to date' };
}

/** Bundles the page into outDir; returns the number of input files. */
export async function buildBundle(outDir: string): Promise<number> {
  if (!existsSync(ENTRY)) throw new Error(`the dashboard's sources (${CLIENT_DIR}) are not in this installation, and ${outDir} holds no built page`);
  let esbuild: typeof import('esbuild');
  try {
    esbuild = await import('esbuild');
  } catch {
    throw new Error('building the dashboard needs esbuild (a dev dependency: run `npm ci` in the repository)');
  }
  const builtAt = Date.now();
  mkdirSync(outDir, { recursive: true });
  const root = packageRoot();
  const result = await esbuild.build({
    entryPoints: [ENTRY],
    outfile: join(outDir, 'app.js'),
    absWorkingDir: root,
    bundle: true,
    format: 'esm',
    platform: 'browser',
    target: ['es2022', 'chrome110', 'firefox115', 'safari16'],
    minify: true,
    sourcemap: 'linked',
    metafile: true,
    logLevel: 'silent',
    legalComments: 'linked',
  });
  for (const f of STATIC_FILES) copyFileSync(join(CLIENT_DIR, f), join(outDir, f));
  const inputs = [...Object.keys(result.metafile.inputs).map((p) => resolve(root, p)), ...STATIC_FILES.map((f) => join(CLIENT_DIR, f))];
  const info: BuildInfo = { builtAt, inputs };
  writeFileSync(join(outDir, STAMP), JSON.stringify(info));
  return inputs.length;
}

/** Builds the page unless the bundle in outDir is up to date; `say` hears what happens. */
export async function ensureBundle(outDir: string, say: (line: string) => void = () => {}): Promise<void> {
  const state = bundleState(outDir);
  if (state.fresh) return;
  // Sources absent (an installed package) but a built page present: serve what is there.
  if (!existsSync(ENTRY) && existsSync(join(outDir, 'index.html'))) return;
  const t0 = Date.now();
  say(`building the dashboard into ${outDir} (${state.reason}) …`);
  const n = await buildBundle(outDir);
  say(`built from ${n} files in ${((Date.now() - t0) / 1000).toFixed(1)} s`);
}

if (process.argv[1] && import.meta.url === pathToFileURL(resolve(process.argv[1])).href) {
  const arg = process.argv[2];
  const out = arg === undefined ? defaultBundleDir() : isAbsolute(arg) ? arg : resolve(arg);
  buildBundle(out).then(
    (n) => process.stdout.write(`dashboard built into ${out} from ${n} files\n`),
    (e: Error) => {
      process.stderr.write(`build:web: ${e.message}\n`);
      process.exitCode = 1;
    },
  );
}
