/**
 * The force terms of guidance by repulsion (docs/problems.md), one sample at a time, each with
 * its vector-Jacobian product. The simulator adds up the enabled terms; tests gradcheck each
 * term alone by enabling only it.
 *
 * Per sample the state is [A][2: position, velocity][2: x, y] with A = drivers + evaders,
 * drivers first: agent a's position is x[o + 4a], x[o + 4a + 1], its velocity x[o + 4a + 2],
 * x[o + 4a + 3]. The control is [drivers][2: u_r, u_t] at c[co + 2k]. Accelerations and their
 * cotangents are [A][2: x, y] (scratch of the simulator, offset 0).
 *
 * Forward functions ADD their acceleration to `acc`; VJP functions ADD their contribution to
 * `xBar` (at offset o) given accBar, except the control's VJP which also ADDS into `cBar`.
 */

/** Physics constants; every distance is softened: d = eps + |Δ|. */
export interface RepulsionConstants {
  eps: number;
  cEvade: number;
  /** Evader friction. */
  cFricEv: number;
  cFlock: number;
  dFlock: number;
  /** Driver friction. */
  cFricDr: number;
  cSpread: number;
  /** Time step (T/Nt). */
  dt: number;
}

/** Drivers and evaders of one problem instance. */
export interface Agents {
  readonly drivers: number;
  readonly evaders: number;
}

export const REPULSION_TERMS = ['evade', 'friction', 'flock', 'spread', 'control'] as const;
export type RepulsionTerm = (typeof REPULSION_TERMS)[number];

// ---------------------------------------------------------------------------------------------
// The radial pair force shared by evade, spread and flocking:
//   f(Δ) = φ(d)·Δ,  φ(d) = (α/d − β)/d,  d = ε + r,  r = |Δ|
// (evade, spread: α = c, β = 0, i.e. c·Δ/d²; flocking: α = c_flock·d_flock, β = c_flock).
// Its VJP: Δ̄ = φ(d)·ḡ + (φ'(d)/r)·(Δ·ḡ)·Δ with φ'(d) = (β − 2α/d)/d²; at r = 0 the second part
// is taken as 0 (a subgradient; the published code would give NaN there).

/** φ(d) of the pair at distance r. */
export function radialPhi(r: number, alpha: number, beta: number, eps: number): number {
  const d = eps + r;
  return (alpha / d - beta) / d;
}

/** φ'(d)/r of the pair at distance r (0 at r = 0). */
export function radialDphiOverR(r: number, alpha: number, beta: number, eps: number): number {
  if (r === 0) return 0;
  const d = eps + r;
  return (beta - (2 * alpha) / d) / (d * d * r);
}

/**
 * Symmetric pairs among agents [first, first + count): a_i += s·f(p_i − p_j), a_j −= s·f(p_i − p_j)
 * for every i < j (s·f folds the coefficient into α, β).
 */
function addSymmetricPairs(x: Float64Array, o: number, first: number, count: number, alpha: number, beta: number, eps: number, acc: Float64Array): void {
  for (let i = first; i < first + count; i++) {
    const pix = x[o + 4 * i]!, piy = x[o + 4 * i + 1]!;
    for (let j = i + 1; j < first + count; j++) {
      const dx = pix - x[o + 4 * j]!, dy = piy - x[o + 4 * j + 1]!;
      const phi = radialPhi(Math.hypot(dx, dy), alpha, beta, eps);
      acc[2 * i]! += phi * dx;
      acc[2 * i + 1]! += phi * dy;
      acc[2 * j]! -= phi * dx;
      acc[2 * j + 1]! -= phi * dy;
    }
  }
}

