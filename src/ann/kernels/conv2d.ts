/**
 * 2-D convolution (ONNX semantics: cross-correlation, zero padding, groups, dilation) as im2col + GEMM.
 * Images are [C, H, W] flat; a batch is [batch, C, H, W].
 */
import type { Window2d } from "../graph.js";
import { gemmAccumulate } from "./gemm.js";

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

/** Largest im2col buffer (in doubles) we allocate; the batch is processed in chunks that fit. */
const COLS_BUDGET = 1 << 22; // 32 MiB

/**
 * Fills cols[K × (nb·P)] (K = cg·kh·kw, P = outH·outW) with the receptive fields of images b0..b0+nb-1,
 * channels c0..c0+cg-1. Row (c, ky, kx), column (b, oy, ox). Padded taps are 0.
 */
function im2col(a: Conv2dArgs, b0: number, nb: number, c0: number, cg: number, cols: Float64Array): void {
  const [kh, kw] = a.kernel;
  const [sh, sw] = a.stride;
  const [dh, dw] = a.dilation;
  const top = a.pads[0];
  const left = a.pads[1];
  const { inH, inW, outH, outW, input } = a;
  const p = outH * outW;
  const ld = nb * p;
  for (let c = 0; c < cg; c++) {
    for (let ky = 0; ky < kh; ky++) {
      for (let kx = 0; kx < kw; kx++) {
        const row = ((c * kh + ky) * kw + kx) * ld;
        for (let b = 0; b < nb; b++) {
          const src = ((b0 + b) * a.inChannels + c0 + c) * inH * inW;
          let dst = row + b * p;
          for (let oy = 0; oy < outH; oy++) {
            const iy = oy * sh - top + ky * dh;
            if (iy < 0 || iy >= inH) {
              cols.fill(0, dst, dst + outW);
              dst += outW;
              continue;
            }
            const srcRow = src + iy * inW;
            let ix = kx * dw - left;
            for (let ox = 0; ox < outW; ox++, ix += sw) cols[dst++] = ix >= 0 && ix < inW ? input[srcRow + ix] : 0;
          }
        }
      }
    }
  }
}

/** output += conv(input, weight). Bias is the caller's business (it is added once, not per term). */
export function conv2dAccumulate(a: Conv2dArgs): void {
  const { batch, group, outChannels, inChannels, outH, outW, output, weight } = a;
  const cg = inChannels / group;
  const og = outChannels / group;
  const [kh, kw] = a.kernel;
  const k = cg * kh * kw;
  const p = outH * outW;
  if (p === 0 || og === 0) return;
  const pointwise =
    kh === 1 && kw === 1 && a.stride[0] === 1 && a.stride[1] === 1 && a.pads.every((x) => x === 0) && outH === a.inH && outW === a.inW;
  if (pointwise) {
    // A 1×1 conv is a GEMM on the image itself: no im2col.
    for (let b = 0; b < batch; b++)
      for (let g = 0; g < group; g++)
        gemmAccumulate(og, p, k, weight, g * og * k, k, a.input, (b * inChannels + g * cg) * p, p, output, (b * outChannels + g * og) * p, p);
    return;
  }
  const chunk = Math.max(1, Math.min(batch, Math.floor(COLS_BUDGET / (k * p))));
  const cols = new Float64Array(k * chunk * p);
  const tmp = chunk > 1 ? new Float64Array(og * chunk * p) : null;
  for (let b0 = 0; b0 < batch; b0 += chunk) {
    const nb = Math.min(chunk, batch - b0);
    for (let g = 0; g < group; g++) {
      im2col(a, b0, nb, g * cg, cg, cols);
      if (nb === 1) {
        gemmAccumulate(og, p, k, weight, g * og * k, k, cols, 0, p, output, (b0 * outChannels + g * og) * p, p);
        continue;
      }
      // Several small images share one GEMM so each weight load is used nb·P times; then scatter per image.
      const t = tmp!;
      const ld = nb * p;
      t.fill(0, 0, og * ld);
      gemmAccumulate(og, ld, k, weight, g * og * k, k, cols, 0, ld, t, 0, ld);
      for (let o = 0; o < og; o++)
        for (let b = 0; b < nb; b++) {
          const dst = ((b0 + b) * outChannels + g * og + o) * p;
          const src = o * ld + b * p;
          for (let j = 0; j < p; j++) output[dst + j] += t[src + j];
        }
    }
  }
}
