/**
 * 2-D max/min and average pooling, ONNX semantics. Images are [C, H, W] flat; a batch is [batch, C, H, W].
 * Padding never wins a max; the average divisor counts padded taps only with countIncludePad.
 */
import type { Window2d } from "../graph.js";

/**
 * Output length of a pooling window along one axis. With ceilMode the last, partial window is kept, except
 * when it would start inside the end padding (the rule PyTorch and onnxruntime share).
 */
export function pool2dOutputSize(
  input: number,
  kernel: number,
  stride: number,
  padBegin: number,
  padEnd: number,
  dilation = 1,
  ceilMode = false,
): number {
  const span = input + padBegin + padEnd - dilation * (kernel - 1) - 1;
  if (!ceilMode) return Math.floor(span / stride) + 1;
  let out = Math.ceil(span / stride) + 1;
  if ((out - 1) * stride >= input + padBegin) out--;
  return out;
}

/** Output [C, H, W] of a pooling window over an input [C, H, W]. */
export function pool2dOutputShape(inShape: readonly number[], win: Window2d, ceilMode: boolean): [number, number, number] {
  const [c, h, w] = inShape;
  return [
    c,
    pool2dOutputSize(h, win.kernel[0], win.stride[0], win.pads[0], win.pads[2], win.dilation[0], ceilMode),
    pool2dOutputSize(w, win.kernel[1], win.stride[1], win.pads[1], win.pads[3], win.dilation[1], ceilMode),
  ];
}

export interface Pool2dArgs extends Window2d {
  /** [batch, channels, inH, inW]. */
  input: Float64Array;
  batch: number;
  channels: number;
  inH: number;
  inW: number;
  /** [batch, channels, outH, outW]. */
  output: Float64Array;
  outH: number;
  outW: number;
}

/**
 * output = max over each window (taps in the padding are skipped). channelSign[c] = -1 makes channel c a min pool
 * (computed as −max(−x)). A window with no tap inside the image yields −∞ (+∞ for a min pool), as in onnxruntime.
 */
export function maxPool2d(a: Pool2dArgs, channelSign?: Int8Array): void {
  const { input, output, batch, channels, inH, inW, outH, outW } = a;
  const [kh, kw] = a.kernel;
  const [sh, sw] = a.stride;
  const [dh, dw] = a.dilation;
  const top = a.pads[0];
  const left = a.pads[1];
  const inside = a.pads.every((p) => p === 0) && (outH - 1) * sh + (kh - 1) * dh < inH && (outW - 1) * sw + (kw - 1) * dw < inW;
  for (let b = 0; b < batch; b++) {
    for (let c = 0; c < channels; c++) {
      const s = channelSign ? channelSign[c]! : 1;
      const src = (b * channels + c) * inH * inW;
      let dst = (b * channels + c) * outH * outW;
      if (inside) {
        // Every window inside the image (the usual unpadded pool): no tap tests, 2×2 unrolled.
        maxPoolInside(input, src, inW, output, dst, outH, outW, kh, kw, sh, sw, dh, dw, s);
        continue;
      }
      for (let oy = 0; oy < outH; oy++) {
        const y0 = oy * sh - top;
        for (let ox = 0; ox < outW; ox++) {
          const x0 = ox * sw - left;
          let best = -Infinity;
          for (let ky = 0; ky < kh; ky++) {
            const iy = y0 + ky * dh;
            if (iy < 0 || iy >= inH) continue;
            const row = src + iy * inW;
            for (let kx = 0; kx < kw; kx++) {
              const ix = x0 + kx * dw;
              if (ix < 0 || ix >= inW) continue;
              const v = s * input[row + ix];
              if (v > best) best = v;
            }
          }
          output[dst++] = s * best;
        }
      }
    }
  }
}

/** Scratch of maxPoolInside's 2×2 path: [best so far, candidate]. */
const PICK = new Float64Array(2);

