/**
 * The reproduction report (docs/reproduction.md): per problem the paper-style figure (seeds as
 * bands), the final smoothed test loss with its spread, the epochs to reach two loss thresholds,
 * and a verdict on each of the paper's claims — every number read from the store's records.
 */
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { cpus, totalmem } from 'node:os';
import { basename, dirname, join, relative } from 'node:path';
import type { ProblemDefinition } from '../../physics/index.js';
import { complexityLabel, complexityOf, complexityTitle, finalLosses, smoothedSeries, type FigureRun, type FinalEntry } from '../figures/data.js';
import { renderSvg, svgToPng } from '../figures/render.js';
import { seedGroups, spreadOf } from '../figures/seeds.js';
import { sweepFigureSpec } from '../figures/specs.js';
import { sciNotation, sweepTable } from '../figures/table.js';
import { duration } from '../format.js';
import type { RunStore, StoredRun } from '../store.js';
import { compareModes, epochsToReach, lossThresholds, NO_DIFFERENCE, type Comparison, type LossLevels } from './metrics.js';
import { highestComplexity, type StudyPlan } from './plan.js';
import type { TrainConfig } from '../../train/config.js';

export interface ReportOptions {
  /** The Markdown file; figures go to a folder of the same name beside it (docs/reproduction/). */
  path: string;
  /** The command that makes (and completes) this report, quoted in it. */
  command: string;
  /** Also write each figure as SVG (tests read its text). */
  svg?: boolean;
}

type Run = StoredRun & FigureRun;

export interface ProblemReport {
  problem: ProblemDefinition;
  runs: Run[];
  thresholds: LossLevels;
  claims: Claim[];
  figure: string | null;
}

export interface Claim {
  text: string;
  comparison: Comparison | null;
}

async function runsOf(store: RunStore, plan: StudyPlan): Promise<Run[]> {
  const sweeps = [plan.core, ...(plan.rest ? [plan.rest] : [])];
  const stored = (await Promise.all(sweeps.map((s) => store.runs({ sweep: s.name })))).flat();
  return Promise.all(stored.map(async (r) => ({ ...r, records: await store.records(r.id) })));
}

/** Final losses of a mode's finished runs (done, or diverged: their last finite value); unfinished runs are not judged. */
const finalsOf = (entries: readonly FinalEntry[], mode: string): number[] =>
  entries.filter((e) => e.mode === mode && e.finalLoss !== null && (e.status === 'done' || e.status === 'diverged')).map((e) => e.finalLoss!);

/** The paper's claims, judged at the highest complexity with NORM clipping (its labelled curves). */
function claimsOf(def: ProblemDefinition, runs: readonly Run[]): Claim[] {
  const top = highestComplexity(def) ?? '';
  const entries = finalLosses(def, runs).filter((e) => e.complexity === top && e.clip === 'NORM');
  const vs = (other: string): Comparison | null => compareModes(finalsOf(entries, 'C'), finalsOf(entries, other));
  return [
    { text: `At the highest complexity (${complexityTitle(def, top)}) C still solves the task where R stops making progress: C ends below R`, comparison: vs('R') },
    { text: 'S (no feedback through time) stops making progress: C ends below S', comparison: vs('S') },
    { text: 'M alone suffers from the rotation of its field: C ends below M', comparison: vs('M') },
  ];
}

function claimLine(c: Claim): string {
  if (!c.comparison) return `- ${c.text}. **Not judged**: no finished runs of both modes yet.`;
  const { better, worse, verdict } = c.comparison;
  const range = (s: typeof better): string => (s.n > 1 ? `median ${sciNotation(s.center)}, range ${sciNotation(s.lo)}–${sciNotation(s.hi)} over ${s.n} seeds` : `${sciNotation(s.center)} (one seed)`);
  return `- ${c.text}. **${verdict[0]!.toUpperCase()}${verdict.slice(1)}**: C ${range(better)}; the other ${range(worse)}; ratio of the medians ${(better.center / worse.center).toPrecision(2)}.`;
}

