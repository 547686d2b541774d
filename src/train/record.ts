/** The per-epoch record of docs/records.md and its column orders. */

export interface EpochRecord {
  epoch: number;
  /** Mean of the epoch's batch losses. */
  loss: number;
  /** Loss on the whole training / test set after the epoch. */
  trainLoss: number;
  testLoss: number;
  /** The same three without the regularisation term. */
  physicsLoss: number;
  physicsTrainLoss: number;
  physicsTestLoss: number;
  /** Mean squared L2 norm of the (unclipped) update. */
  gradSize: number;
  /** Mean cos(g_M, g_R) (mode combined; 0 otherwise). */
  cosSim: number;
  /** Summed wall time of the epoch's updates, seconds (evaluations excluded). */
  time: number;
}

export type RecordColumn = keyof Omit<EpochRecord, 'epoch'>;

/** The published 6 columns, or 9 for problems whose loss has a regularisation part. */
export function recordColumns(withPhysics: boolean): RecordColumn[] {
  return withPhysics
    ? ['loss', 'trainLoss', 'testLoss', 'physicsLoss', 'physicsTrainLoss', 'physicsTestLoss', 'gradSize', 'cosSim', 'time']
    : ['loss', 'trainLoss', 'testLoss', 'gradSize', 'cosSim', 'time'];
}

const SNAKE: Record<RecordColumn, string> = {
  loss: 'loss',
  trainLoss: 'train_loss',
  testLoss: 'test_loss',
  physicsLoss: 'physics_loss',
  physicsTrainLoss: 'physics_train_loss',
  physicsTestLoss: 'physics_test_loss',
  gradSize: 'grad_size',
  cosSim: 'cos_sim',
  time: 'time',
};

/** CSV with a header row: epoch then the columns, numbers at full precision. */
export function recordsToCsv(records: readonly EpochRecord[], columns: readonly RecordColumn[]): string {
  const lines = [['epoch', ...columns.map((c) => SNAKE[c])].join(',')];
  for (const r of records) lines.push([r.epoch, ...columns.map((c) => r[c])].join(','));
  return lines.join('\n') + '\n';
}
