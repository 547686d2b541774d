/** A stored sweep → its figure (SVG + PNG) and Markdown table on disk. */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { ProblemDefinition } from '../../physics/index.js';
import { problemOfRun } from '../problems.js';
import type { RunStore } from '../store.js';
import { singleProblem, type FigureRun } from './data.js';
import { writeFigure } from './render.js';
import { sweepFigureSpec } from './specs.js';
import type { SeedStatsOptions } from './seeds.js';
import { sweepTable } from './table.js';

/** The runs of a sweep with their records; an unknown sweep is an error naming the known ones. */
export async function loadSweep(
  store: RunStore,
  sweep: string,
  warn: (line: string) => void = () => {},
): Promise<{ problem: ProblemDefinition; runs: FigureRun[] }> {
  const stored = await store.runs({ sweep });
  if (stored.length === 0) {
    const known = (await store.sweeps()).map((s) => s.sweep);
    const list = known.length ? `known sweeps: ${known.join(', ')}` : 'the store has no sweeps';
    throw new Error(`no sweep named "${sweep}" in ${store.path}; ${list}`);
  }
  const runs: FigureRun[] = await Promise.all(stored.map(async (r) => ({ ...r, records: await store.records(r.id) })));
  singleProblem(runs, `sweep "${sweep}"`);
  return { problem: await problemOfRun(stored[0]!, { allowChanged: true, warn }), runs };
}

export interface SweepFiles {
  svg: string;
  png: string;
  md: string;
  /** Runs plotted (with records) out of all runs of the sweep. */
  plotted: number;
  runs: number;
}

/** Safe file name for a sweep name (path separators and odd characters become "_"). */
export function fileNameOf(sweep: string): string {
  return sweep.replace(/[^A-Za-z0-9._=+-]/g, '_').replace(/^\.+/, '_') || '_';
}

export interface PlotSweepOptions {
  window?: number;
  /** PNG scale relative to the SVG (default 2). */
  scale?: number;
  /** Where a warning goes (a problem module changed since the runs). */
  warn?: (line: string) => void;
  /** How repeats with different seeds are summarised. */
  seeds?: SeedStatsOptions;
}

export async function plotSweep(store: RunStore, sweep: string, outDir: string, opts: PlotSweepOptions = {}): Promise<SweepFiles> {
  const { problem, runs } = await loadSweep(store, sweep, opts.warn);
  const plotted = runs.filter((r) => r.records.length > 0).length;
  if (plotted === 0) throw new Error(`sweep "${sweep}" has no stored epochs yet (${runs.length} runs); nothing to plot`);
  const base = join(outDir, fileNameOf(sweep));
  const figOpts = { sweep, ...(opts.window !== undefined && { window: opts.window }), ...(opts.seeds && { seeds: opts.seeds }) };
  const { svg, png } = await writeFigure(sweepFigureSpec(problem, runs, figOpts), base, opts.scale);
  mkdirSync(outDir, { recursive: true });
  const md = `${base}.md`;
  writeFileSync(md, sweepTable(problem, runs, figOpts));
  return { svg, png, md, plotted, runs: runs.length };
}