/** How R's final loss compares with C's at each complexity (NORM, median over seeds): the "as complexity grows" part. */
function trendLine(def: ProblemDefinition, runs: readonly Run[]): string | null {
  if (!def.complexity) return null;
  const entries = finalLosses(def, runs).filter((e) => e.clip === 'NORM');
  const parts: string[] = [];
  for (const value of def.complexity.values) {
    const c = compareModes(finalsOf(entries.filter((e) => e.complexity === value), 'C'), finalsOf(entries.filter((e) => e.complexity === value), 'R'));
    if (c) parts.push(`${(c.worse.center / c.better.center).toPrecision(2)} at ${complexityLabel(def, value)}`);
  }
  return parts.length > 1 ? `- As complexity grows, R's final loss divided by C's (NORM, medians): ${parts.join(', ')}. The paper expects this ratio to grow.` : null;
}

/** Median epochs of a group's seeds to reach a threshold; '—' when fewer than half of them got there. */
function epochsCell(runs: readonly Run[], threshold: number): string {
  const reached = runs.map((r) => epochsToReach(smoothedSeries(r, 'testLoss'), threshold) ?? Infinity).sort((a, b) => a - b);
  const n = reached.length;
  const lo = reached[Math.floor((n - 1) / 2)]!;
  const hi = reached[Math.ceil((n - 1) / 2)]!;
  const k = reached.filter(Number.isFinite).length;
  if (!Number.isFinite(hi)) return k ? `— (${k}/${n})` : '—';
  return `${Math.round((lo + hi) / 2)}${k < n ? ` (${k}/${n})` : ''}`;
}

function thresholdTable(def: ProblemDefinition, runs: readonly Run[], { levels: thresholds, basis }: LossLevels): string[] {
  const groups = seedGroups(def, runs.filter((r) => r.records.length > 0));
  const modes = [...new Set(groups.map((g) => g.mode))];
  const rows = new Map<string, Map<string, string>>();
  for (const g of groups) {
    const key = `| ${complexityLabel(def, g.complexity)} | ${g.clip} |`;
    const row = rows.get(key) ?? new Map<string, string>();
    row.set(g.mode, `${epochsCell(g.runs as Run[], thresholds[0])} / ${epochsCell(g.runs as Run[], thresholds[1])}`);
    rows.set(key, row);
  }
  return [
    `Epochs until the smoothed test loss first reaches ${sciNotation(thresholds[0])} / ${sciNotation(thresholds[1])}: ${basis} ` +
      '(median over seeds; — when fewer than half of the seeds got there, with (reached/seeds) where some did not):',
    '',
    `| ${def.complexity?.key ?? 'complexity'} | clip | ${modes.join(' | ')} |`,
    `|---|---|${modes.map(() => '---:|').join('')}`,
    ...[...rows].map(([key, row]) => `${key} ${modes.map((m) => row.get(m) ?? '').join(' | ')} |`),
  ];
}

async function writeProblemFigure(def: ProblemDefinition, runs: readonly Run[], dir: string, svg: boolean): Promise<string | null> {
  if (!runs.some((r) => r.records.length > 0)) return null;
  const text = await renderSvg(sweepFigureSpec(def, runs, { panelWidth: 230, panelHeight: 190 }));
  mkdirSync(dir, { recursive: true });
  const png = join(dir, `${def.name}.png`);
  writeFileSync(png, svgToPng(text, 1.5));
  if (svg) writeFileSync(join(dir, `${def.name}.svg`), text);
  return png;
}

/** The report of one problem's study, from the store. */
export async function problemReport(store: RunStore, plan: StudyPlan, figureDir: string, svg = false): Promise<ProblemReport> {
  const runs = await runsOf(store, plan);
  const def = plan.problem;
  const top = highestComplexity(def) ?? '';
  const atTop = runs.filter((r) => complexityOf(def, r) === top && r.records.length > 0);
  const first = atTop.map((r) => r.records[0]!.testLoss ?? NaN);
  const best = Math.min(...finalLosses(def, atTop).map((e) => e.finalLoss ?? Infinity));
  return { problem: def, runs, thresholds: lossThresholds(first, best), claims: claimsOf(def, runs), figure: await writeProblemFigure(def, runs, figureDir, svg) };
}

