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

/**
 * Number of real synapses of a projection: taps inside the source (padding is virtual) with a nonzero weight, counted
 * per axis (no enumeration). Zero weights carry nothing: the partial sums of split-fan-in, for one, read all channels
 * of their source with zeros outside their group.
 */
export function synapseCount(proj: Projection | PoolProjection, srcShape: readonly number[], dstShape: readonly number[]): number {
  const nonzero = (w: Float64Array) => w.reduce((a, x) => a + (x !== 0 ? 1 : 0), 0);
  switch (proj.kind) {
    case "dense":
      return nonzero(proj.weight);
    case "identity":
      return (product(dstShape) / proj.weight.length) * nonzero(proj.weight);
    default: {
      const [, ih, iw] = srcShape as [number, number, number];
      const [cout, oh, ow] = dstShape as [number, number, number];
      // Output positions each kernel row (column) reaches inside the source.
      const reach = (k: number, out: number, stride: number, pad: number, dilation: number, size: number) => {
        let n = 0;
        for (let o = 0; o < out; o++) {
          const p = o * stride - pad + k * dilation;
          if (p >= 0 && p < size) n++;
        }
        return n;
      };
      const rows = Array.from({ length: proj.kernel[0] }, (_, ky) => reach(ky, oh, proj.stride[0], proj.pads[0], proj.dilation[0], ih));
      const cols = Array.from({ length: proj.kernel[1] }, (_, kx) => reach(kx, ow, proj.stride[1], proj.pads[1], proj.dilation[1], iw));
      const allRows = rows.reduce((a, b) => a + b, 0);
      const allCols = cols.reduce((a, b) => a + b, 0);
      if (proj.kind === "pool") return cout * allRows * allCols;
      if (proj.kind === "avgpool") return nonzero(proj.weight) * (cout / proj.weight.length) * allRows * allCols;
      // conv, weight [cout, cin/group, kh, kw]: each nonzero tap reaches rows[ky] × cols[kx] outputs.
      const [kh, kw] = proj.kernel;
      let n = 0;
      for (let i = 0; i < proj.weight.length; i++) if (proj.weight[i] !== 0) n += rows[Math.floor(i / kw) % kh]! * cols[i % kw]!;
      return n;
    }
  }
}
