/**
 * The WebAssembly SIMD kernels, in AssemblyScript (compiled by `asc` at build time: scripts/build-kernels.ts).
 *
 * Every kernel is written once, generic in the number type T (f64 or f32), and exported twice
 * (`name_f64`, `name_f32`): L = 16 / sizeof<T>() numbers per v128 (2 or 4). Operands are byte
 * pointers into the module's one imported memory (env.memory); matrices are row-major.
 *
 * Exactness: each output is accumulated in index order from its start value with a separate
 * multiply and add (wasm SIMD has no FMA), which is what the plain-JS kernels (../js/) do; so in
 * f64 both give the same numbers bit for bit. Vector blocks first, then one vector, then single
 * numbers: any shape is accepted, the tails just run slower.
 */

// ---------------------------------------------------------------------------------------------
// Dense products

/**
 * c[r][j] = bias[j] + Σ_i a[r][i]·b[i][j] for r < n, j < m (rows of a k apart). Two rows × 4
 * vectors per inner iteration (8 accumulators; per i, 2 splat loads of a and 4 vector loads of a
 * b row feed 8 vector multiply-adds), then 2 rows × 2 vectors, 2 rows × 1 vector, single
 * columns; an odd last row alone.
 */
@inline function matmul<T>(a: usize, n: i32, k: i32, b: usize, m: i32, c: usize, bias: usize): void {
  const E = <usize>sizeof<T>();
  const L = 16 / sizeof<T>();
  const kB = <usize>k * E, mB = <usize>m * E;
  let r = 0;
  for (; r + 2 <= n; r += 2) {
    const pa0 = a + <usize>r * kB, pa1 = pa0 + kB;
    const pc = c + <usize>r * mB;
    let j = 0;
    for (; j + 4 * L <= m; j += 4 * L) {
      const jB = <usize>j * E;
      let a0 = v128.load(bias + jB, 0), a1 = v128.load(bias + jB, 16), a2 = v128.load(bias + jB, 32), a3 = v128.load(bias + jB, 48);
      let b0 = a0, b1 = a1, b2 = a2, b3 = a3;
      let pb = b + jB;
      for (let i: usize = 0; i < kB; i += E) {
        const s0 = v128.load_splat<T>(pa0 + i), s1 = v128.load_splat<T>(pa1 + i);
        let t = v128.load(pb, 0);
        a0 = v128.add<T>(a0, v128.mul<T>(s0, t)); b0 = v128.add<T>(b0, v128.mul<T>(s1, t));
        t = v128.load(pb, 16);
        a1 = v128.add<T>(a1, v128.mul<T>(s0, t)); b1 = v128.add<T>(b1, v128.mul<T>(s1, t));
        t = v128.load(pb, 32);
        a2 = v128.add<T>(a2, v128.mul<T>(s0, t)); b2 = v128.add<T>(b2, v128.mul<T>(s1, t));
        t = v128.load(pb, 48);
        a3 = v128.add<T>(a3, v128.mul<T>(s0, t)); b3 = v128.add<T>(b3, v128.mul<T>(s1, t));
        pb += mB;
      }
      v128.store(pc + jB, a0, 0); v128.store(pc + jB, a1, 16); v128.store(pc + jB, a2, 32); v128.store(pc + jB, a3, 48);
      v128.store(pc + mB + jB, b0, 0); v128.store(pc + mB + jB, b1, 16); v128.store(pc + mB + jB, b2, 32); v128.store(pc + mB + jB, b3, 48);
    }
    for (; j + 2 * L <= m; j += 2 * L) {
      const jB = <usize>j * E;
      let a0 = v128.load(bias + jB, 0), a1 = v128.load(bias + jB, 16);
      let b0 = a0, b1 = a1;
      let pb = b + jB;
      for (let i: usize = 0; i < kB; i += E) {
        const s0 = v128.load_splat<T>(pa0 + i), s1 = v128.load_splat<T>(pa1 + i);
        const t0 = v128.load(pb, 0), t1 = v128.load(pb, 16);
        a0 = v128.add<T>(a0, v128.mul<T>(s0, t0)); b0 = v128.add<T>(b0, v128.mul<T>(s1, t0));
        a1 = v128.add<T>(a1, v128.mul<T>(s0, t1)); b1 = v128.add<T>(b1, v128.mul<T>(s1, t1));
        pb += mB;
      }
      v128.store(pc + jB, a0, 0); v128.store(pc + jB, a1, 16);
      v128.store(pc + mB + jB, b0, 0); v128.store(pc + mB + jB, b1, 16);
    }
    for (; j + L <= m; j += L) {
      const jB = <usize>j * E;
      let a0 = v128.load(bias + jB), b0 = a0;
      let pb = b + jB;
      for (let i: usize = 0; i < kB; i += E) {
        const t = v128.load(pb);
        a0 = v128.add<T>(a0, v128.mul<T>(v128.load_splat<T>(pa0 + i), t));
        b0 = v128.add<T>(b0, v128.mul<T>(v128.load_splat<T>(pa1 + i), t));
        pb += mB;
      }
      v128.store(pc + jB, a0);
      v128.store(pc + mB + jB, b0);
    }
    for (; j < m; j++) {
      const jB = <usize>j * E;
      let a0 = load<T>(bias + jB), b0 = a0;
      let pb = b + jB;
      for (let i: usize = 0; i < kB; i += E) {
        const t = load<T>(pb);
        a0 = a0 + load<T>(pa0 + i) * t;
        b0 = b0 + load<T>(pa1 + i) * t;
        pb += mB;
      }
      store<T>(pc + jB, a0);
      store<T>(pc + mB + jB, b0);
    }
  }
  if (r < n) {
    const pa0 = a + <usize>r * kB, pc = c + <usize>r * mB;
    let j = 0;
    for (; j + L <= m; j += L) {
      const jB = <usize>j * E;
      let a0 = v128.load(bias + jB);
      let pb = b + jB;
      for (let i: usize = 0; i < kB; i += E) {
        a0 = v128.add<T>(a0, v128.mul<T>(v128.load_splat<T>(pa0 + i), v128.load(pb)));
        pb += mB;
      }
      v128.store(pc + jB, a0);
    }
    for (; j < m; j++) {
      const jB = <usize>j * E;
      let a0 = load<T>(bias + jB);
      let pb = b + jB;
      for (let i: usize = 0; i < kB; i += E) {
        a0 = a0 + load<T>(pa0 + i) * load<T>(pb);
        pb += mB;
      }
      store<T>(pc + jB, a0);
    }
  }
}

