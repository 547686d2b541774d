/** Small reductions over flat float64 vectors (parameter-sized, outside the hot loops). */

export function dot(a: Float64Array, b: Float64Array): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += a[i]! * b[i]!;
  return s;
}

export function squaredNorm(a: Float64Array): number {
  return dot(a, a);
}

/** ⟨a, b⟩ / (‖a‖‖b‖); 0 when either vector is zero. */
export function cosineSimilarity(a: Float64Array, b: Float64Array): number {
  const na = Math.sqrt(squaredNorm(a));
  const nb = Math.sqrt(squaredNorm(b));
  return na === 0 || nb === 0 ? 0 : dot(a, b) / (na * nb);
}

export function allFinite(a: Float64Array): boolean {
  for (let i = 0; i < a.length; i++) if (!Number.isFinite(a[i]!)) return false;
  return true;
}
