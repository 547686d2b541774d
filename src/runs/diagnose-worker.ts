/** The thread of diagnose-thread.ts: builds the run's problem and diagnoses the given θ on x_0. */
import { parentPort, workerData } from 'node:worker_threads';
import { problemOfConfig } from '../train/trainer.js';
import { diagnoseInputs } from './diagnose-run.js';
import type { DiagnoseThreadData, FromDiagnoseThread } from './diagnose-thread.js';
import { problemOfRun } from './problems.js';

const port = parentPort!;
const data = workerData as DiagnoseThreadData;
const post = (m: FromDiagnoseThread): void => port.postMessage(m);

try {
  const def = await problemOfRun(data.run, { allowChanged: true });
  const flows = diagnoseInputs(problemOfConfig(def, data.config), data.inputs, {
    ...(data.modes && { modes: data.modes }),
    ...(data.horizonStride !== undefined && { horizonStride: data.horizonStride }),
  });
  post({ kind: 'done', flows });
} catch (e) {
  post({ kind: 'error', message: (e as Error).message });
}
port.close();