function coverage(plan: StudyPlan, runs: readonly Run[]): string {
  const count = (status: string): number => runs.filter((r) => r.status === status).length;
  const total = plan.core.configs.length + (plan.rest?.configs.length ?? 0);
  const finished = count('done') + count('diverged') + count('failed');
  const parts = [`${count('done')} done`, count('diverged') && `${count('diverged')} diverged`, count('failed') && `${count('failed')} failed`].filter(Boolean).join(', ');
  return `${finished} of ${total} runs finished (${parts || 'none yet'})`;
}

/** A problem's results: its sweeps, the figure, the tables and the verdicts. */
function section(report: ProblemReport, plan: StudyPlan, figureRel: string | null): string[] {
  const { problem: def, runs } = report;
  const sweeps = [plan.core, ...(plan.rest ? [plan.rest] : [])].map((s) => `\`${s.name}\``).join(' and ');
  const updates = runs.reduce((a, r) => a + r.trainSeconds, 0);
  const lines = [
    `${plan.rest ? 'Sweeps' : 'Sweep'} ${sweeps}: ${coverage(plan, runs)}; the updates took ${duration(updates)} in all. \`sbptt export <sweep>\` gives every record behind the numbers below.`,
    '',
  ];
  if (runs.every((r) => r.records.length === 0)) return [...lines, 'No epochs stored yet.', ''];
  if (figureRel) lines.push(`![${def.title}: smoothed test loss per complexity and mode](${figureRel})`, '');
  lines.push(sweepTable(def, runs, { headings: false }).trimEnd(), '', ...thresholdTable(def, runs, report.thresholds), '', plan.quick ? '### The paper\'s claims, on this quick check\'s short runs (not a verdict on the study)' : '### The paper\'s claims', '');
  lines.push(...report.claims.map(claimLine));
  const trend = trendLine(def, runs);
  if (trend) lines.push(trend);
  return [...lines, ''];
}

const FINISHED = new Set(['done', 'diverged', 'failed']);

/**
 * Seconds of one core the unfinished runs — and the configs not yet created as runs — still need:
 * their epochs left times the median time per epoch (start to finish, evaluations included) of
 * finished runs of the same problem and mode, else of the same problem. `unknown` counts the ones
 * whose problem has no finished run yet.
 */
export function remainingSeconds(runs: readonly StoredRun[], notCreated: readonly TrainConfig[] = []): { seconds: number; unknown: number } {
  const perEpoch = (r: StoredRun): number => (Date.parse(r.finishedAt!) - Date.parse(r.startedAt!)) / 1000 / Math.max(1, r.epochsDone);
  const finished = runs.filter((r) => r.status === 'done' && r.startedAt && r.finishedAt && r.epochsDone > 0);
  const pending = [...runs.filter((x) => !FINISHED.has(x.status)).map((r) => ({ config: r.config, left: r.config.epochs - r.epochsDone })), ...notCreated.map((config) => ({ config, left: config.epochs }))];
  let seconds = 0;
  let unknown = 0;
  for (const { config, left } of pending) {
    const same = finished.filter((f) => f.problem === config.problem && f.config.mode === config.mode);
    const pool = same.length ? same : finished.filter((f) => f.problem === config.problem);
    if (pool.length === 0) unknown++;
    else seconds += left * spreadOf(pool.map(perEpoch)).center;
  }
  return { seconds, unknown };
}

