/**
 * A per-neuron upper bound on the inhibitory input Σ_j max(−J_ij, 0)·x_j, for the no-premature-crossing proof of
 * population.ts without a second full projection: the proof V_exc(t1) = α·(t1 − t0) + Σ_j max(J_ij,0)·x_j < ϑ_i is
 * the same as Σ_j max(−J_ij,0)·x_j < m_i, the closed form's margin m_i = ϑ_i − α·(t1 − t0) − Σ_j J_ij·x_j.
 *
 * The inputs are cut into groups and Cauchy–Schwarz is applied per group: Σ_j J⁻_ij·x_j ≤ Σ_g ‖J⁻_i,g‖₂·‖x_g‖₂.
 * conv: one group per input channel of the neuron's receptive field (‖x_g‖₂ is a box sum of x² per channel, shared by
 * every output channel); dense: contiguous blocks of about √n inputs; identity: exact; other kinds: the kernel's
 * negative weight sum times the source's largest activation. On lenet5 this clears ~90 % of what the global bound
 * leaves, for a few per cent of a projection's work; the rest take the exact Σ J⁺·x per neuron (excitatory-at.ts).
 */
import { product } from "../../ann/graph.js";
import { gemmAccumulate } from "../../ann/kernels/gemm.js";
import type { Projection } from "../../snn/network.js";
import { weightSums } from "../../snn/synapses.js";

type ConvProjection = Extract<Projection, { kind: "conv" }>;

/** Per projection: the group norms of the negative weights, by neuron (dense) or output channel (conv). */
export type InhibitionNorms =
  | { kind: "conv"; groups: number; norms: Float64Array }
  | { kind: "dense"; groups: number; groupSize: number; norms: Float64Array }
  | { kind: "identity" }
  | { kind: "sum"; negSum: Float64Array };

/** Precomputed once per projection (prepare.ts). */
export function inhibitionNorms(proj: Projection, dstShape: readonly number[]): InhibitionNorms {
  const w = proj.weight;
  if (proj.kind === "conv" || proj.kind === "dense") {
    const rows = proj.kind === "conv" ? dstShape[0]! : product(dstShape);
    const fan = w.length / rows;
    // conv: input channels of the group, each kh·kw taps; dense: blocks of ⌈√n⌉ inputs.
    const groupSize = proj.kind === "conv" ? proj.kernel[0] * proj.kernel[1] : Math.ceil(Math.sqrt(fan));
    const groups = Math.ceil(fan / groupSize);
    const norms = new Float64Array(rows * groups);
    for (let o = 0; o < rows; o++)
      for (let j = 0; j < fan; j++) {
        const v = w[o * fan + j]!;
        if (v < 0) norms[o * groups + Math.floor(j / groupSize)]! += v * v;
      }
    for (let q = 0; q < norms.length; q++) norms[q] = Math.sqrt(norms[q]!);
    return proj.kind === "conv" ? { kind: "conv", groups, norms } : { kind: "dense", groups, groupSize, norms };
  }
  if (proj.kind === "identity") return { kind: "identity" };
  const negSum = weightSums({ ...proj, weight: Float64Array.from(w, (v) => (v < 0 ? -v : 0)) }, dstShape);
  return { kind: "sum", negSum };
}

/** Scratch reused across calls (single-threaded per module instance, like the kernels'). */
let windowScratch: Float64Array = new Float64Array(0);
let rowScratch: Float64Array = new Float64Array(0);

function grow(buf: Float64Array, n: number): Float64Array {
  return buf.length >= n ? buf : new Float64Array(Math.max(n, 2 * buf.length));
}

/**
 * bound[i] ≥ Σ_j max(−J_ij,0)·x_j summed over the projections, for every neuron i of sample b (bound: [size]).
 * xs are the sources' decoded activations (≥ 0), [batch, …srcShape]. One sample at a time: the scratch stays in cache.
 * One function per kind, so that each is optimized for its own loop.
 */
export function inhibitionBound(
  projs: Projection[],
  norms: InhibitionNorms[],
  srcShapes: readonly (readonly number[])[],
  dstShape: readonly number[],
  xs: Float64Array[],
  b: number,
  bound: Float64Array,
): void {
  const size = product(dstShape);
  bound.fill(0, 0, size);
  for (let p = 0; p < projs.length; p++) {
    const proj = projs[p]!;
    const nm = norms[p]!;
    const srcSize = product(srcShapes[p]!);
    if (nm.kind === "conv" && proj.kind === "conv") convBound(proj, nm.norms, nm.groups, srcShapes[p]!, dstShape, xs[p]!, b * srcSize, bound);
    else if (nm.kind === "dense") denseBound(nm, srcSize, size, xs[p]!, b * srcSize, bound);
    else if (nm.kind === "identity") identityBound(proj.weight, size, xs[p]!, b * srcSize, bound);
    else if (nm.kind === "sum") sumBound(nm.negSum, srcSize, size, xs[p]!, b * srcSize, bound);
  }
}

