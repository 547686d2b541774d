/** Terminal formatting for progress lines and tables. */

export { duration, sci } from '../runs/format.js';

/** ETA from the mean wall time of the epochs so far. */
export class Eta {
  private total = 0;
  private count = 0;

  add(seconds: number): void {
    this.total += seconds;
    this.count++;
  }

  remaining(left: number): number {
    return this.count === 0 ? NaN : (this.total / this.count) * left;
  }
}

export function table(header: readonly string[], rows: readonly (readonly string[])[]): string {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: readonly string[]): string => cells.map((c, i) => c.padStart(widths[i]!)).join('  ');
  return [line(header), line(widths.map((w) => '-'.repeat(w))), ...rows.map(line)].join('\n');
}
