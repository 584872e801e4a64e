/**
 * The synapses of one destination neuron, enumerated from a projection's structured form (dense matrix, conv kernel,
 * pooling window, identity). Used where a neuron must be looked at input by input: the exact simulator's sorted scan,
 * hardware lowering, synapse counts.
 *
 * A source index of VIRTUAL marks a padded tap of a conv or count-include-pad average projection: a virtual input that
 * encodes 0 (a spike at the end of the input window, see src/snn/network.ts).
 */
import { product } from "../ann/graph.js";
import type { Term } from "../ann/graph.js";
import type { PoolProjection, Projection } from "./network.js";

export const VIRTUAL = -1;

export type SynapseVisitor = (source: number, weight: number) => void;

/** Calls visit(sourceIndex, weight) for every synapse onto neuron `dst` (flat index in dstShape). */
export function forEachSynapse(
  proj: Projection | PoolProjection,
  srcShape: readonly number[],
  dstShape: readonly number[],
  dst: number,
  visit: SynapseVisitor,
): void {
  switch (proj.kind) {
    case "dense": {
      const n = product(srcShape);
      const row = dst * n;
      for (let j = 0; j < n; j++) visit(j, proj.weight[row + j]!);
      return;
    }
    case "identity": {
      const inner = product(dstShape) / proj.weight.length;
      visit(dst, proj.weight[Math.floor(dst / inner)]!);
      return;
    }
    case "conv": {
      const [cin, ih, iw] = srcShape as [number, number, number];
      const [cout, oh, ow] = dstShape as [number, number, number];
      const [kh, kw] = proj.kernel;
      const o = Math.floor(dst / (oh * ow));
      const oy = Math.floor((dst % (oh * ow)) / ow);
      const ox = dst % ow;
      const cpg = cin / proj.group;
      const c0 = Math.floor(o / (cout / proj.group)) * cpg;
      for (let c = 0; c < cpg; c++)
        for (let ky = 0; ky < kh; ky++) {
          const y = oy * proj.stride[0] - proj.pads[0] + ky * proj.dilation[0];
          for (let kx = 0; kx < kw; kx++) {
            const x = ox * proj.stride[1] - proj.pads[1] + kx * proj.dilation[1];
            const w = proj.weight[((o * cpg + c) * kh + ky) * kw + kx]!;
            const inside = y >= 0 && y < ih && x >= 0 && x < iw;
            visit(inside ? ((c0 + c) * ih + y) * iw + x : VIRTUAL, w);
          }
        }
      return;
    }
    case "avgpool":
    case "pool": {
      const [, ih, iw] = srcShape as [number, number, number];
      const [, oh, ow] = dstShape as [number, number, number];
      const [kh, kw] = proj.kernel;
      const [top, left, bottom, right] = proj.pads;
      const c = Math.floor(dst / (oh * ow));
      const oy = Math.floor((dst % (oh * ow)) / ow);
      const ox = dst % ow;
      // Taps inside the image are real synapses; taps in the declared padding are virtual only for count-include-pad
      // averages (they are part of the divisor); taps past the padding (ceil mode) do not exist.
      const includePad = proj.kind === "avgpool" && proj.countIncludePad;
      let count = 0;
      const taps: number[] = [];
      for (let ky = 0; ky < kh; ky++) {
        const y = oy * proj.stride[0] - top + ky * proj.dilation[0];
        for (let kx = 0; kx < kw; kx++) {
          const x = ox * proj.stride[1] - left + kx * proj.dilation[1];
          if (y >= 0 && y < ih && x >= 0 && x < iw) taps.push((c * ih + y) * iw + x);
          else if (includePad && y >= -top && y < ih + bottom && x >= -left && x < iw + right) taps.push(VIRTUAL);
          else continue;
          count++;
        }
      }
      const w = proj.kind === "avgpool" ? proj.weight[c]! / count : 1;
      for (const t of taps) visit(t, w);
      return;
    }
  }
}

/**
 * Σ_j w_j over every synapse of each destination neuron, virtual taps included (the weight sum of the mapping).
 * Computed from the structure, without enumerating synapses: for conv the kernel sum of the neuron's filter.
 */
export function weightSums(proj: Term, dstShape: readonly number[]): Float64Array {
  const size = product(dstShape);
  const sums = new Float64Array(size);
  switch (proj.kind) {
    case "dense": {
      const n = proj.weight.length / size;
      for (let i = 0; i < size; i++) {
        let s = 0;
        for (let j = 0; j < n; j++) s += proj.weight[i * n + j]!;
        sums[i] = s;
      }
      return sums;
    }
    case "conv": {
      const cout = dstShape[0]!;
      const per = proj.weight.length / cout;
      const area = size / cout;
      for (let o = 0; o < cout; o++) {
        let s = 0;
        for (let k = 0; k < per; k++) s += proj.weight[o * per + k]!;
        sums.fill(s, o * area, (o + 1) * area);
      }
      return sums;
    }
    case "avgpool":
    case "identity": {
      // Average taps (real and virtual) sum to the channel gain; identity has one synapse of that weight.
      const channels = proj.weight.length;
      const area = size / channels;
      for (let c = 0; c < channels; c++) sums.fill(proj.weight[c]!, c * area, (c + 1) * area);
      return sums;
    }
  }
}

/** Taps of a window starting at `start` (stride applied) that land inside [0, size). */
function tapsInside(start: number, kernel: number, dilation: number, size: number): number {
  let n = 0;
  for (let k = 0; k < kernel; k++) {
    const p = start + k * dilation;
    if (p >= 0 && p < size) n++;
  }
  return n;
}

/** Number of real (non-virtual) synapses of a projection, counted per axis (no enumeration). */
export function synapseCount(proj: Projection | PoolProjection, srcShape: readonly number[], dstShape: readonly number[]): number {
  switch (proj.kind) {
    case "dense":
      return proj.weight.length;
    case "identity":
      return product(dstShape);
    default: {
      const [cin, ih, iw] = srcShape as [number, number, number];
      const [cout, oh, ow] = dstShape as [number, number, number];
      let rows = 0;
      let cols = 0;
      for (let oy = 0; oy < oh; oy++) rows += tapsInside(oy * proj.stride[0] - proj.pads[0], proj.kernel[0], proj.dilation[0], ih);
      for (let ox = 0; ox < ow; ox++) cols += tapsInside(ox * proj.stride[1] - proj.pads[1], proj.kernel[1], proj.dilation[1], iw);
      const perChannel = proj.kind === "conv" ? cin / proj.group : 1;
      return cout * perChannel * rows * cols;
    }
  }
}
