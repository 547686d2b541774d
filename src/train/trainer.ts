/**
 * The training loop: epochs over fixed-order batches (no shuffling, as the reference), one
 * optimizer step per batch, the per-epoch record, divergence detection, and snapshots that
 * resume bit-identically.
 */
import type { BaseMode, Mode } from '../bptt/modes.js';
import { Unroll } from '../bptt/unroll.js';
import { UpdateRule } from '../bptt/update.js';
import { Rng } from '../engine/random.js';
import { allFinite } from '../engine/vector.js';
import { clipUpdate } from '../optim/clip.js';
import { createOptimizer, type Optimizer, type OptimizerState } from '../optim/optimizers.js';
import { atPrecision } from '../nn/capabilities.js';
import type { ProblemDefinition, ProblemInstance } from '../physics/problem.js';
import { flowOf, type TrainConfig } from './config.js';
import type { EpochRecord } from './record.js';
import { diagnoseEpoch, diagnosisDue, type EpochDiagnosis } from './diagnoses.js';

/** Initial states of the two sets, each [n][stateSize]. */
export interface Dataset {
  train: Float64Array;
  test: Float64Array;
}

export type RunStatus = 'running' | 'done' | 'diverged';

/** Everything needed to continue a run exactly where it stopped (plain JSON). */
export interface TrainSnapshot {
  epoch: number;
  params: number[];
  optimizer: OptimizerState;
  records: EpochRecord[];
  /** Gradient-flow diagnoses taken by this trainer (config.diagnoseEvery); the store keeps them apart. */
  diagnoses?: EpochDiagnosis[];
}

export interface EpochProgress {
  record: EpochRecord;
  epoch: number;
  epochs: number;
  /** Wall time of this epoch including evaluations, seconds. */
  wallSeconds: number;
}

const clock = (): number => globalThis.performance.now() / 1000;

/** Draws the run's datasets from its seed (the data stream is independent of the init stream). */
export function generateDataset(problem: ProblemInstance, config: TrainConfig): Dataset {
  const dataRng = new Rng(config.seed).fork();
  return { train: problem.sample(config.trainSize, dataRng), test: problem.sample(config.testSize, dataRng) };
}

/**
 * The problem a run trains: built with the config's settings, the controller's products in the
 * run's precision (configs stored before precision existed: f64).
 */
export function problemOfConfig(definition: ProblemDefinition, config: TrainConfig): ProblemInstance {
  const created = definition.create(config.settings);
  const atRunPrecision = atPrecision(created.controller, config.precision ?? 'f64');
  return atRunPrecision === created.controller ? created : { ...created, controller: atRunPrecision };
}

export class Trainer {
  readonly problem: ProblemInstance;
  readonly params: Float64Array;
  readonly records: EpochRecord[] = [];
  /** The diagnoses taken since this trainer was made (config.diagnoseEvery). */
  readonly diagnoses: EpochDiagnosis[] = [];
  status: RunStatus = 'running';
  /** Why the run diverged, when it did. */
  reason: string | null = null;
  private optimizer: Optimizer;
  private readonly rule: UpdateRule;
  private readonly flow: Mode | BaseMode[];
  private readonly evalTrain: Unroll;
  private readonly evalTest: Unroll;

  readonly data: Dataset;

  /**
   * A run of `definition` as `config` says (from resolveTrainConfig of the same definition), on
   * `data` (default: drawn from the seed), continuing from `snapshot` when given.
   */
  constructor(
    readonly definition: ProblemDefinition,
    readonly config: TrainConfig,
    data?: Dataset,
    snapshot?: TrainSnapshot,
  ) {
    if (config.problem !== definition.name) throw new Error(`the config is for problem "${config.problem}", not "${definition.name}"`);
    if (config.init && !snapshot) {
      throw new Error(`the run starts from the weights of ${config.init.from}: pass them as its epoch-0 snapshot (train/warm-start.ts warmStartSnapshot)`);
    }
    this.problem = problemOfConfig(definition, config);
    data ??= generateDataset(this.problem, config);
    this.data = data;
    const { simulator, controller, loss, steps, rc } = this.problem;
    const S = simulator.stateSize;
    for (const [name, set, n] of [['train', data.train, config.trainSize], ['test', data.test, config.testSize]] as const) {
      if (set.length !== n * S) throw new Error(`${name} set has ${set.length / S} states of ${S} numbers, expected ${n}`);
    }
    const initRng = new Rng(config.seed);
    initRng.fork(); // the data stream (see generateDataset)
    this.params = controller.initParams(initRng.fork());
    this.optimizer = createOptimizer(config.optimizer, controller.paramCount, config.lr, undefined, config.optimizerParams);
    this.rule = new UpdateRule({ controller, simulator, loss, steps, rc, batch: config.batch });
    this.flow = flowOf(config, steps);
    const evalSetup = { controller, simulator, loss, steps, rc, differentiable: false };
    this.evalTrain = new Unroll({ ...evalSetup, batch: config.trainSize });
    this.evalTest = new Unroll({ ...evalSetup, batch: config.testSize });
    if (snapshot) this.restore(snapshot);
  }