/**
 * d[i][j] += Σ_r x[r][i]·g[r][j] for i < k (a multiple of 4), j < m; rows of x ldx apart. Each sum
 * runs over r in order and is then added to d. Blocks of 4 i × 2 vectors (8 accumulators; per
 * row 4 splat loads of x and 2 vector loads of g), then 4 i × 1 vector, then 4 i × 1 column.
 * Inputs k4 ≥ ldx read up to 3 numbers past a row of x and write 3 spare rows of d (junk).
 */
@inline function matmulTN<T>(x: usize, n: i32, k: i32, ldx: i32, g: usize, m: i32, d: usize): void {
  const E = <usize>sizeof<T>();
  const L = 16 / sizeof<T>();
  const xB = <usize>ldx * E, mB = <usize>m * E;
  for (let i = 0; i + 4 <= k; i += 4) {
    const px0 = x + <usize>i * E;
    const pd = d + <usize>i * mB;
    let j = 0;
    for (; j + 2 * L <= m; j += 2 * L) {
      const jB = <usize>j * E;
      const z = v128.splat<T>(<T>0);
      let c00 = z, c01 = z, c10 = z, c11 = z, c20 = z, c21 = z, c30 = z, c31 = z;
      let px = px0, pg = g + jB;
      for (let r = 0; r < n; r++) {
        const g0 = v128.load(pg, 0), g1 = v128.load(pg, 16);
        let s = v128.load_splat<T>(px, 0);
        c00 = v128.add<T>(c00, v128.mul<T>(s, g0)); c01 = v128.add<T>(c01, v128.mul<T>(s, g1));
        s = v128.load_splat<T>(px + E);
        c10 = v128.add<T>(c10, v128.mul<T>(s, g0)); c11 = v128.add<T>(c11, v128.mul<T>(s, g1));
        s = v128.load_splat<T>(px + 2 * E);
        c20 = v128.add<T>(c20, v128.mul<T>(s, g0)); c21 = v128.add<T>(c21, v128.mul<T>(s, g1));
        s = v128.load_splat<T>(px + 3 * E);
        c30 = v128.add<T>(c30, v128.mul<T>(s, g0)); c31 = v128.add<T>(c31, v128.mul<T>(s, g1));
        px += xB;
        pg += mB;
      }
      addTo<T>(pd + jB, c00); addTo<T>(pd + jB + 16, c01);
      addTo<T>(pd + mB + jB, c10); addTo<T>(pd + mB + jB + 16, c11);
      addTo<T>(pd + 2 * mB + jB, c20); addTo<T>(pd + 2 * mB + jB + 16, c21);
      addTo<T>(pd + 3 * mB + jB, c30); addTo<T>(pd + 3 * mB + jB + 16, c31);
    }
    for (; j + L <= m; j += L) {
      const jB = <usize>j * E;
      const z = v128.splat<T>(<T>0);
      let c0 = z, c1 = z, c2 = z, c3 = z;
      let px = px0, pg = g + jB;
      for (let r = 0; r < n; r++) {
        const g0 = v128.load(pg);
        c0 = v128.add<T>(c0, v128.mul<T>(v128.load_splat<T>(px), g0));
        c1 = v128.add<T>(c1, v128.mul<T>(v128.load_splat<T>(px + E), g0));
        c2 = v128.add<T>(c2, v128.mul<T>(v128.load_splat<T>(px + 2 * E), g0));
        c3 = v128.add<T>(c3, v128.mul<T>(v128.load_splat<T>(px + 3 * E), g0));
        px += xB;
        pg += mB;
      }
      addTo<T>(pd + jB, c0); addTo<T>(pd + mB + jB, c1); addTo<T>(pd + 2 * mB + jB, c2); addTo<T>(pd + 3 * mB + jB, c3);
    }
    for (; j < m; j++) {
      const jB = <usize>j * E;
      let s0 = <T>0, s1 = <T>0, s2 = <T>0, s3 = <T>0;
      let px = px0, pg = g + jB;
      for (let r = 0; r < n; r++) {
        const u = load<T>(pg);
        s0 = s0 + load<T>(px) * u; s1 = s1 + load<T>(px + E) * u;
        s2 = s2 + load<T>(px + 2 * E) * u; s3 = s3 + load<T>(px + 3 * E) * u;
        px += xB;
        pg += mB;
      }
      store<T>(pd + jB, load<T>(pd + jB) + s0);
      store<T>(pd + mB + jB, load<T>(pd + mB + jB) + s1);
      store<T>(pd + 2 * mB + jB, load<T>(pd + 2 * mB + jB) + s2);
      store<T>(pd + 3 * mB + jB, load<T>(pd + 3 * mB + jB) + s3);
    }
  }
}

