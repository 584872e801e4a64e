/**
 * Dense matrix products on Float64Array, row-major with explicit leading dimensions and offsets, so callers can
 * multiply sub-blocks of larger buffers without copying. These are the hot loops of the ANN reference and of the
 * exact SNN simulator: no allocation, blocked for cache, four rows at a time so each load of B feeds four updates.
 */
import { SIMD_MAX_BYTES, simd, simdMemory } from "./simd.js";

/** Rows of B (columns of A) per block: the packed A panel and the touched rows of B stay in cache. */
const KB = 256;
/** Columns of B (and C) per block. */
const NB = 256;
/** Scratch for one packed 4-row panel of A, [KB][4]; reused across calls (single-threaded). */
const panel = new Float64Array(KB * 4);

/**
 * C[m×n] += A[m×k] · B[k×n].
 * Element (i, j) of a matrix X lives at X[xOff + i·ldx + j].
 * Register-blocked 4×4 micro-kernel: 16 accumulators in locals, 8 loads per 16 multiply-adds, A packed so its
 * four rows are read contiguously.
 */
export function gemmAccumulate(
  m: number,
  n: number,
  k: number,
  a: Float64Array,
  aOff: number,
  lda: number,
  b: Float64Array,
  bOff: number,
  ldb: number,
  c: Float64Array,
  cOff: number,
  ldc: number,
): void {
  const pack = panel;
  for (let k0 = 0; k0 < k; k0 += KB) {
    const kl = Math.min(k, k0 + KB) - k0;
    for (let j0 = 0; j0 < n; j0 += NB) {
      const j1 = Math.min(n, j0 + NB);
      for (let i = 0; i < m; i += 4) {
        const mr = Math.min(4, m - i);
        for (let kk = 0; kk < kl; kk++)
          for (let r = 0; r < 4; r++) pack[kk * 4 + r] = r < mr ? a[aOff + (i + r) * lda + k0 + kk] : 0;
        let j = j0;
        for (; j + 4 <= j1; j += 4) {
          let c00 = 0, c01 = 0, c02 = 0, c03 = 0, c10 = 0, c11 = 0, c12 = 0, c13 = 0; // prettier-ignore
          let c20 = 0, c21 = 0, c22 = 0, c23 = 0, c30 = 0, c31 = 0, c32 = 0, c33 = 0; // prettier-ignore
          let bp = bOff + k0 * ldb + j;
          for (let p = 0, e = kl * 4; p < e; p += 4, bp += ldb) {
            const b0 = b[bp], b1 = b[bp + 1], b2 = b[bp + 2], b3 = b[bp + 3]; // prettier-ignore
            const a0 = pack[p], a1 = pack[p + 1], a2 = pack[p + 2], a3 = pack[p + 3]; // prettier-ignore
            c00 += a0 * b0; c01 += a0 * b1; c02 += a0 * b2; c03 += a0 * b3; // prettier-ignore
            c10 += a1 * b0; c11 += a1 * b1; c12 += a1 * b2; c13 += a1 * b3; // prettier-ignore
            c20 += a2 * b0; c21 += a2 * b1; c22 += a2 * b2; c23 += a2 * b3; // prettier-ignore
            c30 += a3 * b0; c31 += a3 * b1; c32 += a3 * b2; c33 += a3 * b3; // prettier-ignore
          }
          let o = cOff + i * ldc + j;
          c[o] += c00; c[o + 1] += c01; c[o + 2] += c02; c[o + 3] += c03; // prettier-ignore
          if (mr > 1) { o += ldc; c[o] += c10; c[o + 1] += c11; c[o + 2] += c12; c[o + 3] += c13; } // prettier-ignore
          if (mr > 2) { o += ldc; c[o] += c20; c[o + 1] += c21; c[o + 2] += c22; c[o + 3] += c23; } // prettier-ignore
          if (mr > 3) { o += ldc; c[o] += c30; c[o + 1] += c31; c[o + 2] += c32; c[o + 3] += c33; } // prettier-ignore
        }
        // Leftover columns (n not a multiple of 4): plain dot products.
        for (; j < j1; j++)
          for (let r = 0; r < mr; r++) {
            let s = 0;
            for (let kk = 0; kk < kl; kk++) s += pack[kk * 4 + r] * b[bOff + (k0 + kk) * ldb + j];
            c[cOff + (i + r) * ldc + j] += s;
          }
      }
    }
  }
}

