/**
 * A convolution and its excitatory part in one pass: output += W∗x and excitatory += W⁺∗x, W⁺ = max(W, 0).
 *
 * Per output channel the taps are listed positive weights first, then negative ones (zero weights dropped). Each
 * output element's sum runs over that list; its value after the positive taps is added to `excitatory`, its value at
 * the end to `output`. One pass costs one convolution's multiply-adds where separate W and W⁺ convolutions cost two:
 * the exact simulator needs W⁺∗x for its proof that an alpha neuron has no premature crossing (sim/exact/population.ts).
 *
 * The sums are in another order than conv2dAccumulate's (taps in weight order), so equal to it up to rounding, not bit
 * for bit. The SIMD kernel (simd.ts, signedPairs: two adjacent output pixels per f64x2, hence unit column stride) and
 * the JS loops add the same products in the same order, so the two paths are bit-identical.
 */
import { SIMD_MAX_BYTES, simd, simdMemory } from "./simd.js";
import { padInto, type Conv2dArgs } from "./conv2d.js";

/** Whether the one-pass form beats two convolutions: its SIMD kernel needs adjacent outputs to read adjacent inputs. */
export function signedConvPays(term: { stride: readonly [number, number] | number[] }): boolean {
  return term.stride[1] === 1;
}

/** Per output channel: its taps (offsets in the padded image of a group), positive weights first, and their weights. */
interface SignedTaps {
  /** [channel][k] offsets in doubles from a window's corner; entries past count[o] unused. */
  offset: Int32Array;
  /** [channel][k] the matching weights. */
  weight: Float64Array;
  /** Per channel: taps with positive weight (they come first). */
  positive: Int32Array;
  /** Per channel: taps with non-zero weight. */
  count: Int32Array;
}

function signedTaps(a: Conv2dArgs, cg: number, wp: number, area: number): SignedTaps {
  const [kh, kw] = a.kernel;
  const [dh, dw] = a.dilation;
  const k = cg * kh * kw;
  const offset = new Int32Array(a.outChannels * k);
  const weight = new Float64Array(a.outChannels * k);
  const positive = new Int32Array(a.outChannels);
  const count = new Int32Array(a.outChannels);
  for (let o = 0; o < a.outChannels; o++) {
    let n = o * k;
    for (const sign of [1, -1])
      for (let c = 0; c < cg; c++)
        for (let ky = 0; ky < kh; ky++)
          for (let kx = 0; kx < kw; kx++) {
            const w = a.weight[o * k + (c * kh + ky) * kw + kx]!;
            if (sign * w <= 0) continue;
            offset[n] = c * area + ky * dh * wp + kx * dw;
            weight[n++] = w;
            if (sign > 0) positive[o]!++;
          }
    count[o] = n - o * k;
  }
  return { offset, weight, positive, count };
}

/** Scratch reused across calls (single-threaded): the zero-padded image of the JS path. */
let padScratch = new Float64Array(0);

/**
 * One output element: s = Σ over the channel's positive taps, excitatory[e] += s; s continues over the negative
 * taps, output[e] += s. The SIMD kernel's lane computes the same.
 */
function signedElement(img: Float64Array, corner: number, taps: SignedTaps, from: number, positive: number, count: number, excitatory: Float64Array, output: Float64Array, e: number): void {
  const { offset, weight } = taps;
  let s = 0;
  let n = from;
  for (const end = from + positive; n < end; n++) s += weight[n]! * img[corner + offset[n]!]!;
  excitatory[e]! += s;
  for (const end = from + count; n < end; n++) s += weight[n]! * img[corner + offset[n]!]!;
  output[e]! += s;
}

/** output += W∗x and excitatory += W⁺∗x (both [batch, outChannels, outH, outW]); any geometry conv2dAccumulate takes. */
export function conv2dSignedAccumulate(a: Conv2dArgs, excitatory: Float64Array): void {
  const { batch, group, outChannels, inChannels, inH, inW, outH, outW } = a;
  const cg = inChannels / group;
  const og = outChannels / group;
  const [kh, kw] = a.kernel;
  const [sh, sw] = a.stride;
  const [top, left, bottom, right] = a.pads;
  const p = outH * outW;
  if (p === 0 || og === 0) return;
  const wp = inW + left + right;
  const area = (inH + top + bottom) * wp;
  const taps = signedTaps(a, cg, wp, area);
  const k = cg * kh * kw;
  const corner = (j: number) => Math.floor(j / outW) * sh * wp + (j % outW) * sw;
  if (simd && sw === 1 && signedSimd(a, excitatory, taps, { cg, og, k, p, wp, area, corner })) return;
  const img = (padScratch = padScratch.length >= cg * area ? padScratch : new Float64Array(cg * area));
  img.fill(0, 0, cg * area);
  const corners = Int32Array.from({ length: p }, (_, j) => corner(j));
  for (let b = 0; b < batch; b++)
    for (let g = 0; g < group; g++) {
      padInto(a, b, g, cg, wp, area, img);
      for (let o = g * og; o < (g + 1) * og; o++) signedChannel(img, corners, taps, o, k, excitatory, a.output, (b * outChannels + o) * p);
    }
}

/**
 * Output channel o for every pixel (signedElement's sums), four pixels at a time: one weight load per tap for four
 * products (the JS path; per-element calls ran ~1.5× slower than two blocked convolutions).
 */
