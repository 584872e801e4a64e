/**
 * 2-D convolution (ONNX semantics: cross-correlation, zero padding, groups, dilation), computed directly on the
 * zero-padded image (1×1 convolutions as a GEMM).
 * Images are [C, H, W] flat; a batch is [batch, C, H, W].
 */
import type { Window2d } from "../graph.js";
import { gemmAccumulate } from "./gemm.js";
import { SIMD_MAX_BYTES, simd, simdMemory } from "./simd.js";

/**
 * Output length of a convolution along one axis (floor rounding).
 * in + padBegin + padEnd must cover at least one dilated kernel.
 */
export function conv2dOutputSize(input: number, kernel: number, stride: number, padBegin: number, padEnd: number, dilation = 1): number {
  return Math.floor((input + padBegin + padEnd - dilation * (kernel - 1) - 1) / stride) + 1;
}

/** Output [C, H, W] of a conv with `outChannels` filters over an input [C, H, W]. */
export function conv2dOutputShape(inShape: readonly number[], outChannels: number, win: Window2d): [number, number, number] {
  const [, h, w] = inShape;
  return [
    outChannels,
    conv2dOutputSize(h, win.kernel[0], win.stride[0], win.pads[0], win.pads[2], win.dilation[0]),
    conv2dOutputSize(w, win.kernel[1], win.stride[1], win.pads[1], win.pads[3], win.dilation[1]),
  ];
}

export interface Conv2dArgs extends Window2d {
  /** Input [batch, inChannels, inH, inW]. */
  input: Float64Array;
  batch: number;
  inChannels: number;
  inH: number;
  inW: number;
  /** [outChannels, inChannels/group, kh, kw]. */
  weight: Float64Array;
  outChannels: number;
  group: number;
  /** Output [batch, outChannels, outH, outW]; the convolution is ADDED to what it holds. */
  output: Float64Array;
  outH: number;
  outW: number;
}

/**
 * Input channels per pass of the direct convolution: the slab of padded input the taps touch (chunk × hp × wp doubles)
 * should stay in L2 while every output row block sweeps it, and the block's packed weights (taps × 4) in L1.
 */
const SLAB_BUDGET = 1 << 15; // 256 KiB
const TAP_BUDGET = 256;

/** Scratch reused across calls (single-threaded): the zero-padded image, packed weights, tap and pixel offsets. */
let padScratch: Float64Array = new Float64Array(0);
let panelScratch: Float64Array = new Float64Array(0);
let tapScratch: Int32Array = new Int32Array(0);
let pixelScratch: Int32Array = new Int32Array(0);

function growF64(buf: Float64Array, n: number): Float64Array {
  return buf.length >= n ? buf : new Float64Array(Math.max(n, buf.length * 2));
}

function growI32(buf: Int32Array, n: number): Int32Array {
  return buf.length >= n ? buf : new Int32Array(Math.max(n, buf.length * 2));
}

/**
 * output += conv(input, weight). Bias is the caller's business (it is added once, not per term).
 *
 * Direct ("implicit GEMM") convolution: C[o, pixel] += Σ_tap W[o, tap] · image[tap offset + pixel offset], with the
 * image zero-padded once per sample so that no tap needs a bounds test. A register block of four output channels ×
 * four consecutive output pixels reads its four inputs per tap straight from the image: unlike im2col, nothing of size
 * K×P is written and read back, which dominated for LeNet-sized layers (few channels, small K).
 */