/** Depth of one pass of gemmABtAccumulate: four rows of A and four of B (8 × KT doubles) stay in L1. */
const KT = 512;

/**
 * C[m×n] += A[m×k] · B[n×k]ᵀ — both operands read along contiguous rows (dot products), so nothing is packed.
 * Used for dense layers: out[batch×out] += x[batch×in] · W[out×in]ᵀ. A 4×4 block of C takes 8 loads per 16
 * multiply-adds, like gemmAccumulate's micro-kernel.
 */
export function gemmABtAccumulate(
  m: number,
  n: number,
  k: number,
  a: Float64Array,
  aOff: number,
  lda: number,
  b: Float64Array,
  bOff: number,
  ldb: number,
  c: Float64Array,
  cOff: number,
  ldc: number,
): void {
  // The SIMD path copies A, B and C into the kernels' memory: only while that stays reasonable.
  const bytes = 8 * (m * k + n * m + (n + 3) * k) + 4 * (k + m);
  if (simd && m >= 4 && n > 0 && k > 0 && bytes <= SIMD_MAX_BYTES) gemmABtSimd(m, n, k, a, aOff, lda, b, bOff, ldb, c, cOff, ldc);
  else gemmABtJs(m, n, k, a, aOff, lda, b, bOff, ldb, c, cOff, ldc);
}

/**
 * gemmABtAccumulate with the SIMD micro-kernel (simd.ts), bit-identical to the JS loops: the kernel's "pixels" are
 * four rows of A, its taps A's columns, its rows four columns of C (B packed [k][4]); it adds into Cᵀ, which is
 * copied into the kernel memory and back. The rows of A past a multiple of 4 take the JS loops.
 */
function gemmABtSimd(
  m: number,
  n: number,
  k: number,
  a: Float64Array,
  aOff: number,
  lda: number,
  b: Float64Array,
  bOff: number,
  ldb: number,
  c: Float64Array,
  cOff: number,
  ldc: number,
): void {
  const m4 = m - (m % 4);
  const blocks = Math.ceil(n / 4);
  // Byte layout: A's rows [m4][k], Cᵀ [n][m4], B's panels [block][k][4] (f64), then tap and row offsets (i32).
  const aAt = 0;
  const ctAt = aAt + m4 * k * 8;
  const panelAt = ctAt + n * m4 * 8;
  const tapAt = panelAt + blocks * 4 * k * 8;
  const rowAt = tapAt + k * 4;
  const { kernels, f64, i32 } = simdMemory(rowAt + m4 * 4);
  for (let i = 0; i < m4; i++) f64.set(a.subarray(aOff + i * lda, aOff + i * lda + k), aAt / 8 + i * k);
  for (let t = 0; t < k; t++) i32[tapAt / 4 + t] = t * 8;
  for (let i = 0; i < m4; i++) i32[rowAt / 4 + i] = i * k * 8;
  for (let blk = 0, q = panelAt / 8; blk < blocks; blk++)
    for (let kk = 0; kk < k; kk++)
      for (let r = 0; r < 4; r++, q++) {
        const j = blk * 4 + r;
        f64[q] = j < n ? b[bOff + j * ldb + kk]! : 0;
      }
  const ct = ctAt / 8;
  for (let i = 0; i < m4; i++) for (let j = 0; j < n; j++) f64[ct + j * m4 + i] = c[cOff + i * ldc + j]!;
  for (let k0 = 0; k0 < k; k0 += KT) {
    const k1 = Math.min(k, k0 + KT);
    for (let blk = 0; blk < blocks; blk++)
      kernels.rows4(aAt, tapAt, k0, k1, rowAt, m4, panelAt + blk * 4 * k * 8, ctAt + blk * 4 * m4 * 8, m4 * 8, Math.min(4, n - blk * 4));
  }
  for (let i = 0; i < m4; i++) for (let j = 0; j < n; j++) c[cOff + i * ldc + j] = f64[ct + j * m4 + i]!;
  if (m4 < m) gemmABtJs(m - m4, n, k, a, aOff + m4 * lda, lda, b, bOff, ldb, c, cOff + m4 * ldc, ldc);
}

