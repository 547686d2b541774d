/** Writes a finished (or diverged) run to a folder: config, records (CSV + JSON), controller. */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { TrainConfig } from '../train/config.js';
import { controllerToJson } from '../train/controller-file.js';
import { recordColumns, recordsToCsv } from '../train/record.js';
import type { Trainer } from '../train/trainer.js';
import type { ProblemSource } from './problems.js';

export interface RunFiles {
  config: string;
  csv: string;
  json: string;
  controller: string;
}

/** Writes <dir>/config.json alone (a `train` run's folder names its run from the start); returns its path. */
export function writeRunConfig(dir: string, config: TrainConfig, source?: ProblemSource): string {
  mkdirSync(dir, { recursive: true });
  const problemModule = source?.kind === 'module' ? { problemModule: source.path } : {};
  const file = join(dir, 'config.json');
  writeFileSync(file, JSON.stringify({ ...config, ...problemModule }, null, 2) + '\n');
  return file;
}

/** config.json holds the config and, for a problem from a module, its path (`train --config` finds it again). */
export function writeRunFolder(dir: string, trainer: Trainer, source?: ProblemSource): RunFiles {
  mkdirSync(dir, { recursive: true });
  const config: TrainConfig = trainer.config;
  const columns = recordColumns(trainer.definition.reportsPhysicsLoss);
  const files: RunFiles = {
    config: join(dir, 'config.json'),
    csv: join(dir, 'records.csv'),
    json: join(dir, 'records.json'),
    controller: join(dir, 'controller.json'),
  };
  writeRunConfig(dir, config, source);
  writeFileSync(files.csv, recordsToCsv(trainer.records, columns));
  const summary = { status: trainer.status, reason: trainer.reason, columns, records: trainer.records };
  writeFileSync(files.json, JSON.stringify(summary, null, 2) + '\n');
  writeFileSync(files.controller, JSON.stringify(controllerToJson(config, trainer.problem, trainer.params)) + '\n');
  return files;
}