export function conv2dAccumulate(a: Conv2dArgs): void {
  const { batch, group, outChannels, inChannels, inH, inW, outH, outW, output, weight, input } = a;
  const cg = inChannels / group;
  const og = outChannels / group;
  const [kh, kw] = a.kernel;
  const [sh, sw] = a.stride;
  const [dh, dw] = a.dilation;
  const [top, left, bottom, right] = a.pads;
  const taps = kh * kw;
  const k = cg * taps;
  const p = outH * outW;
  if (p === 0 || og === 0) return;
  const pointwise = kh === 1 && kw === 1 && sh === 1 && sw === 1 && top === 0 && left === 0 && bottom === 0 && right === 0 && outH === inH && outW === inW;
  if (pointwise) {
    // A 1×1 conv is a GEMM on the image itself.
    for (let b = 0; b < batch; b++)
      for (let g = 0; g < group; g++)
        gemmAccumulate(og, p, k, weight, g * og * k, k, input, (b * inChannels + g * cg) * p, p, output, (b * outChannels + g * og) * p, p);
    return;
  }
  const padded = top !== 0 || left !== 0 || bottom !== 0 || right !== 0;
  const hp = inH + top + bottom;
  const wp = inW + left + right;
  const area = hp * wp;
  // Offsets in the padded image: of each (channel, tap) from a window's corner, of each output pixel's window corner.
  const tap = (tapScratch = growI32(tapScratch, k));
  for (let c = 0; c < cg; c++)
    for (let ky = 0; ky < kh; ky++) for (let kx = 0; kx < kw; kx++) tap[(c * kh + ky) * kw + kx] = c * area + ky * dh * wp + kx * dw;
  const pixel = (pixelScratch = growI32(pixelScratch, p));
  for (let oy = 0; oy < outH; oy++) for (let ox = 0; ox < outW; ox++) pixel[oy * outW + ox] = oy * sh * wp + ox * sw;
  // Weights packed per block of output channels as [block][k][rows]: blocks of 4, the last of 2 when og % 4 is 1 or 2.
  const full = og % 4 === 3 ? Math.ceil(og / 4) : Math.floor(og / 4);
  const tail = Math.max(0, og - 4 * full); // 0, 1 or 2 rows, in a block of 2
  const panel = (panelScratch = growF64(panelScratch, (full * 4 + (tail > 0 ? 2 : 0)) * k));
  const chunk = Math.max(1, Math.min(cg, Math.floor(SLAB_BUDGET / area), Math.floor(TAP_BUDGET / taps)));
  if (simd && 8 * (cg * area + og * p + (full * 4 + 2) * k) + 4 * (k + p) <= SIMD_MAX_BYTES) {
    directSimd(a, { cg, og, k, taps, p, wp, area, padded, tap, pixel, full, tail, chunk });
    return;
  }
  const img = padded ? (padScratch = growF64(padScratch, cg * area)) : padScratch;
  if (padded) img.fill(0, 0, cg * area);
  for (let g = 0; g < group; g++) {
    packRows(weight, g * og, og, k, 0, full, 4, panel, 0);
    if (tail > 0) packRows(weight, g * og, og, k, full * 4, 1, 2, panel, full * 4 * k);
    for (let b = 0; b < batch; b++) {
      let src: Float64Array = input;
      let srcBase = (b * inChannels + g * cg) * inH * inW;
      if (padded) {
        // Interior copy; the border stays zero from the fill above.
        padInto(a, b, g, cg, wp, area, img);
        src = img;
        srcBase = 0;
      }
      const outBase = (b * outChannels + g * og) * p;
      for (let c0 = 0; c0 < cg; c0 += chunk) {
        const t0 = c0 * taps;
        const t1 = Math.min(cg, c0 + chunk) * taps;
        for (let blk = 0; blk < full; blk++)
          directRows4(src, srcBase, tap, t0, t1, pixel, p, panel, blk * 4 * k, output, outBase + blk * 4 * p, Math.min(4, og - blk * 4));
        if (tail > 0) directRows2(src, srcBase, tap, t0, t1, pixel, p, panel, full * 4 * k, output, outBase + full * 4 * p, tail);
      }
    }
  }
}

/**
 * Copies sample b's input channels of group g into the interior of img, a zero-padded image of cg planes of `area`
 * doubles, `wp` wide (its border is the caller's). A loop, not set(subarray()): rows are short, and a view per row is
 * an allocation.
 */
export function padInto(a: Conv2dArgs, b: number, g: number, cg: number, wp: number, area: number, img: Float64Array): void {
  const [top, left] = a.pads;
  const { input, inChannels, inH, inW } = a;
  for (let c = 0; c < cg; c++)
    for (let y = 0; y < inH; y++) {
      const from = ((b * inChannels + g * cg + c) * inH + y) * inW;
      const to = c * area + (y + top) * wp + left;
      for (let x = 0; x < inW; x++) img[to + x] = input[from + x]!;
    }
}

/** The geometry conv2dAccumulate derived, for its SIMD path. */
interface DirectPlan {
  cg: number;
  og: number;
  k: number;
  taps: number;
  p: number;
  wp: number;
  area: number;
  padded: boolean;
  tap: Int32Array;
  pixel: Int32Array;
  full: number;
  tail: number;
  chunk: number;
}

/**
 * The direct convolution with the SIMD micro-kernels (simd.ts), on the same packed panels, padded image and passes
 * as the JS path (so bit-identical): per sample, the image and the output slice are copied into the kernels' memory,
 * the 4-pixel groups run there, the leftover pixels (p not a multiple of 4) in JS on views of that memory.
 */
