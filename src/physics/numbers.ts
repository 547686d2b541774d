/**
 * Strict parsing of numbers given as text (flags, settings, API parameters): decimal notation
 * only ("12", "-0.5", "1e-3"), never empty, hexadecimal ("0x2"), binary, "Infinity" or padded
 * text, which Number() would accept silently.
 */

const DECIMAL = /^[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?$/;

/** The number a decimal text spells, or NaN; a number passes as itself. */
export function parseDecimal(raw: unknown): number {
  if (typeof raw === 'number') return raw;
  if (typeof raw !== 'string' || !DECIMAL.test(raw)) return NaN;
  return Number(raw);
}

/** The text of a value for an error message: quoted and cut short. */
export function shown(raw: unknown): string {
  const text = String(raw);
  return JSON.stringify(text.length > 40 ? `${text.slice(0, 40)}…` : text);
}

/** An integer from `min` to `max` (inclusive); the error names the flag, the value and the range. */
export function parseIntIn(flag: string, raw: unknown, min: number, max: number): number {
  const n = parseDecimal(raw);
  if (!Number.isInteger(n) || n < min || n > max) {
    throw new Error(`--${flag}: got ${shown(raw)}, expected an integer from ${min} to ${max.toLocaleString('en-US')}`);
  }
  return n;
}

/** A finite number above 0 and at most `max`. */
export function parsePositiveIn(flag: string, raw: unknown, max: number): number {
  const n = parseDecimal(raw);
  if (!Number.isFinite(n) || n <= 0 || n > max) throw new Error(`--${flag}: got ${shown(raw)}, expected a number above 0 and at most ${max}`);
  return n;
}
