/** Terminal formatting for progress lines and tables. */

export { duration, sci } from '../runs/format.js';

/** What the terminal prints for a value that was not computed (or does not exist yet). */
export const NOT_COMPUTED = '—';

/**
 * One format for a column of losses and update sizes: always the exponent form with
 * `significant` digits (1.234e-2, 5.000e+0), so values line up and compare at a glance.
 */
export function exp(v: number | null | undefined, significant = 4): string {
  if (v === null || v === undefined) return NOT_COMPUTED;
  return Number.isFinite(v) ? v.toExponential(significant - 1) : String(v);
}

export function table(header: readonly string[], rows: readonly (readonly string[])[]): string {
  const widths = header.map((h, i) => Math.max([...h].length, ...rows.map((r) => [...(r[i] ?? '')].length)));
  const line = (cells: readonly string[]): string => cells.map((c, i) => ' '.repeat(widths[i]! - [...c].length) + c).join('  ');
  return [line(header), line(widths.map((w) => '-'.repeat(w))), ...rows.map(line)].join('\n');
}