  get epoch(): number {
    return this.records.length;
  }

  get finished(): boolean {
    return this.status !== 'running' || this.epoch >= this.config.epochs;
  }

  /** One epoch; returns its record, or null when the run diverged during it. */
  runEpoch(): EpochRecord | null {
    if (this.status !== 'running') throw new Error(`the run is ${this.status}`);
    const { batch, trainSize, clip, clipValue } = this.config;
    const S = this.problem.simulator.stateSize;
    const batches = trainSize / batch;
    const epoch = this.epoch + 1;
    if (epoch === 1) this.diagnoseIfDue(0);
    let loss = 0, physicsLoss = 0, gradSize = 0, cosSim = 0, time = 0;
    for (let k = 0; k < batches; k++) {
      const t0 = clock();
      const x0 = this.data.train.subarray(k * batch * S, (k + 1) * batch * S);
      const r = this.rule.compute(this.params, x0, this.flow, this.config.truncate ?? null);
      if (!Number.isFinite(r.loss) || !allFinite(r.update)) {
        return this.diverge(`non-finite ${Number.isFinite(r.loss) ? 'update' : 'loss'} in epoch ${epoch}, batch ${k + 1}`);
      }
      gradSize += r.gradSize;
      cosSim += r.cosSim;
      clipUpdate(r.update, clip, clipValue);
      this.optimizer.step(this.params, r.update);
      time += clock() - t0;
      loss += r.loss;
      physicsLoss += r.physicsLoss;
    }
    if (!allFinite(this.params)) return this.diverge(`non-finite parameters after epoch ${epoch}`);
    const train = this.evalTrain.forward(this.params, this.data.train);
    const test = this.evalTest.forward(this.params, this.data.test);
    if (!Number.isFinite(train.loss) || !Number.isFinite(test.loss)) return this.diverge(`non-finite evaluation loss after epoch ${epoch}`);
    const record: EpochRecord = {
      epoch,
      loss: loss / batches,
      trainLoss: train.loss,
      testLoss: test.loss,
      physicsLoss: physicsLoss / batches,
      physicsTrainLoss: train.physicsLoss,
      physicsTestLoss: test.physicsLoss,
      gradSize: gradSize / batches,
      cosSim: cosSim / batches,
      time,
    };
    this.records.push(record);
    this.diagnoseIfDue(epoch);
    if (this.epoch >= this.config.epochs) this.status = 'done';
    return record;
  }

  /** Runs the remaining epochs, reporting each. */
  run(onEpoch?: (p: EpochProgress) => void): RunStatus {
    while (!this.finished) {
      const t0 = clock();
      const record = this.runEpoch();
      if (record && onEpoch) onEpoch({ record, epoch: record.epoch, epochs: this.config.epochs, wallSeconds: clock() - t0 });
    }
    return this.status;
  }

  /** Test loss of the current parameters, without training. */
  evaluate(): { trainLoss: number; testLoss: number } {
    return { trainLoss: this.evalTrain.forward(this.params, this.data.train).loss, testLoss: this.evalTest.forward(this.params, this.data.test).loss };
  }

  snapshot(): TrainSnapshot {
    const snapshot: TrainSnapshot = { epoch: this.epoch, params: Array.from(this.params), optimizer: this.optimizer.state(), records: this.records.map((r) => ({ ...r })) };
    if (this.diagnoses.length > 0) snapshot.diagnoses = [...this.diagnoses];
    return snapshot;
  }

  private diagnoseIfDue(epoch: number): void {
    if (diagnosisDue(this.config, epoch) && !this.diagnoses.some((d) => d.epoch === epoch)) {
      this.diagnoses.push(diagnoseEpoch(this.problem, this.config, this.data, this.params, epoch));
    }
  }

  private restore(s: TrainSnapshot): void {
    if (s.params.length !== this.params.length) throw new Error(`snapshot has ${s.params.length} parameters, the controller needs ${this.params.length}`);
    if (s.records.length !== s.epoch) throw new Error(`snapshot of epoch ${s.epoch} holds ${s.records.length} records`);
    this.params.set(s.params);
    this.optimizer = createOptimizer(this.config.optimizer, this.params.length, this.config.lr, s.optimizer, this.config.optimizerParams);
    this.records.push(...s.records.map((r) => ({ ...r })));
    if (this.epoch >= this.config.epochs) this.status = 'done';
  }

  private diverge(reason: string): null {
    this.status = 'diverged';
    this.reason = reason;
    return null;
  }
}