function machineLines(runs: readonly Run[], plans: readonly StudyPlan[]): string[] {
  const cpu = cpus();
  const versions = [...new Set(runs.map((r) => r.codeVersion))];
  const started = runs.map((r) => r.startedAt).filter((v): v is string => v !== null).sort();
  const finished = runs.map((r) => r.finishedAt).filter((v): v is string => v !== null).sort();
  const updates = runs.reduce((a, r) => a + r.trainSeconds, 0);
  const span = started.length && finished.length ? (Date.parse(finished.at(-1)!) - Date.parse(started[0]!)) / 1000 : NaN;
  return [
    `- Machine: ${cpu.length} × ${cpu[0]?.model.trim() ?? 'unknown CPU'}, ${(totalmem() / 2 ** 30).toFixed(0)} GiB, Node ${process.version}, ${process.platform}.`,
    `- Precision: ${[...new Set(plans.map((p) => p.precision))].join(', ')} (the controller's products; the physics always runs in float64).`,
    `- Code: ${versions.length ? versions.map((v) => `\`${v}\``).join(', ') : '—'}.`,
    `- Seeds: ${plans.map((p) => `${p.problem.name} ${p.seeds} at its highest complexity${p.quick ? '' : ', 1 elsewhere'}`).join('; ')}.`,
    `${COMPUTE}the updates took ${duration(updates)} summed over the ${runs.filter((r) => r.epochsDone > 0).length} runs with epochs stored (evaluations and checkpoints come on top); from the first run's start to the last one's end ${Number.isFinite(span) ? duration(span) : '—'} of wall time.`,
    ...incompleteLines(runs, plans),
  ];
}

/** What is missing, how long it would take, and the command that completes it. */
function incompleteLines(runs: readonly Run[], plans: readonly StudyPlan[]): string[] {
  const total = plans.reduce((a, p) => a + p.core.configs.length + (p.rest?.configs.length ?? 0), 0);
  const finished = runs.filter((r) => FINISHED.has(r.status)).length;
  if (finished === total) return [];
  // Runs not created yet (a problem never started) count with the epochs they will have.
  const missing = plans.flatMap((p) => [p.core, ...(p.rest ? [p.rest] : [])]).flatMap((s) => s.configs.filter((c) => !runs.some((r) => r.sweep === s.name && JSON.stringify(r.config) === JSON.stringify(c))));
  const left = remainingSeconds(runs, missing);
  const known = left.unknown === 0 ? '' : ` (not counting ${left.unknown} runs of problems with no finished run to time yet)`;
  return [
    `${INCOMPLETE}${finished} of the study's ${total} runs are finished. The rest need about ${duration(left.seconds)} of one core${known}, ` +
      `${duration(left.seconds / 2)} on two, estimated from the finished runs' time per epoch. The command above completes them and writes this page again.`,
  ];
}

/** The study's description and how to read its pages (the index and each problem's page say it). */
function introLines(quick: boolean, plans: readonly StudyPlan[]): string[] {
  return [
    quick
      ? 'This is the **quick** check: each problem at its highest complexity with NORM clipping, modes R, M, C and S, one seed and fewer epochs than the paper ' +
        `(${plans.map((p) => `${p.problem.name} ${p.core.configs[0]?.epochs ?? '?'}`).join(', ')}). It checks the pipeline; it does not reproduce the study.`
      : 'The study is the published grid (complexity × clipping VALUE, NORM, NONE × mode R, M, C, S) with the paper\'s hyperparameters and its reference datasets; ' +
        'the highest complexity of each problem, where the paper makes its claims, runs with several seeds and runs first.',
    '',
    'How to read it: curves and table cells are 30-epoch moving averages of the test loss (the paper\'s smoothing), taken at each run\'s last epoch. ' +
      'Where a series has several seeds the figure draws their median in a band from the lowest to the highest seed, and the table gives the median with that range. ' +
      `A verdict is *not reproduced* unless C's median ends at least ${Math.round((1 - NO_DIFFERENCE) * 100)}% below the other mode's; then it is *reproduced* when every seed of C ends below every seed of the other ` +
      '(with one seed each, which shows no spread: at least a factor 2 lower) and *partly reproduced* otherwise.',
  ];
}

