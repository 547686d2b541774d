/** Dense products (see kernels.ts for the conventions): c = bias + a·b, d += xᵀ·g, column sums. */

// ---------------------------------------------------------------------------------------------
// Dense products

/**
 * c[r][j] = bias[j] + Σ_i a[r][i]·b[i][j] for r < n, j < m (rows of a k apart). Two rows × 4
 * vectors per inner iteration (8 accumulators; per i, 2 splat loads of a and 4 vector loads of a
 * b row feed 8 vector multiply-adds), then 2 rows × 2 vectors, 2 rows × 1 vector, single
 * columns; an odd last row alone.
 */
@inline export function matmul<T>(a: usize, n: i32, k: i32, b: usize, m: i32, c: usize, bias: usize): void {
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
@inline export function matmulTN<T>(x: usize, n: i32, k: i32, ldx: i32, g: usize, m: i32, d: usize): void {
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
@inline export function colSum<T>(g: usize, n: i32, m: i32, sum: usize): void {
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

