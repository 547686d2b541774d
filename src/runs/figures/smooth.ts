/**
 * The paper's smoothing (docs/records.md, "The paper's figures"): a moving average over
 * `window` epochs, the series padded at the start with its first value so the smoothed curve
 * has the same length. Pure: no Node built-ins, reusable in a browser.
 */

export const SMOOTH_WINDOW = 30;

/**
 * out[i] = mean of padded[i .. i + window − 1] where padded = [v0 × (window − 1), ...values],
 * i.e. the mean of the last `window` values up to i, missing ones replaced by values[0].
 */
export function movingAverage(values: readonly number[], window: number = SMOOTH_WINDOW): number[] {
  if (!Number.isInteger(window) || window < 1) throw new Error(`movingAverage: window must be a positive integer, got ${window}`);
  const n = values.length;
  if (n === 0) return [];
  const first = values[0]!;
  const out = new Array<number>(n);
  // A sum per output (not a running sum) so that no rounding error builds up over long series.
  for (let i = 0; i < n; i++) {
    let sum = 0;
    const lo = i - window + 1;
    for (let j = lo; j <= i; j++) sum += j < 0 ? first : values[j]!;
    out[i] = sum / window;
  }
  return out;
}