/** Line prefixes of a problem page that the index quotes. */
const STATUS = 'Status: ';
const COMPUTE = '- Compute: ';
const INCOMPLETE = '- **Incomplete:** ';

/** One problem's page: status line, how it was made, machine, then figure, tables and verdicts. */
function problemPage(report: ProblemReport, plan: StudyPlan, command: string): string {
  const verdicts = report.claims.map((c) => c.comparison?.verdict ?? 'not judged').join('; ');
  const lines = [
    `# Reproduction: ${report.problem.title}${plan.quick ? ' (quick check)' : ''}`,
    '',
    `${STATUS}${coverage(plan, report.runs)}; the paper's claims: ${verdicts}.`,
    '',
    `Made by \`${command}\` from the runs in the store; the same command continues unfinished runs and writes this page again.`,
    '',
    ...introLines(plan.quick, [plan]),
    '',
    ...machineLines(report.runs, [plan]),
    '',
    ...section(report, plan, report.figure ? basename(report.figure) : null),
  ];
  return lines.join('\n');
}

/** A problem page's line reader: the line that starts with `prefix`, without it (the index quotes pages made earlier). */
function pageLines(page: string): (prefix: string) => string | undefined {
  const lines = existsSync(page) ? readFileSync(page, 'utf8').split('\n') : [];
  return (prefix) => lines.find((l) => l.startsWith(prefix))?.slice(prefix.length);
}

/**
 * The index: the study, each problem's status with a link to its page, and each problem's
 * compute and what is left, quoted from the pages (pages made earlier stay).
 */
function indexPage(path: string, dir: string, quick: boolean, plans: readonly StudyPlan[], problems: readonly ProblemDefinition[]): string {
  const rel = (file: string): string => relative(dirname(path), file).split('\\').join('/');
  const command = (def: ProblemDefinition): string => `\`sbptt reproduce ${def.name}${quick ? ' --quick' : ''}\``;
  const lines = ['# Reproduction of the paper\'s study' + (quick ? ' (quick check)' : ''), '', ...introLines(quick, plans), '', `Each problem has its own page, made by \`sbptt reproduce <problem>${quick ? ' --quick' : ''}\`:`, ''];
  const compute: string[] = [];
  for (const def of problems) {
    const page = join(dir, `${def.name}.md`);
    const line = pageLines(page);
    const status = line(STATUS);
    lines.push(status ? `- [${def.title}](${rel(page)}): ${status}` : `- ${def.title}: not run yet; ${command(def)} runs it.`);
    const spent = line(COMPUTE);
    const left = line(INCOMPLETE);
    compute.push(spent ? `- ${def.title}: ${spent}${left ? ` ${left.replace('The command above', command(def))}` : ''}` : `- ${def.title}: nothing run yet.`);
  }
  lines.push('', '## Compute', '', 'As each page states it (the updates\' CPU time summed over runs, the wall time, and for an incomplete grid the estimated time left):', '', ...compute);
  return lines.join('\n') + '\n';
}

/**
 * Writes each plan's problem page and figure into the folder named after the report
 * (docs/reproduction/cartpole.md, …) and the index (the report file itself), which lists every
 * problem of the study with the status its page gives — so a study can be completed one problem
 * at a time. Returns the per-problem reports.
 */
export async function writeReport(store: RunStore, plans: readonly StudyPlan[], opts: ReportOptions, problems: readonly ProblemDefinition[] = plans.map((p) => p.problem)): Promise<ProblemReport[]> {
  const dir = join(dirname(opts.path), basename(opts.path, '.md'));
  const reports: ProblemReport[] = [];
  mkdirSync(dir, { recursive: true });
  for (const plan of plans) {
    const report = await problemReport(store, plan, dir, opts.svg ?? false);
    writeFileSync(join(dir, `${plan.problem.name}.md`), problemPage(report, plan, opts.command));
    reports.push(report);
  }
  writeFileSync(opts.path, indexPage(opts.path, dir, plans.some((p) => p.quick), plans, problems));
  return reports;
}