function signedChannel(img: Float64Array, corners: Int32Array, taps: SignedTaps, o: number, k: number, excitatory: Float64Array, output: Float64Array, base: number): void {
  const { offset, weight } = taps;
  const from = o * k;
  const mid = from + taps.positive[o]!;
  const end = from + taps.count[o]!;
  const p = corners.length;
  let j = 0;
  for (; j + 4 <= p; j += 4) {
    const q0 = corners[j]!, q1 = corners[j + 1]!, q2 = corners[j + 2]!, q3 = corners[j + 3]!; // prettier-ignore
    let s0 = 0, s1 = 0, s2 = 0, s3 = 0; // prettier-ignore
    let n = from;
    for (; n < mid; n++) {
      const w = weight[n]!;
      const t = offset[n]!;
      s0 += w * img[q0 + t]!; s1 += w * img[q1 + t]!; s2 += w * img[q2 + t]!; s3 += w * img[q3 + t]!; // prettier-ignore
    }
    const e = base + j;
    excitatory[e]! += s0; excitatory[e + 1]! += s1; excitatory[e + 2]! += s2; excitatory[e + 3]! += s3; // prettier-ignore
    for (; n < end; n++) {
      const w = weight[n]!;
      const t = offset[n]!;
      s0 += w * img[q0 + t]!; s1 += w * img[q1 + t]!; s2 += w * img[q2 + t]!; s3 += w * img[q3 + t]!; // prettier-ignore
    }
    output[e]! += s0; output[e + 1]! += s1; output[e + 2]! += s2; output[e + 3]! += s3; // prettier-ignore
  }
  for (; j < p; j++) signedElement(img, corners[j]!, taps, from, taps.positive[o]!, taps.count[o]!, excitatory, output, base + j);
}

interface SignedGeometry {
  cg: number;
  og: number;
  k: number;
  p: number;
  wp: number;
  area: number;
  /** Offset of output pixel j's window corner in the padded image. */
  corner: (j: number) => number;
}

/**
 * The SIMD path: per sample and group, the padded image and the group's output slices are copied into the kernels'
 * memory and signedPairs runs each channel over pairs of adjacent output pixels, four pairs at a time. The last pixel
 * of an odd row runs as a pair too, writing to a slot past the channel's outputs that holds the pixel's value before
 * and is copied back after (its second lane, discarded, may read one element past the image: the next operand). Pairs
 * that fill the last group of four write to such slots too. False (nothing done) when the layout would pass
 * SIMD_MAX_BYTES: the JS loops take it.
 */
function signedSimd(a: Conv2dArgs, excitatory: Float64Array, taps: SignedTaps, geo: SignedGeometry): boolean {
  const { batch, group, outChannels, outW, outH, output } = a;
  const { cg, og, k, p, area, corner } = geo;
  // Window corners and output offsets (in doubles, from the channel's first output) of the pairs.
  const pin: number[] = [];
  const pout: number[] = [];
  const singles: number[] = [];
  for (let y = 0; y < outH; y++)
    for (let x = 0; x < outW; x += 2) {
      const j = y * outW + x;
      pin.push(corner(j));
      if (x + 1 < outW) pout.push(j);
      else pout.push(p + 2 * singles.push(j) - 2);
    }
  while (pin.length % 4 !== 0) {
    pin.push(0);
    pout.push(p + 2 * singles.length);
  }
  // A channel's outputs, its single pixels' slots and the filler pairs' slot.
  const stride = p + 2 * singles.length + 2;
  const np = pin.length;
  // Byte layout: image, excitatory and output rows, weights (f64), then tap offsets and pair corners/outputs (i32).
  const imgAt = 0;
  const excAt = imgAt + cg * area * 8;
  const outAt = excAt + og * stride * 8;
  const wAt = outAt + og * stride * 8;
  const tapAt = wAt + og * k * 8;
  const pinAt = tapAt + og * k * 4;
  const poutAt = pinAt + np * 4;
  if (poutAt + np * 4 > SIMD_MAX_BYTES) return false;
  const { kernels, f64, i32 } = simdMemory(poutAt + np * 4);
  for (let j = 0; j < np; j++) {
    i32[pinAt / 4 + j] = pin[j]! * 8;
    i32[poutAt / 4 + j] = pout[j]! * 8;
  }
  const img = f64.subarray(imgAt / 8, imgAt / 8 + cg * area);
  const exc = f64.subarray(excAt / 8, excAt / 8 + og * stride);
  const out = f64.subarray(outAt / 8, outAt / 8 + og * stride);
  img.fill(0);
  for (let g = 0; g < group; g++) {
    // The group's channels, row r = o − g·og, in the kernels' memory.
    for (let r = 0; r < og; r++) {
      const o = g * og + r;
      for (let n = 0; n < taps.count[o]!; n++) {
        i32[tapAt / 4 + r * k + n] = taps.offset[o * k + n]! * 8;
        f64[wAt / 8 + r * k + n] = taps.weight[o * k + n]!;
      }
    }
    for (let b = 0; b < batch; b++) {
      padInto(a, b, g, cg, geo.wp, area, img);
      const base = (b * outChannels + g * og) * p;
      for (let r = 0; r < og; r++) {
        const o = g * og + r;
        const row = r * stride;
        const from = base + r * p;
        exc.set(excitatory.subarray(from, from + p), row);
        out.set(output.subarray(from, from + p), row);
        for (let i = 0; i < singles.length; i++) {
          exc[row + p + 2 * i] = exc[row + singles[i]!]!;
          out[row + p + 2 * i] = out[row + singles[i]!]!;
        }
        kernels.signedPairs(imgAt, tapAt + r * k * 4, wAt + r * k * 8, taps.positive[o]!, taps.count[o]!, pinAt, poutAt, np, excAt + row * 8, outAt + row * 8);
        for (let i = 0; i < singles.length; i++) {
          exc[row + singles[i]!] = exc[row + p + 2 * i]!;
          out[row + singles[i]!] = out[row + p + 2 * i]!;
        }
        excitatory.set(exc.subarray(row, row + p), from);
        output.set(out.subarray(row, row + p), from);
      }
    }
  }
  return true;
}
