/**
 * Datasets of initial states: drawn from the run's seed, or the published draws
 * (data/reference, docs/records.md) for a `reference` run.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { ProblemInstance } from '../physics/index.js';
import type { TrainConfig } from '../train/config.js';
import { generateDataset, type Dataset } from '../train/trainer.js';
import { referenceDataDir } from './paths.js';

interface ReferenceFile {
  problem: string;
  train: { shape: number[]; data: number[] };
  test: { shape: number[]; data: number[] };
}

export function loadReferenceDataset(problem: ProblemInstance, config: TrainConfig): Dataset {
  const name = problem.referenceDataset;
  if (!name) {
    throw new Error(`--dataset reference: no published dataset for ${config.problem} with these settings; use --dataset generated`);
  }
  const file = JSON.parse(readFileSync(join(referenceDataDir(), name), 'utf8')) as ReferenceFile;
  const S = problem.simulator.stateSize;
  const take = (set: ReferenceFile['train'], n: number, which: string): Float64Array => {
    const per = set.shape.slice(1).reduce((a, b) => a * b, 1);
    if (per !== S) throw new Error(`${name}: ${which} states have ${per} numbers, the problem needs ${S}`);
    if (n > set.shape[0]!) throw new Error(`--${which}-size ${n}: the published ${which} set has only ${set.shape[0]} states`);
    return Float64Array.from(set.data.slice(0, n * S));
  };
  return { train: take(file.train, config.trainSize, 'train'), test: take(file.test, config.testSize, 'test') };
}

export function datasetFor(problem: ProblemInstance, config: TrainConfig): Dataset {
  return config.dataset === 'reference' ? loadReferenceDataset(problem, config) : generateDataset(problem, config);
}