function symmetricPairsVjp(
  x: Float64Array,
  o: number,
  first: number,
  count: number,
  alpha: number,
  beta: number,
  eps: number,
  accBar: Float64Array,
  xBar: Float64Array,
): void {
  for (let i = first; i < first + count; i++) {
    const pix = x[o + 4 * i]!, piy = x[o + 4 * i + 1]!;
    for (let j = i + 1; j < first + count; j++) {
      const dx = pix - x[o + 4 * j]!, dy = piy - x[o + 4 * j + 1]!;
      const r = Math.hypot(dx, dy);
      const phi = radialPhi(r, alpha, beta, eps);
      const kappa = radialDphiOverR(r, alpha, beta, eps);
      // f enters a_i with +, a_j with −.
      const gx = accBar[2 * i]! - accBar[2 * j]!, gy = accBar[2 * i + 1]! - accBar[2 * j + 1]!;
      const s = kappa * (dx * gx + dy * gy);
      const bx = phi * gx + s * dx, by = phi * gy + s * dy;
      xBar[o + 4 * i]! += bx;
      xBar[o + 4 * i + 1]! += by;
      xBar[o + 4 * j]! -= bx;
      xBar[o + 4 * j + 1]! -= by;
    }
  }
}

// ---------------------------------------------------------------------------------------------
// Evade: a_e += Σ_d c_evade·(x_e − x_d)/d². Drivers feel nothing from evaders.

export function addEvade(x: Float64Array, o: number, n: Agents, k: RepulsionConstants, acc: Float64Array): void {
  const { drivers, evaders } = n;
  for (let e = drivers; e < drivers + evaders; e++) {
    const pex = x[o + 4 * e]!, pey = x[o + 4 * e + 1]!;
    let ax = 0, ay = 0;
    for (let d = 0; d < drivers; d++) {
      const dx = pex - x[o + 4 * d]!, dy = pey - x[o + 4 * d + 1]!;
      const phi = radialPhi(Math.hypot(dx, dy), k.cEvade, 0, k.eps);
      ax += phi * dx;
      ay += phi * dy;
    }
    acc[2 * e]! += ax;
    acc[2 * e + 1]! += ay;
  }
}

export function evadeVjp(x: Float64Array, o: number, n: Agents, k: RepulsionConstants, accBar: Float64Array, xBar: Float64Array): void {
  const { drivers, evaders } = n;
  for (let e = drivers; e < drivers + evaders; e++) {
    const pex = x[o + 4 * e]!, pey = x[o + 4 * e + 1]!;
    const gx = accBar[2 * e]!, gy = accBar[2 * e + 1]!;
    for (let d = 0; d < drivers; d++) {
      const dx = pex - x[o + 4 * d]!, dy = pey - x[o + 4 * d + 1]!;
      const r = Math.hypot(dx, dy);
      const phi = radialPhi(r, k.cEvade, 0, k.eps);
      const s = radialDphiOverR(r, k.cEvade, 0, k.eps) * (dx * gx + dy * gy);
      const bx = phi * gx + s * dx, by = phi * gy + s * dy;
      xBar[o + 4 * e]! += bx;
      xBar[o + 4 * e + 1]! += by;
      xBar[o + 4 * d]! -= bx;
      xBar[o + 4 * d + 1]! -= by;
    }
  }
}

// ---------------------------------------------------------------------------------------------
// Friction: a −= c_fric_dr·v for drivers, c_fric_ev·v for evaders.

export function addFriction(x: Float64Array, o: number, n: Agents, k: RepulsionConstants, acc: Float64Array): void {
  const A = n.drivers + n.evaders;
  for (let a = 0; a < A; a++) {
    const c = a < n.drivers ? k.cFricDr : k.cFricEv;
    acc[2 * a]! -= c * x[o + 4 * a + 2]!;
    acc[2 * a + 1]! -= c * x[o + 4 * a + 3]!;
  }
}

export function frictionVjp(_x: Float64Array, o: number, n: Agents, k: RepulsionConstants, accBar: Float64Array, xBar: Float64Array): void {
  const A = n.drivers + n.evaders;
  for (let a = 0; a < A; a++) {
    const c = a < n.drivers ? k.cFricDr : k.cFricEv;
    xBar[o + 4 * a + 2]! -= c * accBar[2 * a]!;
    xBar[o + 4 * a + 3]! -= c * accBar[2 * a + 1]!;
  }
}

// ---------------------------------------------------------------------------------------------
// Flocking (quirk sign): a_e += Σ_{i≠e} c_flock·p(d_ie)·(x_i − x_e), p(d) = (d_flock/d − 1)/d, so
// evaders closer than d_flock (d includes ε) attract, farther ones repel. Per unordered pair
// i < j with Δ = x_i − x_j: a_i −= c_flock·p·Δ, a_j += c_flock·p·Δ, i.e. the symmetric pair with
// φ = −c_flock·p: α = −c_flock·d_flock, β = −c_flock.

