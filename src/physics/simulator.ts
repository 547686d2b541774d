/**
 * What the unroll needs from a physics problem: a batched step P(x, c) with its
 * vector-Jacobian product, and the loss as a sum of per-step terms.
 *
 * States are flat per sample ([B][stateSize]), controls likewise ([B][controlSize]).
 * Implementations are fused loops over typed arrays and must not allocate per call.
 */
export interface Simulator {
  readonly stateSize: number;
  readonly controlSize: number;
  /** xNext = P(x, c) for a batch of B samples. */
  step(x: Float64Array, c: Float64Array, xNext: Float64Array, B: number): void;
  /**
   * Given λ = ∂L/∂xNext: writes cBar = (∂P/∂c)ᵀλ and, when xBar is not null, xBar = (∂P/∂x)ᵀλ.
   * xNext is P(x, c), passed so implicit steps need not solve again.
   */
  stepVjp(
    x: Float64Array,
    c: Float64Array,
    xNext: Float64Array,
    xNextBar: Float64Array,
    xBar: Float64Array | null,
    cBar: Float64Array,
    B: number,
  ): void;
  /** Multiply-adds per sample and step, for FLOP counts (0 if negligible). */
  readonly macsPerSample?: number;
}

/**
 * L = Σ_{n=1..Nt} term(x_n) (FINAL losses are 0 before the last step). Every term already
 * includes the problem's reduction over the batch, so L is the batch loss.
 */
export interface Loss {
  readonly kind: 'final' | 'continuous';
  /** The term of step n (1 ≤ n ≤ Nt) and, when xBar is given, ADDS its gradient ∂term/∂x_n. */
  term(x: Float64Array, n: number, Nt: number, B: number, xBar: Float64Array | null): number;
}
