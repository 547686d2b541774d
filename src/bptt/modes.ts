/**
 * Gradient-flow modes (docs/method.md). In the adjoint recursion
 *   λ_n = ∂L/∂x_n + a·(∂P/∂x)ᵀλ_{n+1} + b·(∂N/∂x)ᵀĉ_n
 * a mode fixes (a, b); `combined` merges the physics and full fields.
 */

export type BaseMode = 'full' | 'physics' | 'network' | 'stop';
export type Mode = BaseMode | 'combined';

export interface Flow {
  /** Weight of the physics path (∂P/∂x)ᵀ. */
  readonly a: 0 | 1;
  /** Weight of the network path (∂N/∂x)ᵀ. */
  readonly b: 0 | 1;
}

export const FLOWS: Readonly<Record<BaseMode, Flow>> = {
  full: { a: 1, b: 1 },
  physics: { a: 1, b: 0 },
  network: { a: 0, b: 1 },
  stop: { a: 0, b: 0 },
};

/** No feedback through either path: the flow of a step whose state is cut by truncation. */
export const CUT: Flow = { a: 0, b: 0 };

export const MODES: readonly Mode[] = ['full', 'physics', 'network', 'stop', 'combined'];

/** Accepted spellings: the word, the paper's letter (R, M, S, C) and the code letter (F, P, N, S, C). */
const ALIASES: Readonly<Record<string, Mode>> = {
  full: 'full', r: 'full', f: 'full', regular: 'full',
  physics: 'physics', m: 'physics', p: 'physics', modified: 'physics',
  network: 'network', n: 'network',
  stop: 'stop', s: 'stop', stopped: 'stop',
  combined: 'combined', c: 'combined',
};

/** The paper's letter for a mode (network has none in the paper; it uses the code letter N). */
export const PAPER_LETTER: Readonly<Record<Mode, string>> = { full: 'R', physics: 'M', network: 'N', stop: 'S', combined: 'C' };

export const ACCEPTED_MODE_NAMES = 'full|R|F, physics|M|P, network|N, stop|S, combined|C';

export function parseMode(text: string): Mode {
  const mode = ALIASES[text.trim().toLowerCase()];
  if (!mode) throw new Error(`unknown gradient mode "${text}"; accepted: ${ACCEPTED_MODE_NAMES}`);
  return mode;
}

/** A per-step schedule of base modes, e.g. "physics*100" or "R*50,M*50" (steps listed in order). */
export function parseSchedule(text: string, steps: number): BaseMode[] {
  const out: BaseMode[] = [];
  for (const part of text.split(',')) {
    const [name, countText] = part.split('*');
    const mode = parseMode(name ?? '');
    if (mode === 'combined') throw new Error('a per-step schedule takes base modes only (full, physics, network, stop)');
    const count = countText === undefined ? 1 : Number(countText);
    if (!Number.isInteger(count) || count < 1) throw new Error(`schedule entry "${part}": the count after * must be a positive integer`);
    for (let i = 0; i < count; i++) out.push(mode);
  }
  if (out.length !== steps) throw new Error(`schedule covers ${out.length} steps but the unroll has ${steps}`);
  return out;
}

/**
 * Truncated BPTT with window k: a stop-gradient on the state x_n for n = k, 2k, … < Nt, cutting
 * both paths there (the flow of step n becomes (0, 0) whatever the mode says), so feedback from a
 * loss term travels back at most k steps. Blocks start at x_0; k ≥ Nt cuts nothing.
 */
export function truncateFlows(flowAt: (n: number) => Flow, k: number | null | undefined, steps: number): (n: number) => Flow {
  if (k === null || k === undefined || k >= steps) return flowAt;
  if (!Number.isInteger(k) || k < 1) throw new Error(`truncation window must be a positive integer, got ${k}`);
  return (n) => (n % k === 0 ? CUT : flowAt(n));
}

/** The truncation window as text, e.g. "10": a positive integer; the error says what is accepted. */
export function parseTruncation(text: string): number {
  const t = text.trim();
  const k = /^\d+$/.test(t) ? Number(t) : NaN;
  if (!Number.isSafeInteger(k) || k < 1) throw new Error(`got "${text}", expected a whole number of steps k ≥ 1 (feedback flows back at most k steps)`);
  return k;
}

/** A mode with an optional truncation window, as sweep lists spell it: "R", "C", "R/10" (R truncated to 10 steps). */
export interface FieldChoice {
  readonly mode: Mode;
  readonly truncate: number | null;
}

export function parseFieldChoice(text: string): FieldChoice {
  const [name, window, extra] = text.split('/');
  if (extra !== undefined) throw new Error(`"${text}": expected a mode, or a mode and a truncation window like R/10`);
  const mode = parseMode(name ?? '');
  if (window === undefined) return { mode, truncate: null };
  try {
    return { mode, truncate: parseTruncation(window) };
  } catch (e) {
    throw new Error(`"${text}": the truncation window ${(e as Error).message}`);
  }
}

/** How listings, figures and legends name a run's field: R, C, "R*50,M*50", R/10 (truncated to 10 steps). */
export function fieldLabel(config: { readonly mode: Mode; readonly schedule?: string | null; readonly truncate?: number | null }): string {
  const base = config.schedule ? config.schedule : PAPER_LETTER[config.mode];
  return config.truncate ? `${base}/${config.truncate}` : base;
}