/** The vector at p += v. */
@inline function addTo<T>(p: usize, v: v128): void {
  v128.store(p, v128.add<T>(v128.load(p), v));
}

/** sum[j] += g[r][j] for r = 0 … n−1 in order, j < m: 4 vectors, then 1, then single columns. */
@inline function colSum<T>(g: usize, n: i32, m: i32, sum: usize): void {
  const E = <usize>sizeof<T>();
  const L = 16 / sizeof<T>();
  const mB = <usize>m * E;
  let j = 0;
  for (; j + 4 * L <= m; j += 4 * L) {
    const ps = sum + <usize>j * E;
    let a0 = v128.load(ps, 0), a1 = v128.load(ps, 16), a2 = v128.load(ps, 32), a3 = v128.load(ps, 48);
    let pg = g + <usize>j * E;
    for (let r = 0; r < n; r++) {
      a0 = v128.add<T>(a0, v128.load(pg, 0)); a1 = v128.add<T>(a1, v128.load(pg, 16));
      a2 = v128.add<T>(a2, v128.load(pg, 32)); a3 = v128.add<T>(a3, v128.load(pg, 48));
      pg += mB;
    }
    v128.store(ps, a0, 0); v128.store(ps, a1, 16); v128.store(ps, a2, 32); v128.store(ps, a3, 48);
  }
  for (; j + L <= m; j += L) {
    const ps = sum + <usize>j * E;
    let a0 = v128.load(ps);
    let pg = g + <usize>j * E;
    for (let r = 0; r < n; r++) {
      a0 = v128.add<T>(a0, v128.load(pg));
      pg += mB;
    }
    v128.store(ps, a0);
  }
  for (; j < m; j++) {
    const ps = sum + <usize>j * E;
    let a0 = load<T>(ps);
    let pg = g + <usize>j * E;
    for (let r = 0; r < n; r++) {
      a0 = a0 + load<T>(pg);
      pg += mB;
    }
    store<T>(ps, a0);
  }
}

// ---------------------------------------------------------------------------------------------
// tanh

/**
 * tanhSmall(p, bytes, flag): for the numbers at p … p+bytes (bytes a multiple of 16), those with
 * |x| < 0.625 become x + x·z·P(z)/Q(z), z = x² (z = 0 keeps x), in the order ../js/tanh.ts uses, so in
 * f64 the same numbers; the others stay, and the v128 at `flag` becomes non-zero (a JS pass then
 * finishes them). Branch-free; the constants are splatted once, outside the loop.
 */
