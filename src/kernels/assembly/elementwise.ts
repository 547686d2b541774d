/** tanh, convolution windows and row scaling (see kernels.ts for the conventions). */

// ---------------------------------------------------------------------------------------------
// tanh

/**
 * tanhSmall(p, bytes, flag): for the numbers at p … p+bytes (bytes a multiple of 16), those with
 * |x| < 0.625 become x + x·z·P(z)/Q(z), z = x² (z = 0 keeps x), in the order ../js/tanh.ts uses, so in
 * f64 the same numbers; the others stay, and the v128 at `flag` becomes non-zero (a JS pass then
 * finishes them). Branch-free; the constants are splatted once, outside the loop.
 */
@inline export function tanhSmall<T>(p: usize, bytes: usize, flag: usize): void {
  const p0 = v128.splat<T>(<T>-9.64399179425052238628e-1), p1 = v128.splat<T>(<T>-9.92877231001918586564e1), p2 = v128.splat<T>(<T>-1.61468768441708447952e3);
  const q0 = v128.splat<T>(<T>1.12811678491632931402e2), q1 = v128.splat<T>(<T>2.23548839060100448583e3), q2 = v128.splat<T>(<T>4.84406305325125486048e3);
  const limit = v128.splat<T>(<T>0.625), zero = v128.splat<T>(<T>0);
  let all = v128.not(zero);
  for (let i: usize = 0; i < bytes; i += 16) {
    const x = v128.load(p + i);
    const z = v128.mul<T>(x, x);
    const num = v128.add<T>(v128.mul<T>(v128.add<T>(v128.mul<T>(p0, z), p1), z), p2);
    const den = v128.add<T>(v128.mul<T>(v128.add<T>(v128.mul<T>(v128.add<T>(z, q0), z), q1), z), q2);
    const r = v128.add<T>(x, v128.mul<T>(v128.mul<T>(x, z), v128.div<T>(num, den)));
    const small = v128.lt<T>(v128.abs<T>(x), limit);
    all = v128.and(all, small);
    v128.store(p + i, v128.bitselect(r, x, v128.andnot(small, v128.eq<T>(z, zero))));
  }
  v128.store(flag, v128.not(all));
}

/**
 * tanhF32(p, bytes): tanh of every f32 at p … p+bytes (bytes a multiple of 16), entirely in
 * f32x4: a rational approximation x·P(x²)/Q(x²) on x clamped to ±7.90531 (Eigen's float tanh:
 * odd, monotone, tanh rounds to ±1 in f32 beyond); measured within 2.9e-7 relative of tanh for
 * 1e-12 ≤ |x| ≤ 10 (Eigen returns x itself below 4e-4: the rational is as close there, so that
 * select is left out). Two vectors per iteration, so their chains overlap. NaN stays NaN. The f32
 * kernels need no JS pass for large arguments, unlike tanhSmall.
 */
@inline export function tanhF32(p: usize, bytes: usize): void {
  const hi = f32x4.splat(7.90531110763549805), lo = f32x4.splat(-7.90531110763549805);
  const a1 = f32x4.splat(4.89352455891786e-3), a3 = f32x4.splat(6.37261928875436e-4), a5 = f32x4.splat(1.48572235717979e-5);
  const a7 = f32x4.splat(5.12229709037114e-8), a9 = f32x4.splat(-8.60467152213735e-11), a11 = f32x4.splat(2.00018790482477e-13);
  const a13 = f32x4.splat(-2.76076847742355e-16);
  const b0 = f32x4.splat(4.89352518554385e-3), b2 = f32x4.splat(2.26843463243900e-3), b4 = f32x4.splat(1.18534705686654e-4);
  const b6 = f32x4.splat(1.19825839466702e-6);
  let i: usize = 0;
  for (; i + 32 <= bytes; i += 32) {
    const u = tanhVecF32(v128.load(p + i), hi, lo, a1, a3, a5, a7, a9, a11, a13, b0, b2, b4, b6);
    const v = tanhVecF32(v128.load(p + i, 16), hi, lo, a1, a3, a5, a7, a9, a11, a13, b0, b2, b4, b6);
    v128.store(p + i, u);
    v128.store(p + i, v, 16);
  }
  if (i < bytes) v128.store(p + i, tanhVecF32(v128.load(p + i), hi, lo, a1, a3, a5, a7, a9, a11, a13, b0, b2, b4, b6));
}

/** tanhF32's rational on one vector; the constants come in as arguments so the caller splats them once, outside its loop. */
@inline function tanhVecF32(
  x0: v128, hi: v128, lo: v128, a1: v128, a3: v128, a5: v128, a7: v128, a9: v128, a11: v128, a13: v128, b0: v128, b2: v128, b4: v128, b6: v128,
): v128 {
  // pmin/pmax keep a NaN x (it is their first operand when the comparison fails).
  const x = v128.pmax<f32>(v128.pmin<f32>(x0, hi), lo);
  const z = v128.mul<f32>(x, x);
  let num = v128.add<f32>(v128.mul<f32>(z, a13), a11);
  num = v128.add<f32>(v128.mul<f32>(z, num), a9);
  num = v128.add<f32>(v128.mul<f32>(z, num), a7);
  num = v128.add<f32>(v128.mul<f32>(z, num), a5);
  num = v128.add<f32>(v128.mul<f32>(z, num), a3);
  num = v128.add<f32>(v128.mul<f32>(z, num), a1);
  num = v128.mul<f32>(x, num);
  let den = v128.add<f32>(v128.mul<f32>(z, b6), b4);
  den = v128.add<f32>(v128.mul<f32>(z, den), b2);
  den = v128.add<f32>(v128.mul<f32>(z, den), b0);
  return v128.div<f32>(num, den);
}