export function addFlock(x: Float64Array, o: number, n: Agents, k: RepulsionConstants, acc: Float64Array): void {
  addSymmetricPairs(x, o, n.drivers, n.evaders, -k.cFlock * k.dFlock, -k.cFlock, k.eps, acc);
}

export function flockVjp(x: Float64Array, o: number, n: Agents, k: RepulsionConstants, accBar: Float64Array, xBar: Float64Array): void {
  symmetricPairsVjp(x, o, n.drivers, n.evaders, -k.cFlock * k.dFlock, -k.cFlock, k.eps, accBar, xBar);
}

// ---------------------------------------------------------------------------------------------
// Spread: a_k += Σ_{j≠k} c_spread·(x_k − x_j)/d² among drivers.

export function addSpread(x: Float64Array, o: number, n: Agents, k: RepulsionConstants, acc: Float64Array): void {
  addSymmetricPairs(x, o, 0, n.drivers, k.cSpread, 0, k.eps, acc);
}

export function spreadVjp(x: Float64Array, o: number, n: Agents, k: RepulsionConstants, accBar: Float64Array, xBar: Float64Array): void {
  symmetricPairsVjp(x, o, 0, n.drivers, k.cSpread, 0, k.eps, accBar, xBar);
}

// ---------------------------------------------------------------------------------------------
// Control: a_k += u_r·Δ + u_t·rot(Δ), Δ = x_k − S, S = Σ_e x_e (quirk: the sum), rot(a, b) = (−b, a).

export function addControl(x: Float64Array, o: number, c: Float64Array, co: number, n: Agents, acc: Float64Array): void {
  let sx = 0, sy = 0;
  for (let e = n.drivers; e < n.drivers + n.evaders; e++) {
    sx += x[o + 4 * e]!;
    sy += x[o + 4 * e + 1]!;
  }
  for (let d = 0; d < n.drivers; d++) {
    const dx = x[o + 4 * d]! - sx, dy = x[o + 4 * d + 1]! - sy;
    const ur = c[co + 2 * d]!, ut = c[co + 2 * d + 1]!;
    acc[2 * d]! += ur * dx - ut * dy;
    acc[2 * d + 1]! += ur * dy + ut * dx;
  }
}

/** Adds (∂a/∂c)ᵀ accBar into cBar and, when xBar is not null, (∂a/∂x)ᵀ accBar into xBar (Δ depends on x). */
export function controlVjp(
  x: Float64Array,
  o: number,
  c: Float64Array,
  co: number,
  n: Agents,
  accBar: Float64Array,
  xBar: Float64Array | null,
  cBar: Float64Array,
): void {
  let sx = 0, sy = 0;
  for (let e = n.drivers; e < n.drivers + n.evaders; e++) {
    sx += x[o + 4 * e]!;
    sy += x[o + 4 * e + 1]!;
  }
  let sBarX = 0, sBarY = 0;
  for (let d = 0; d < n.drivers; d++) {
    const dx = x[o + 4 * d]! - sx, dy = x[o + 4 * d + 1]! - sy;
    const ur = c[co + 2 * d]!, ut = c[co + 2 * d + 1]!;
    const gx = accBar[2 * d]!, gy = accBar[2 * d + 1]!;
    cBar[co + 2 * d]! += gx * dx + gy * dy;
    cBar[co + 2 * d + 1]! += gy * dx - gx * dy;
    if (xBar) {
      // Δ̄ = u_r·ḡ + u_t·rotᵀḡ, rotᵀ(g) = (g_y, −g_x).
      const bx = ur * gx + ut * gy, by = ur * gy - ut * gx;
      xBar[o + 4 * d]! += bx;
      xBar[o + 4 * d + 1]! += by;
      sBarX += bx;
      sBarY += by;
    }
  }
  if (xBar) {
    for (let e = n.drivers; e < n.drivers + n.evaders; e++) {
      xBar[o + 4 * e]! -= sBarX;
      xBar[o + 4 * e + 1]! -= sBarY;
    }
  }
}