@inline function tanhSmall<T>(p: usize, bytes: usize, flag: usize): void {
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
 * odd, monotone, within ~2 ulp of tanh; tanh rounds to ±1 in f32 beyond), x itself below 4e-4.
 * NaN stays NaN. The f32 kernels need no JS pass for large arguments, unlike tanhSmall.
 */
@inline function tanhF32(p: usize, bytes: usize): void {
  const hi = f32x4.splat(7.90531110763549805), lo = f32x4.splat(-7.90531110763549805), tiny = f32x4.splat(0.0004);
  const a1 = f32x4.splat(4.89352455891786e-3), a3 = f32x4.splat(6.37261928875436e-4), a5 = f32x4.splat(1.48572235717979e-5);
  const a7 = f32x4.splat(5.12229709037114e-8), a9 = f32x4.splat(-8.60467152213735e-11), a11 = f32x4.splat(2.00018790482477e-13);
  const a13 = f32x4.splat(-2.76076847742355e-16);
  const b0 = f32x4.splat(4.89352518554385e-3), b2 = f32x4.splat(2.26843463243900e-3), b4 = f32x4.splat(1.18534705686654e-4);
  const b6 = f32x4.splat(1.19825839466702e-6);
  for (let i: usize = 0; i < bytes; i += 16) {
    const x0 = v128.load(p + i);
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
    const r = v128.div<f32>(num, den);
    v128.store(p + i, v128.bitselect(x0, r, v128.lt<f32>(v128.abs<f32>(x0), tiny)));
  }
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
@inline function im2col<T>(x: usize, n: i32, T: i32, C: i32, L: i32, cols: usize): void {
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
@inline function col2im<T>(dc: usize, n: i32, T: i32, C: i32, L: i32, h: usize, hs: i32, out: usize): void {
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
@inline function scaleRows<T>(c: usize, n: i32, v: usize, vs: i32, len: i32, h: usize, hs: i32, out: usize): void {
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

// ---------------------------------------------------------------------------------------------
// Exports: each kernel in f64 and f32.

export function matmul_f64(a: usize, n: i32, k: i32, b: usize, m: i32, c: usize, bias: usize): void { matmul<f64>(a, n, k, b, m, c, bias); }
export function matmul_f32(a: usize, n: i32, k: i32, b: usize, m: i32, c: usize, bias: usize): void { matmul<f32>(a, n, k, b, m, c, bias); }
export function matmulTN_f64(x: usize, n: i32, k: i32, ldx: i32, g: usize, m: i32, d: usize): void { matmulTN<f64>(x, n, k, ldx, g, m, d); }
export function matmulTN_f32(x: usize, n: i32, k: i32, ldx: i32, g: usize, m: i32, d: usize): void { matmulTN<f32>(x, n, k, ldx, g, m, d); }
export function colSum_f64(g: usize, n: i32, m: i32, sum: usize): void { colSum<f64>(g, n, m, sum); }
export function colSum_f32(g: usize, n: i32, m: i32, sum: usize): void { colSum<f32>(g, n, m, sum); }
export function tanhSmall_f64(p: usize, bytes: usize, flag: usize): void { tanhSmall<f64>(p, bytes, flag); }
export function tanhSmall_f32(p: usize, bytes: usize, flag: usize): void { tanhSmall<f32>(p, bytes, flag); }
export function tanh_f32(p: usize, bytes: usize): void { tanhF32(p, bytes); }
export function im2col_f64(x: usize, n: i32, T: i32, C: i32, L: i32, cols: usize): void { im2col<f64>(x, n, T, C, L, cols); }
export function im2col_f32(x: usize, n: i32, T: i32, C: i32, L: i32, cols: usize): void { im2col<f32>(x, n, T, C, L, cols); }
export function col2im_f64(dc: usize, n: i32, T: i32, C: i32, L: i32, h: usize, hs: i32, out: usize): void { col2im<f64>(dc, n, T, C, L, h, hs, out); }
export function col2im_f32(dc: usize, n: i32, T: i32, C: i32, L: i32, h: usize, hs: i32, out: usize): void { col2im<f32>(dc, n, T, C, L, h, hs, out); }
export function scaleRows_f64(c: usize, n: i32, v: usize, vs: i32, len: i32, h: usize, hs: i32, out: usize): void { scaleRows<f64>(c, n, v, vs, len, h, hs, out); }
export function scaleRows_f32(c: usize, n: i32, v: usize, vs: i32, len: i32, h: usize, hs: i32, out: usize): void { scaleRows<f32>(c, n, v, vs, len, h, hs, out); }