function directSimd(a: Conv2dArgs, plan: DirectPlan): void {
  const { batch, group, outChannels, inChannels, inH, inW, output, weight, input } = a;
  const { cg, og, k, taps, p, wp, area, padded, tap, pixel, full, tail, chunk } = plan;
  const panelLen = (full * 4 + (tail > 0 ? 2 : 0)) * k;
  // Byte layout: image, output slice, panels (f64), then tap and pixel byte offsets (i32).
  const imgAt = 0;
  const outAt = imgAt + cg * area * 8;
  const panelAt = outAt + og * p * 8;
  const tapAt = panelAt + panelLen * 8;
  const pixAt = tapAt + k * 4;
  const { kernels, f64, i32 } = simdMemory(pixAt + p * 4);
  for (let t = 0; t < k; t++) i32[tapAt / 4 + t] = tap[t]! * 8;
  for (let j = 0; j < p; j++) i32[pixAt / 4 + j] = pixel[j]! * 8;
  const img = f64.subarray(imgAt / 8, imgAt / 8 + cg * area);
  const out = f64.subarray(outAt / 8, outAt / 8 + og * p);
  const panel = f64.subarray(panelAt / 8, panelAt / 8 + panelLen);
  if (padded) img.fill(0);
  const p4 = p - (p % 4);
  for (let g = 0; g < group; g++) {
    packRows(weight, g * og, og, k, 0, full, 4, panel, 0);
    if (tail > 0) packRows(weight, g * og, og, k, full * 4, 1, 2, panel, full * 4 * k);
    for (let b = 0; b < batch; b++) {
      const srcBase = (b * inChannels + g * cg) * inH * inW;
      if (padded) padInto(a, b, g, cg, wp, area, img);
      else img.set(input.subarray(srcBase, srcBase + cg * area));
      const outBase = (b * outChannels + g * og) * p;
      out.set(output.subarray(outBase, outBase + og * p));
      for (let c0 = 0; c0 < cg; c0 += chunk) {
        const t0 = c0 * taps;
        const t1 = Math.min(cg, c0 + chunk) * taps;
        for (let blk = 0; blk < full; blk++) {
          const mr = Math.min(4, og - blk * 4);
          kernels.rows4(imgAt, tapAt, t0, t1, pixAt, p4, panelAt + blk * 4 * k * 8, outAt + blk * 4 * p * 8, p * 8, mr);
          if (p4 < p) directRows4(img, 0, tap, t0, t1, pixel, p, panel, blk * 4 * k, out, blk * 4 * p, mr, p4);
        }
        if (tail > 0) {
          kernels.rows2(imgAt, tapAt, t0, t1, pixAt, p4, panelAt + full * 4 * k * 8, outAt + full * 4 * p * 8, p * 8, tail);
          if (p4 < p) directRows2(img, 0, tap, t0, t1, pixel, p, panel, full * 4 * k, out, full * 4 * p, tail, p4);
        }
      }
      output.set(out, outBase);
    }
  }
}

/** panel[off + (blk·k + t)·rows + r] = W[first + blk·rows + r, t] for `blocks` blocks from row `from`; rows past og are 0. */
function packRows(weight: Float64Array, base: number, og: number, k: number, from: number, blocks: number, rows: number, panel: Float64Array, off: number): void {
  for (let blk = 0; blk < blocks; blk++)
    for (let t = 0; t < k; t++)
      for (let r = 0; r < rows; r++) {
        const o = from + blk * rows + r;
        panel[off + (blk * k + t) * rows + r] = o < og ? weight[(base + o) * k + t]! : 0;
      }
}

/**
 * C[r, j] += Σ_{t in [t0, t1)} panel[t, r] · src[srcBase + pixel[j] + tap[t]] for mr ≤ 4 output channels (C rows p apart
 * from cOff) and every output pixel j: four pixels at a time, 16 accumulators in locals.
 */