/** gemmABtAccumulate in JS. */
function gemmABtJs(
  m: number,
  n: number,
  k: number,
  a: Float64Array,
  aOff: number,
  lda: number,
  b: Float64Array,
  bOff: number,
  ldb: number,
  c: Float64Array,
  cOff: number,
  ldc: number,
): void {
  for (let k0 = 0; k0 < k; k0 += KT) {
    const k1 = Math.min(k, k0 + KT);
    let i = 0;
    for (; i + 4 <= m; i += 4) {
      const r0 = aOff + i * lda, r1 = r0 + lda, r2 = r1 + lda, r3 = r2 + lda; // prettier-ignore
      let j = 0;
      for (; j + 4 <= n; j += 4) {
        const q0 = bOff + j * ldb, q1 = q0 + ldb, q2 = q1 + ldb, q3 = q2 + ldb; // prettier-ignore
        let c00 = 0, c01 = 0, c02 = 0, c03 = 0, c10 = 0, c11 = 0, c12 = 0, c13 = 0; // prettier-ignore
        let c20 = 0, c21 = 0, c22 = 0, c23 = 0, c30 = 0, c31 = 0, c32 = 0, c33 = 0; // prettier-ignore
        for (let kk = k0; kk < k1; kk++) {
          const a0 = a[r0 + kk]!, a1 = a[r1 + kk]!, a2 = a[r2 + kk]!, a3 = a[r3 + kk]!; // prettier-ignore
          const b0 = b[q0 + kk]!, b1 = b[q1 + kk]!, b2 = b[q2 + kk]!, b3 = b[q3 + kk]!; // prettier-ignore
          c00 += a0 * b0; c01 += a0 * b1; c02 += a0 * b2; c03 += a0 * b3; // prettier-ignore
          c10 += a1 * b0; c11 += a1 * b1; c12 += a1 * b2; c13 += a1 * b3; // prettier-ignore
          c20 += a2 * b0; c21 += a2 * b1; c22 += a2 * b2; c23 += a2 * b3; // prettier-ignore
          c30 += a3 * b0; c31 += a3 * b1; c32 += a3 * b2; c33 += a3 * b3; // prettier-ignore
        }
        let o = cOff + i * ldc + j;
        c[o]! += c00; c[o + 1]! += c01; c[o + 2]! += c02; c[o + 3]! += c03; o += ldc; // prettier-ignore
        c[o]! += c10; c[o + 1]! += c11; c[o + 2]! += c12; c[o + 3]! += c13; o += ldc; // prettier-ignore
        c[o]! += c20; c[o + 1]! += c21; c[o + 2]! += c22; c[o + 3]! += c23; o += ldc; // prettier-ignore
        c[o]! += c30; c[o + 1]! += c31; c[o + 2]! += c32; c[o + 3]! += c33; // prettier-ignore
      }
      // Leftover columns of C (n not a multiple of 4).
      for (; j < n; j++) {
        const q = bOff + j * ldb;
        let s0 = 0, s1 = 0, s2 = 0, s3 = 0; // prettier-ignore
        for (let kk = k0; kk < k1; kk++) {
          const w = b[q + kk]!;
          s0 += a[r0 + kk]! * w; s1 += a[r1 + kk]! * w; s2 += a[r2 + kk]! * w; s3 += a[r3 + kk]! * w; // prettier-ignore
        }
        const o = cOff + i * ldc + j;
        c[o]! += s0; c[o + ldc]! += s1; c[o + 2 * ldc]! += s2; c[o + 3 * ldc]! += s3; // prettier-ignore
      }
    }
    // Leftover rows of C (m not a multiple of 4): plain dot products.
    for (; i < m; i++) {
      const r = aOff + i * lda;
      for (let j = 0; j < n; j++) {
        const q = bOff + j * ldb;
        let s = 0;
        for (let kk = k0; kk < k1; kk++) s += a[r + kk]! * b[q + kk]!;
        c[cOff + i * ldc + j]! += s;
      }
    }
  }
}
