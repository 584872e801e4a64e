/**
 * The excitatory input Σ_j max(J_ij, 0)·x_j of single neurons, for the few that the global bound leaves: cheaper than
 * the whole excitatory projection when they are a small share of the population.
 * One function per projection kind, so that each is optimized for its own loop (they run once per population).
 */
import { product } from "../../ann/graph.js";
import type { Projection } from "../../snn/network.js";
import { forEachSynapse, VIRTUAL } from "../../snn/synapses.js";

type ConvProjection = Extract<Projection, { kind: "conv" }>;

/**
 * out[q] = Σ over the projections of Σ_j J⁺_ij·x_j for neuron list[q] (flat batch indices, ascending); `excitatory`
 * are the projections with their negative weights set to 0, xs the sources' decoded activations [batch, …srcShape].
 */
export function excitatoryAt(
  excitatory: Projection[],
  srcShapes: readonly (readonly number[])[],
  dstShape: readonly number[],
  xs: Float64Array[],
  list: Int32Array,
  count: number,
): Float64Array {
  const out = new Float64Array(count);
  for (let p = 0; p < excitatory.length; p++) {
    const proj = excitatory[p]!;
    if (proj.kind === "dense") denseAt(proj.weight, product(srcShapes[p]!), product(dstShape), xs[p]!, list, count, out);
    else if (proj.kind === "conv") convAt(proj, srcShapes[p]!, dstShape, xs[p]!, list, count, out);
    else synapsesAt(proj, srcShapes[p]!, dstShape, xs[p]!, list, count, out);
  }
  return out;
}

/** Dense rows: one dot product per neuron, four partial sums. */
function denseAt(w: Float64Array, srcSize: number, size: number, x: Float64Array, list: Int32Array, count: number, out: Float64Array): void {
  let b = 0;
  let from = 0; // first neuron of sample b
  for (let q = 0; q < count; q++) {
    const k = list[q]!;
    while (k >= from + size) {
      from += size;
      b++;
    }
    const row = (k - from) * srcSize;
    const base = b * srcSize;
    let s0 = 0, s1 = 0, s2 = 0, s3 = 0; // prettier-ignore
    let j = 0;
    for (; j + 4 <= srcSize; j += 4) {
      s0 += w[row + j]! * x[base + j]!;
      s1 += w[row + j + 1]! * x[base + j + 1]!;
      s2 += w[row + j + 2]! * x[base + j + 2]!;
      s3 += w[row + j + 3]! * x[base + j + 3]!;
    }
    for (; j < srcSize; j++) s0 += w[row + j]! * x[base + j]!;
    out[q]! += s0 + s1 + (s2 + s3);
  }
}

/** Conv: windows inside the image through precomputed tap offsets (no bounds tests), the others tap by tap. */
function convAt(proj: ConvProjection, srcShape: readonly number[], dstShape: readonly number[], x: Float64Array, list: Int32Array, count: number, out: Float64Array): void {
  const w = proj.weight;
  const [cin, ih, iw] = srcShape as [number, number, number];
  const [cout, oh, ow] = dstShape as [number, number, number];
  const [kh, kw] = proj.kernel;
  const [sh, sw] = proj.stride;
  const [dh, dw] = proj.dilation;
  const padTop = proj.pads[0];
  const padLeft = proj.pads[1];
  const cpg = cin / proj.group;
  const opg = cout / proj.group;
  const area = oh * ow;
  const taps = cpg * kh * kw;
  const tap = new Int32Array(taps);
  for (let c = 0; c < cpg; c++)
    for (let ky = 0; ky < kh; ky++) for (let kx = 0; kx < kw; kx++) tap[(c * kh + ky) * kw + kx] = (c * ih + ky * dh) * iw + kx * dw;
  const yLast = (kh - 1) * dh;
  const xLast = (kw - 1) * dw;
  // The list is ascending: the sample and channel are tracked, not divided out.
  let b = 0;
  let o = 0;
  let from = 0; // first neuron of (b, o)
  for (let q = 0; q < count; q++) {
    const k = list[q]!;
    while (k >= from + area) {
      from += area;
      if (++o === cout) {
        o = 0;
        b++;
      }
    }
    const pos = k - from;
    const oy = Math.floor(pos / ow);
    const ox = pos - oy * ow;
    const y0 = oy * sh - padTop;
    const x0 = ox * sw - padLeft;
    const c0 = Math.floor(o / opg) * cpg;
    const wo = o * taps;
    if (y0 >= 0 && y0 + yLast < ih && x0 >= 0 && x0 + xLast < iw) {
      // Four partial sums: independent chains, not one add latency per tap.
      const corner = ((b * cin + c0) * ih + y0) * iw + x0;
      let s0 = 0, s1 = 0, s2 = 0, s3 = 0; // prettier-ignore
      let t = 0;
      for (; t + 4 <= taps; t += 4) {
        s0 += w[wo + t]! * x[corner + tap[t]!]!;
        s1 += w[wo + t + 1]! * x[corner + tap[t + 1]!]!;
        s2 += w[wo + t + 2]! * x[corner + tap[t + 2]!]!;
        s3 += w[wo + t + 3]! * x[corner + tap[t + 3]!]!;
      }
      for (; t < taps; t++) s0 += w[wo + t]! * x[corner + tap[t]!]!;
      out[q]! += s0 + s1 + (s2 + s3);
      continue;
    }
    // Padded taps hold x = 0: only the taps inside the image count.
    let s = 0;
    for (let c = 0; c < cpg; c++) {
      const sBase = (b * cin + c0 + c) * ih * iw;
      for (let ky = 0; ky < kh; ky++) {
        const y = y0 + ky * dh;
        if (y < 0 || y >= ih) continue;
        const wRow = wo + (c * kh + ky) * kw;
        const sRow = sBase + y * iw;
        for (let kx = 0; kx < kw; kx++) {
          const xx = x0 + kx * dw;
          if (xx >= 0 && xx < iw) s += w[wRow + kx]! * x[sRow + xx]!;
        }
      }
    }
    out[q]! += s;
  }
}

/** Any other kind (identity, average pool): synapse by synapse. */
function synapsesAt(proj: Projection, srcShape: readonly number[], dstShape: readonly number[], x: Float64Array, list: Int32Array, count: number, out: Float64Array): void {
  const size = product(dstShape);
  const srcSize = product(srcShape);
  for (let q = 0; q < count; q++) {
    const k = list[q]!;
    const b = Math.floor(k / size);
    let s = 0;
    forEachSynapse(proj, srcShape, dstShape, k - b * size, (j, wj) => {
      if (j !== VIRTUAL) s += wj * x[b * srcSize + j]!;
    });
    out[q]! += s;
  }
}
