/**
 * Number and time formats shared by the terminal and the dashboard (pure: runs in the browser).
 */

/** `significant` digits; exponent form outside [0.01, 1e4). */
export function sci(v: number, significant = 4): string {
  if (!Number.isFinite(v)) return String(v);
  if (v === 0) return '0';
  return Math.abs(v) >= 1e-2 && Math.abs(v) < 1e4 ? v.toPrecision(significant) : v.toExponential(significant - 1);
}

/** "4.2 s", "3 min 12 s", "2 h 5 min"; `unknown` for NaN (an ETA before the first measurement). */
export function duration(seconds: number, unknown = '?'): string {
  if (!Number.isFinite(seconds)) return unknown;
  if (seconds < 60) return `${seconds.toFixed(seconds < 10 ? 1 : 0)} s`;
  const m = Math.floor(seconds / 60);
  if (m < 60) return `${m} min ${Math.round(seconds - 60 * m)} s`;
  return `${Math.floor(m / 60)} h ${m % 60} min`;
}
