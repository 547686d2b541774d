/**
 * The combined update of mode C: keep the base field's component where its sign
 * agrees with the comparison field's (the true gradient), else 0. Signs differ at a
 * zero of exactly one of them, and a NaN never agrees.
 */
export function combineSignAgreement(base: Float64Array, comparison: Float64Array, out: Float64Array): Float64Array {
  if (base.length !== comparison.length || out.length !== base.length) {
    throw new Error(`combineSignAgreement: lengths ${base.length}, ${comparison.length}, ${out.length} differ`);
  }
  for (let i = 0; i < base.length; i++) {
    const u = base[i]!;
    out[i] = Math.sign(u) === Math.sign(comparison[i]!) ? u : 0;
  }
  return out;
}
