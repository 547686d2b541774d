/** `sbptt reproduce [problem|all]`: the paper's study in the store, resumable, then its report (docs/reproduction.md). */
import { availableParallelism, totalmem } from 'node:os';
import { basename, dirname, join } from 'node:path';
import { Command, Option } from 'commander';
import { parsePrecision } from '../kernels/module.js';
import { parseStudyProblems, planStudy, STUDY_PROBLEMS, STUDY_SEEDS, studySweeps, QUICK_EPOCHS, type StudyOptions } from '../runs/reproduce/plan.js';
import { defaultStorePath, RunStore } from '../runs/store.js';
import { parsePositiveInt, type TrainOverrides } from '../train/config.js';
import { STORE_FLAG, STORE_HELP } from './store-arg.js';
import { checkWritableFolder } from './out-arg.js';
import { MAX_WORKERS } from './sweep.js';
import { createSweepRuns, trainRuns } from './work-progress.js';

interface ReproduceFlags {
  quick?: boolean;
  seeds?: string;
  precision: string;
  workers?: string;
  store?: string;
  report?: string;
  reportOnly?: boolean;
  testSizes?: string;
}

export function reproduceCommand(): Command {
  return new Command('reproduce')
    .description("run the paper's study (every grid, the paper's settings and datasets, several seeds at the highest complexity), resumably, then write its report")
    .argument('[problem]', 'cartpole, repulsion, quantum or all', 'all')
    .option('--quick', `a reduced check of the pipeline: highest complexity, NORM, R/M/C/S, one seed, ${Object.entries(QUICK_EPOCHS).map(([p, e]) => `${p} ${e}`).join(', ')} epochs (15 min on 2 cores, measured while they also ran another study)`)
    .option('--seeds <n>', `seeds at the highest complexity of each problem (default ${STUDY_SEEDS}; --quick 1)`)
    .option('--precision <f32|f64>', "the controller's products (the physics stays float64)", 'f32')
    .option('--workers <n>', `parallel worker threads (default: the number of cores, ${availableParallelism()})`)
    .option(STORE_FLAG, STORE_HELP)
    .option('--report <file>', 'the index of the report; each problem\'s page and figure go to a folder of the same name beside it (default docs/reproduction.md, --quick: docs/reproduction-quick.md)')
    .option('--report-only', 'write the report from what the store holds, without training')
    .addOption(new Option('--test-sizes <json>', 'test only: training overrides on top of the paper\'s, e.g. {"epochs":3}').hideHelp())
    .action((problem: string, o: ReproduceFlags) => reproduce(problem, o));
}

async function reproduce(problem: string, o: ReproduceFlags): Promise<void> {
  const defs = parseStudyProblems(problem);
  const report = o.report ?? (o.quick ? 'docs/reproduction-quick.md' : 'docs/reproduction.md');
  const opts: StudyOptions = {
    quick: o.quick === true,
    precision: parsePrecision(o.precision),
    ...(o.seeds !== undefined && { seeds: parsePositiveInt('seeds', o.seeds) }),
    ...(o.testSizes !== undefined && { sizes: parseSizes(o.testSizes) }),
  };
  const workers = o.workers === undefined ? availableParallelism() : parsePositiveInt('workers', o.workers, MAX_WORKERS);
  // Each worker thread holds one run: the runs at once share the machine's memory.
  const plans = defs.map((d) => planStudy(d, { ...opts, availableBytes: totalmem() / workers }));
  const sweeps = studySweeps(plans);
  // Found before hours of training, not after.
  checkWritableFolder('--report', dirname(report));
  const location = defaultStorePath(o.store);
  const command = ['sbptt reproduce', problem, o.quick ? '--quick' : '', o.seeds ? `--seeds ${o.seeds}` : '', o.precision !== 'f32' ? `--precision ${o.precision}` : ''].filter(Boolean).join(' ');
  if (!o.reportOnly) {
    // Every core sweep is created before any rest sweep: runs are taken in id order.
    const { ids, queued, storePath } = await createSweepRuns(location, sweeps);
    process.stdout.write(`${command}: ${ids.length} runs in ${sweeps.length} sweeps (${sweeps.map((s) => s.name).join(', ')})${queued}, ${workers} worker(s), store ${storePath}\n`);
    await trainRuns(location, ids, workers);
  }
  // The report loads vega and resvg, so only now.
  const { writeReport } = await import('../runs/reproduce/report.js');
  const read = await RunStore.open(location, { create: false });
  try {
    const reports = await writeReport(read, plans, { path: report, command, svg: o.testSizes !== undefined }, STUDY_PROBLEMS);
    for (const r of reports) {
      const done = r.runs.filter((x) => x.status === 'done' || x.status === 'diverged' || x.status === 'failed').length;
      const verdicts = r.claims.map((c) => c.comparison?.verdict ?? 'not judged').join('; ');
      process.stdout.write(`${r.problem.name}: ${done}/${r.runs.length} runs finished; claims: ${verdicts}\n`);
    }
    process.stdout.write(`report: ${report}, with ${reports.map((r) => join(dirname(report), basename(report, '.md'), `${r.problem.name}.md`)).join(', ')}\n`);
  } finally {
    await read.close();
  }
}

/** The hidden test-only overrides: a JSON object of training overrides. */
function parseSizes(text: string): TrainOverrides {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    throw new Error(`--test-sizes: got "${text}", expected a JSON object such as {"epochs":3}`);
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw new Error(`--test-sizes: got "${text}", expected a JSON object`);
  return value as TrainOverrides;
}
