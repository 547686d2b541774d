/** Terminal formatting for progress lines and tables. */

export function sci(v: number, digits = 3): string {
  if (!Number.isFinite(v)) return String(v);
  if (v === 0) return '0';
  return Math.abs(v) >= 1e-2 && Math.abs(v) < 1e4 ? v.toPrecision(digits + 1) : v.toExponential(digits);
}

export function duration(seconds: number): string {
  if (!Number.isFinite(seconds)) return '?';
  if (seconds < 60) return `${seconds.toFixed(seconds < 10 ? 1 : 0)} s`;
  const m = Math.floor(seconds / 60);
  if (m < 60) return `${m} min ${Math.round(seconds - 60 * m)} s`;
  return `${Math.floor(m / 60)} h ${m % 60} min`;
}

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
