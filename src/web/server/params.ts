/**
 * Validation of everything a request carries: the request target (path segments and query)
 * and each API parameter. A bad value is an HttpError 400 naming the parameter and what is
 * accepted; nothing unvalidated reaches the store or the file system.
 */
import { STATUSES, type StoredStatus } from '../../runs/store.js';

export class HttpError extends Error {
  constructor(
    readonly status: 400 | 403 | 404 | 405,
    message: string,
  ) {
    super(message);
  }
}

export const bad = (message: string): HttpError => new HttpError(400, message);
export const notFound = (message: string): HttpError => new HttpError(404, message);

/** Longest request target accepted. */
export const MAX_TARGET_LENGTH = 2048;
/** Most initial states a rollout may ask for. */
export const MAX_SAMPLES = 16;
export const DEFAULT_SAMPLES = 4;
export const MAX_SWEEP_NAME = 200;

/** A value quoted for an error message, cut short. */
export function quote(text: string): string {
  return JSON.stringify(text.length > 60 ? `${text.slice(0, 60)}…` : text);
}

// Control characters (C0, DEL, C1) never belong in a path segment or parameter.
// eslint-disable-next-line no-control-regex
const CONTROL = /[\u0000-\u001f\u007f-\u009f]/;

export interface Target {
  /** Decoded path segments: "/" → [], "/api/runs/3" → ["api", "runs", "3"] (a trailing "/" is ignored). */
  segments: string[];
  query: URLSearchParams;
}

/**
 * Splits a raw request target ("/path?query") into decoded segments and the query. Refused
 * (400): anything but an origin-form path, backslashes, empty segments, malformed
 * percent-encoding, and "." / ".." segments or control characters (NUL…) whether written
 * plainly or percent-encoded.
 */
export function parseTarget(raw: string): Target {
  if (raw.length > MAX_TARGET_LENGTH) throw bad(`request target longer than ${MAX_TARGET_LENGTH} characters`);
  if (!raw.startsWith('/')) throw bad('request target must be a path starting with "/"');
  const q = raw.indexOf('?');
  const path = q < 0 ? raw : raw.slice(0, q);
  const query = new URLSearchParams(q < 0 ? '' : raw.slice(q + 1));
  if (path.includes('\\')) throw bad('backslashes are not allowed in paths');
  const parts = path.slice(1).split('/');
  if (parts[parts.length - 1] === '') parts.pop();
  const segments = parts.map((part) => {
    if (part === '') throw bad('empty path segment');
    let s: string;
    try {
      s = decodeURIComponent(part);
    } catch {
      throw bad('malformed percent-encoding in path');
    }
    // "..", and also "..%2f…" or "..%5c…": no part of a decoded segment may be "." or "..".
    if (s.split(/[\\/]/).some((p) => p === '.' || p === '..')) throw bad('path traversal refused: "." and ".." segments are not allowed');
    if (CONTROL.test(s)) throw bad('control characters are not allowed in paths');
    return s;
  });
  return { segments, query };
}

/** Every query parameter must be one of `allowed` and appear at most once. */
export function checkQuery(query: URLSearchParams, allowed: readonly string[]): void {
  const seen = new Set<string>();
  for (const key of query.keys()) {
    if (!allowed.includes(key)) {
      const accepted = allowed.length ? `accepted: ${allowed.join(', ')}` : 'this route takes none';
      throw bad(`unknown query parameter ${quote(key)}; ${accepted}`);
    }
    if (seen.has(key)) throw bad(`query parameter "${key}" given more than once`);
    seen.add(key);
  }
}

/** A run id: a positive integer written in plain digits ("3", not "03", "3.0" or "+3"). */
export function parseRunId(text: string): number {
  if (!/^[1-9][0-9]{0,14}$/.test(text)) throw bad(`run id must be a positive integer, got ${quote(text)}`);
  return Number(text);
}

/** `n` of the initial states: 1 … min(MAX_SAMPLES, available), DEFAULT_SAMPLES when absent. */
export function parseSampleCount(text: string | null, available: number): number {
  if (text === null) return Math.min(DEFAULT_SAMPLES, available);
  const max = Math.min(MAX_SAMPLES, available);
  const n = /^[1-9][0-9]{0,2}$/.test(text) ? Number(text) : NaN;
  if (!(n >= 1 && n <= max)) throw bad(`n must be an integer from 1 to ${max}, got ${quote(text)}`);
  return n;
}

export function parseStatus(text: string): StoredStatus {
  if (!(STATUSES as readonly string[]).includes(text)) throw bad(`status must be one of ${STATUSES.join(', ')}, got ${quote(text)}`);
  return text as StoredStatus;
}

/** A problem name's form (built-in or a module's: lower-case letters, digits, dashes). */
export function parseProblem(text: string): string {
  if (!/^[a-z][a-z0-9-]{0,39}$/.test(text)) throw bad(`problem must be a problem name (lower-case letters, digits and dashes), got ${quote(text)}`);
  return text;
}

/** A sweep name's form (whether the sweep exists is the API's check: unknown → 404). */
export function checkSweepName(text: string): string {
  if (text.length < 1 || text.length > MAX_SWEEP_NAME || CONTROL.test(text)) {
    throw bad(`sweep must be a name of 1 to ${MAX_SWEEP_NAME} printable characters, got ${quote(text)}`);
  }
  return text;
}
