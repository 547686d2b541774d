/** Clipping of the update before it reaches the optimizer (training.md). */

export type ClipMode = 'NONE' | 'VALUE' | 'NORM';

export const CLIP_MODES: readonly ClipMode[] = ['NONE', 'VALUE', 'NORM'];

/** Case-insensitive; throws an Error naming the value and the accepted modes. */
export function parseClipMode(text: string): ClipMode {
  const upper = String(text).trim().toUpperCase();
  const found = CLIP_MODES.find((m) => m === upper);
  if (found === undefined) {
    throw new Error(`unknown clipping mode '${text}'; accepted values: ${CLIP_MODES.join(', ')}`);
  }
  return found;
}

/**
 * Clips `u` in place and returns it.
 * - NONE: unchanged.
 * - VALUE: every component clipped to [−c, c].
 * - NORM: global L2 norm over all parameters, u ← u · c / max(‖u‖₂, c)
 *   (so vectors already inside the ball are untouched).
 */
export function clipUpdate(u: Float64Array, mode: ClipMode, c: number): Float64Array {
  if (!Number.isFinite(c) || c <= 0) throw new Error(`clipping number must be a finite number > 0, got ${c}`);
  switch (mode) {
    case 'NONE':
      return u;
    case 'VALUE':
      for (let i = 0; i < u.length; i++) u[i] = Math.min(c, Math.max(-c, u[i]!));
      return u;
    case 'NORM': {
      let sq = 0;
      for (let i = 0; i < u.length; i++) sq += u[i]! * u[i]!;
      const norm = Math.sqrt(sq);
      if (norm > c) {
        const scale = c / norm;
        for (let i = 0; i < u.length; i++) u[i] = u[i]! * scale;
      }
      return u;
    }
    default:
      throw new Error(`unknown clipping mode '${String(mode)}'; accepted values: ${CLIP_MODES.join(', ')}`);
  }
}