/** conv: bound[o, pos] += Σ_c ‖J⁻_o,c‖·‖x_c over the window at pos‖, a small GEMM per conv group. */
function convBound(proj: ConvProjection, norms: Float64Array, cpg: number, srcShape: readonly number[], dstShape: readonly number[], x: Float64Array, src: number, bound: Float64Array): void {
  const [cin, ih, iw] = srcShape as [number, number, number];
  const [cout, oh, ow] = dstShape as [number, number, number];
  const area = oh * ow;
  const rf = windowNorms(proj, x, src, cin, ih, iw, oh, ow);
  const opg = cout / proj.group;
  for (let g = 0; g < proj.group; g++) gemmAccumulate(opg, area, cpg, norms, g * opg * cpg, cpg, rf, g * cpg * area, area, bound, g * opg * area, area);
}

/** dense: bound[i] += Σ_g ‖J⁻_i,g‖·‖x_g‖ over blocks g of the input. */
function denseBound(nm: Extract<InhibitionNorms, { kind: "dense" }>, srcSize: number, size: number, x: Float64Array, src: number, bound: Float64Array): void {
  const { groups, groupSize, norms } = nm;
  const blocks = (rowScratch = grow(rowScratch, groups));
  blocks.fill(0, 0, groups);
  for (let j = 0; j < srcSize; j++) {
    const v = x[src + j]!;
    blocks[Math.floor(j / groupSize)]! += v * v;
  }
  for (let g = 0; g < groups; g++) blocks[g] = Math.sqrt(blocks[g]!);
  for (let i = 0; i < size; i++) {
    let u = 0;
    for (let g = 0, n = i * groups; g < groups; g++) u += norms[n + g]! * blocks[g]!;
    bound[i]! += u;
  }
}

/** identity: exact, max(−w, 0)·x. */
function identityBound(weight: Float64Array, size: number, x: Float64Array, src: number, bound: Float64Array): void {
  const inner = size / weight.length;
  for (let c = 0; c < weight.length; c++) {
    const w = weight[c]!;
    if (w >= 0) continue;
    for (let i = c * inner; i < (c + 1) * inner; i++) bound[i]! -= w * x[src + i]!;
  }
}

/** Any other kind: the negative weight sum times the sample's largest source activation. */
function sumBound(negSum: Float64Array, srcSize: number, size: number, x: Float64Array, src: number, bound: Float64Array): void {
  let top = 0;
  for (let j = src; j < src + srcSize; j++) if (x[j]! > top) top = x[j]!;
  for (let i = 0; i < size; i++) bound[i]! += negSum[i]! * top;
}

/**
 * ‖x‖₂ of each input channel over each output position's window (padded taps hold 0), [cin, oh, ow], for the image
 * at x[src …]: the box sum of x², separable (rows, then columns), then √. Returns the module's scratch.
 */
function windowNorms(proj: ConvProjection, x: Float64Array, src: number, cin: number, ih: number, iw: number, oh: number, ow: number): Float64Array {
  const [kh, kw] = proj.kernel;
  const [sh, sw] = proj.stride;
  const [dh, dw] = proj.dilation;
  const top = proj.pads[0];
  const left = proj.pads[1];
  const out = (windowScratch = grow(windowScratch, cin * oh * ow));
  const rows = (rowScratch = grow(rowScratch, ih * ow));
  for (let c = 0; c < cin; c++) {
    const from = src + c * ih * iw;
    for (let y = 0; y < ih; y++)
      for (let ox = 0; ox < ow; ox++) {
        let s = 0;
        for (let kx = 0, xx = ox * sw - left; kx < kw; kx++, xx += dw)
          if (xx >= 0 && xx < iw) {
            const v = x[from + y * iw + xx]!;
            s += v * v;
          }
        rows[y * ow + ox] = s;
      }
    const dst = c * oh * ow;
    for (let oy = 0; oy < oh; oy++)
      for (let ox = 0; ox < ow; ox++) {
        let s = 0;
        for (let ky = 0, y = oy * sh - top; ky < kh; ky++, y += dh) if (y >= 0 && y < ih) s += rows[y * ow + ox]!;
        out[dst + oy * ow + ox] = Math.sqrt(s);
      }
  }
  return out;
}