function directRows4(
  src: Float64Array,
  srcBase: number,
  tap: Int32Array,
  t0: number,
  t1: number,
  pixel: Int32Array,
  p: number,
  panel: Float64Array,
  panelOff: number,
  c: Float64Array,
  cOff: number,
  mr: number,
  /** First pixel (a multiple of 4): the SIMD path passes its end, for the leftover pixels only. */
  from = 0,
): void {
  let j = from;
  for (; j + 4 <= p; j += 4) {
    let c00 = 0, c01 = 0, c02 = 0, c03 = 0, c10 = 0, c11 = 0, c12 = 0, c13 = 0; // prettier-ignore
    let c20 = 0, c21 = 0, c22 = 0, c23 = 0, c30 = 0, c31 = 0, c32 = 0, c33 = 0; // prettier-ignore
    const p0 = srcBase + pixel[j]!, p1 = srcBase + pixel[j + 1]!, p2 = srcBase + pixel[j + 2]!, p3 = srcBase + pixel[j + 3]!; // prettier-ignore
    for (let t = t0, pa = panelOff + t0 * 4; t < t1; t++, pa += 4) {
      const q = tap[t]!;
      const b0 = src[p0 + q]!, b1 = src[p1 + q]!, b2 = src[p2 + q]!, b3 = src[p3 + q]!; // prettier-ignore
      const a0 = panel[pa]!, a1 = panel[pa + 1]!, a2 = panel[pa + 2]!, a3 = panel[pa + 3]!; // prettier-ignore
      c00 += a0 * b0; c01 += a0 * b1; c02 += a0 * b2; c03 += a0 * b3; // prettier-ignore
      c10 += a1 * b0; c11 += a1 * b1; c12 += a1 * b2; c13 += a1 * b3; // prettier-ignore
      c20 += a2 * b0; c21 += a2 * b1; c22 += a2 * b2; c23 += a2 * b3; // prettier-ignore
      c30 += a3 * b0; c31 += a3 * b1; c32 += a3 * b2; c33 += a3 * b3; // prettier-ignore
    }
    let o = cOff + j;
    c[o]! += c00; c[o + 1]! += c01; c[o + 2]! += c02; c[o + 3]! += c03; // prettier-ignore
    if (mr > 1) { o += p; c[o]! += c10; c[o + 1]! += c11; c[o + 2]! += c12; c[o + 3]! += c13; } // prettier-ignore
    if (mr > 2) { o += p; c[o]! += c20; c[o + 1]! += c21; c[o + 2]! += c22; c[o + 3]! += c23; } // prettier-ignore
    if (mr > 3) { o += p; c[o]! += c30; c[o + 1]! += c31; c[o + 2]! += c32; c[o + 3]! += c33; } // prettier-ignore
  }
  // Leftover pixels (p not a multiple of 4), one at a time.
  for (; j < p; j++) {
    let s0 = 0, s1 = 0, s2 = 0, s3 = 0; // prettier-ignore
    const p0 = srcBase + pixel[j]!;
    for (let t = t0, pa = panelOff + t0 * 4; t < t1; t++, pa += 4) {
      const v = src[p0 + tap[t]!]!;
      s0 += panel[pa]! * v; s1 += panel[pa + 1]! * v; s2 += panel[pa + 2]! * v; s3 += panel[pa + 3]! * v; // prettier-ignore
    }
    let o = cOff + j;
    c[o]! += s0;
    if (mr > 1) c[(o += p)]! += s1;
    if (mr > 2) c[(o += p)]! += s2;
    if (mr > 3) c[(o += p)]! += s3;
  }
}

/** The same for a block of mr ≤ 2 output channels (panel rows of 2): the tail of og % 4 ∈ {1, 2}, without idle rows. */
function directRows2(
  src: Float64Array,
  srcBase: number,
  tap: Int32Array,
  t0: number,
  t1: number,
  pixel: Int32Array,
  p: number,
  panel: Float64Array,
  panelOff: number,
  c: Float64Array,
  cOff: number,
  mr: number,
  from = 0,
): void {
  let j = from;
  for (; j + 4 <= p; j += 4) {
    let c00 = 0, c01 = 0, c02 = 0, c03 = 0, c10 = 0, c11 = 0, c12 = 0, c13 = 0; // prettier-ignore
    const p0 = srcBase + pixel[j]!, p1 = srcBase + pixel[j + 1]!, p2 = srcBase + pixel[j + 2]!, p3 = srcBase + pixel[j + 3]!; // prettier-ignore
    for (let t = t0, pa = panelOff + t0 * 2; t < t1; t++, pa += 2) {
      const q = tap[t]!;
      const b0 = src[p0 + q]!, b1 = src[p1 + q]!, b2 = src[p2 + q]!, b3 = src[p3 + q]!; // prettier-ignore
      const a0 = panel[pa]!, a1 = panel[pa + 1]!; // prettier-ignore
      c00 += a0 * b0; c01 += a0 * b1; c02 += a0 * b2; c03 += a0 * b3; // prettier-ignore
      c10 += a1 * b0; c11 += a1 * b1; c12 += a1 * b2; c13 += a1 * b3; // prettier-ignore
    }
    const o = cOff + j;
    c[o]! += c00; c[o + 1]! += c01; c[o + 2]! += c02; c[o + 3]! += c03; // prettier-ignore
    if (mr > 1) { c[o + p]! += c10; c[o + p + 1]! += c11; c[o + p + 2]! += c12; c[o + p + 3]! += c13; } // prettier-ignore
  }
  for (; j < p; j++) {
    let s0 = 0, s1 = 0; // prettier-ignore
    const p0 = srcBase + pixel[j]!;
    for (let t = t0, pa = panelOff + t0 * 2; t < t1; t++, pa += 2) {
      const v = src[p0 + tap[t]!]!;
      s0 += panel[pa]! * v; s1 += panel[pa + 1]! * v; // prettier-ignore
    }
    c[cOff + j]! += s0;
    if (mr > 1) c[cOff + p + j]! += s1;
  }
}