/** One channel of maxPool2d when no window reaches outside the image; same comparisons, same order. */
function maxPoolInside(
  input: Float64Array,
  src: number,
  inW: number,
  output: Float64Array,
  dst: number,
  outH: number,
  outW: number,
  kh: number,
  kw: number,
  sh: number,
  sw: number,
  dh: number,
  dw: number,
  s: number,
): void {
  if (kh === 2 && kw === 2) {
    // Each step keeps best or takes v by indexing [best, v] with the comparison: no branch (after a ReLU many
    // windows tie at 0 and the winner's position is unpredictable, so the branches mispredicted often).
    const down = dh * inW;
    const pick = PICK;
    for (let oy = 0; oy < outH; oy++) {
      let r = src + oy * sh * inW;
      for (let ox = 0; ox < outW; ox++, r += sw) {
        pick[0] = -Infinity;
        pick[1] = s * input[r]!;
        pick[0] = pick[+(pick[1]! > pick[0]!)]!;
        pick[1] = s * input[r + dw]!;
        pick[0] = pick[+(pick[1]! > pick[0]!)]!;
        pick[1] = s * input[r + down]!;
        pick[0] = pick[+(pick[1]! > pick[0]!)]!;
        pick[1] = s * input[r + down + dw]!;
        output[dst++] = s * pick[+(pick[1]! > pick[0]!)]!;
      }
    }
    return;
  }
  for (let oy = 0; oy < outH; oy++) {
    const y0 = src + oy * sh * inW;
    for (let ox = 0; ox < outW; ox++) {
      const x0 = y0 + ox * sw;
      let best = -Infinity;
      for (let ky = 0; ky < kh; ky++) {
        const row = x0 + ky * dh * inW;
        for (let kx = 0; kx < kw; kx++) {
          const v = s * input[row + kx * dw]!;
          if (v > best) best = v;
        }
      }
      output[dst++] = s * best;
    }
  }
}

/** Number of taps of a window starting at `start` that fall inside [lo, hi). */
function tapsInside(start: number, kernel: number, dilation: number, lo: number, hi: number): number {
  let n = 0;
  for (let k = 0; k < kernel; k++) {
    const i = start + k * dilation;
    if (i >= lo && i < hi) n++;
  }
  return n;
}

/**
 * output += gain[c] · average over each window. The divisor counts the taps inside the image, plus those in the
 * declared padding when countIncludePad (taps past the padding, from ceilMode, never count).
 * `gain` defaults to 1 (a plain average pool); the canonical layer's avgpool term passes its per-channel weight.
 */
export function avgPool2dAccumulate(a: Pool2dArgs, countIncludePad: boolean, gain?: Float64Array): void {
  const { input, output, batch, channels, inH, inW, outH, outW } = a;
  const [kh, kw] = a.kernel;
  const [sh, sw] = a.stride;
  const [dh, dw] = a.dilation;
  const [top, left, bottom, right] = a.pads;
  // Divisors depend only on the output position: compute them once per axis.
  const rowCount = new Float64Array(outH);
  const colCount = new Float64Array(outW);
  for (let oy = 0; oy < outH; oy++)
    rowCount[oy] = countIncludePad ? tapsInside(oy * sh - top, kh, dh, -top, inH + bottom) : tapsInside(oy * sh - top, kh, dh, 0, inH);
  for (let ox = 0; ox < outW; ox++)
    colCount[ox] = countIncludePad ? tapsInside(ox * sw - left, kw, dw, -left, inW + right) : tapsInside(ox * sw - left, kw, dw, 0, inW);
  for (let b = 0; b < batch; b++) {
    for (let c = 0; c < channels; c++) {
      const g = gain ? gain[c] : 1;
      if (g === 0) continue;
      const src = (b * channels + c) * inH * inW;
      let dst = (b * channels + c) * outH * outW;
      for (let oy = 0; oy < outH; oy++) {
        const y0 = oy * sh - top;
        for (let ox = 0; ox < outW; ox++) {
          const x0 = ox * sw - left;
          let sum = 0;
          for (let ky = 0; ky < kh; ky++) {
            const iy = y0 + ky * dh;
            if (iy < 0 || iy >= inH) continue;
            const row = src + iy * inW;
            for (let kx = 0; kx < kw; kx++) {
              const ix = x0 + kx * dw;
              if (ix >= 0 && ix < inW) sum += input[row + ix];
            }
          }
          const count = rowCount[oy] * colCount[ox];
          output[dst++] += count > 0 ? (g * sum) / count : 0;
        }
      }
    }
  }
}

/** output[b, c] = mean of input[b, c, :, :]. */
export function globalAvgPool(input: Float64Array, batch: number, channels: number, area: number, output: Float64Array): void {
  for (let bc = 0; bc < batch * channels; bc++) {
    let sum = 0;
    const src = bc * area;
    for (let i = 0; i < area; i++) sum += input[src + i];
    output[bc] = sum / area;
  }
}