// ---------------------------------------------------------------------------------------------
// Kernel-3, stride-2 convolution windows (../conv.ts describes the layout)

/** dst[i] = src[i] for the `bytes` bytes at each: vectors, then single numbers. */
@inline function copy<T>(dst: usize, src: usize, bytes: usize): void {
  const E = <usize>sizeof<T>();
  let i: usize = 0;
  for (; i + 16 <= bytes; i += 16) v128.store(dst + i, v128.load(src + i));
  for (; i < bytes; i += E) store<T>(dst + i, load<T>(src + i));
}

/** cols[r][t] = the 3C numbers of x[r] (rows [L][C]) from position 2t on, r < n, t < T. */
@inline export function im2col<T>(x: usize, n: i32, T: i32, C: i32, L: i32, cols: usize): void {
  const E = <usize>sizeof<T>();
  const KB = <usize>(3 * C) * E, CB = <usize>C * E;
  let pc = cols;
  for (let r = 0; r < n; r++) {
    let ps = x + <usize>r * <usize>L * CB;
    for (let t = 0; t < T; t++) {
      copy<T>(pc, ps, KB);
      pc += KB;
      ps += 2 * CB;
    }
  }
}

/**
 * out[o + c] = (dc[a + c] (+ dc[b + c]))·(1 − h[hp + c]²), c < C (byte pointers; b = 0: absent): one
 * position of col2im. With h zeros: times 1, exactly.
 */
@inline function position<T>(a: usize, b: usize, hp: usize, o: usize, CB: usize): void {
  const E = <usize>sizeof<T>();
  const one = v128.splat<T>(<T>1);
  let c: usize = 0;
  for (; c + 16 <= CB; c += 16) {
    let v = v128.load(a + c);
    if (b) v = v128.add<T>(v, v128.load(b + c));
    const hh = v128.load(hp + c);
    v128.store(o + c, v128.mul<T>(v, v128.sub<T>(one, v128.mul<T>(hh, hh))));
  }
  for (; c < CB; c += E) {
    let v = load<T>(a + c);
    if (b) v = v + load<T>(b + c);
    const hh = load<T>(hp + c);
    store<T>(o + c, v * (<T>1 - hh * hh));
  }
}

/**
 * From window cotangents dc [n][T][3C] (part k of window t belongs to position 2t + k) to position
 * cotangents out [n][L][C]: the parts that belong to a position summed (two where windows overlap:
 * part 2 of window t plus part 0 of window t + 1), times 1 − h² (h rows hs numbers apart; zeros with
 * hs = 0: times 1), 0 for a position no window reads.
 */
@inline export function col2im<T>(dc: usize, n: i32, T: i32, C: i32, L: i32, h: usize, hs: i32, out: usize): void {
  const E = <usize>sizeof<T>();
  const CB = <usize>C * E, KB = CB * 3;
  for (let r = 0; r < n; r++) {
    const pd = dc + <usize>r * <usize>T * KB;
    let po = out + <usize>r * <usize>L * CB;
    let ph = h + <usize>r * <usize>hs * E;
    position<T>(pd, 0, ph, po, CB); // position 0: part 0 of window 0
    po += CB; ph += CB;
    for (let t = 0; t < T; t++) {
      const w = pd + <usize>t * KB;
      position<T>(w + CB, 0, ph, po, CB); // 2t + 1: part 1 of window t
      po += CB; ph += CB;
      position<T>(w + 2 * CB, t + 1 < T ? w + KB : 0, ph, po, CB); // 2t + 2: part 2 (+ part 0 of window t + 1)
      po += CB; ph += CB;
    }
    // 2T + 1 (when L is even): no window reads it.
    if (L > 2 * T + 1) for (let c: usize = 0; c < CB; c += E) store<T>(po + c, <T>0);
  }
}

/**
 * out[r][i] = (c[r]·v[r·vs + i])·(1 − h[r·hs + i]²), r < n, i < len (out rows len apart; out may be
 * v): rows scaled one factor each (vs = len) or one row scaled by each factor (vs = 0), times a
 * tanh derivative (h zeros with hs = 0: none).
 */
@inline export function scaleRows<T>(c: usize, n: i32, v: usize, vs: i32, len: i32, h: usize, hs: i32, out: usize): void {
  const E = <usize>sizeof<T>();
  const lenB = <usize>len * E;
  const one = v128.splat<T>(<T>1);
  let pv = v, ph = h, po = out;
  for (let r = 0; r < n; r++) {
    const f = load<T>(c + <usize>r * E);
    const s = v128.splat<T>(f);
    let i: usize = 0;
    for (; i + 16 <= lenB; i += 16) {
      const hh = v128.load(ph + i);
      v128.store(po + i, v128.mul<T>(v128.mul<T>(s, v128.load(pv + i)), v128.sub<T>(one, v128.mul<T>(hh, hh))));
    }
    for (; i < lenB; i += E) {
      const hh = load<T>(ph + i);
      store<T>(po + i, f * load<T>(pv + i) * (<T>1 - hh * hh));
    }
    pv += <usize>vs * E;
    ph += <usize>hs * E;
    po += lenB;
  }
}

