/**
 * Lowers every synapse group of the HW IR to one source-major form for the cycle engine: for each source neuron,
 * the list of (target neuron, integer contribution to u, delay). Dense, conv and sparse groups all become this
 * CSR, so a spike costs exactly its fan-out. Contributions are exact integers (checked here).
 */
import { InputError } from "../../util/errors.js";
import type { HwConvSynapses, HwDenseSynapses, HwPopulation, HwSynapseGroup } from "../../hw/network.js";
import { populationSize } from "../../hw/network.js";
import { weightContribution } from "./arithmetic.js";

export interface SynapseArithmetic {
  /** Contribution = weight · 2^(weightShift + exp). */
  weightShift: number;
  /** |contribution| is clipped to this (Loihi 1 per-synapse clip), or null. */
  perSynapseClip: number | null;
  /** Largest delay the target allows (ticks beyond the latency), or 0 when it has none. */
  maxDelay: number;
}

export interface CompiledSynapses {
  id: string;
  source: string;
  target: string;
  /** Synapses of source neuron j: [offsets[j], offsets[j+1]). */
  offsets: Int32Array;
  post: Int32Array;
  contribution: Float64Array;
  /** Per-synapse delays, or null when every synapse has `delay`. */
  delays: Uint8Array | null;
  delay: number;
  maxDelay: number;
}

const bad = (g: HwSynapseGroup, what: string): never => {
  throw new InputError(`HW IR synapse group '${g.id}' (${g.kind}, ${g.source} → ${g.target}): ${what}`, "the HW IR is inconsistent; re-run the lowering, or fix the hw.json that was edited by hand");
};

/** A weight mantissa's contribution to u on the target: w · 2^(shift + exp), an integer, clipped per synapse. */
export function synapseContribution(g: HwSynapseGroup, arith: SynapseArithmetic, weight: number, exp: number): number {
  const c = weightContribution(weight, arith.weightShift, exp);
  if (!Number.isInteger(c)) bad(g, `weight ${weight} · 2^(${arith.weightShift} + ${exp}) is not an integer`);
  const clipAt = arith.perSynapseClip;
  return clipAt !== null && Math.abs(c) > clipAt ? Math.sign(c) * clipAt : c;
}

/**
 * Collects (source, target, contribution, delay) entries, then packs them by source. Typed arrays of the group's
 * synapse count at most (a 4096 × 4096 dense group: 17 bytes per synapse instead of ~40 in plain arrays).
 */
class CsrBuilder {
  private readonly src: Int32Array;
  private readonly dst: Int32Array;
  private readonly w: Float64Array;
  private readonly d: Uint8Array;
  private n = 0;

  constructor(
    private readonly group: HwSynapseGroup,
    private readonly arith: SynapseArithmetic,
    private readonly nSource: number,
    capacity: number,
  ) {
    this.src = new Int32Array(capacity);
    this.dst = new Int32Array(capacity);
    this.w = new Float64Array(capacity);
    this.d = new Uint8Array(capacity);
  }

  add(source: number, target: number, weight: number, exp: number, delay: number): void {
    if (weight === 0) return;
    const c = synapseContribution(this.group, this.arith, weight, exp);
    if (!Number.isInteger(delay) || delay < 0 || delay > this.arith.maxDelay)
      bad(this.group, `delay ${delay} outside the target's 0..${this.arith.maxDelay} ticks (longer delays need relay neurons)`);
    const k = this.n++;
    this.src[k] = source;
    this.dst[k] = target;
    this.w[k] = c;
    this.d[k] = delay;
  }

  build(): CompiledSynapses {
    const n = this.n;
    const offsets = new Int32Array(this.nSource + 1);
    for (let k = 0; k < n; k++) offsets[this.src[k]! + 1]!++;
    for (let j = 0; j < this.nSource; j++) offsets[j + 1]! += offsets[j]!;
    const fill = offsets.slice(0, this.nSource);
    const post = new Int32Array(n);
    const contribution = new Float64Array(n);
    const delays = new Uint8Array(n);
    let maxDelay = 0;
    let uniform = true;
    for (let k = 0; k < n; k++) {
      const at = fill[this.src[k]!]!++;
      const d = this.d[k]!;
      post[at] = this.dst[k]!;
      contribution[at] = this.w[k]!;
      delays[at] = d;
      if (d > maxDelay) maxDelay = d;
      if (d !== this.d[0]) uniform = false;
    }
    const g = this.group;
    return { id: g.id, source: g.source, target: g.target, offsets, post, contribution, delays: uniform ? null : delays, delay: uniform && n > 0 ? this.d[0]! : 0, maxDelay };
  }
}

const at = (x: number | Int8Array | Uint8Array, i: number): number => (typeof x === "number" ? x : x[i]!);

function checkLength(g: HwSynapseGroup, name: string, x: number | ArrayLike<number>, n: number): void {
  if (typeof x !== "number" && x.length !== n) bad(g, `${name} has ${x.length} entries, expected 1 or ${n}`);
}

/** A conv group's geometry, checked against its populations' shapes and its weight and exponent lengths. */
function convGeometry(g: HwConvSynapses, src: HwPopulation, dst: HwPopulation) {
  if (src.shape.length !== 3 || dst.shape.length !== 3) bad(g, `conv needs [C, H, W] shapes, got [${src.shape}] → [${dst.shape}]`);
  const [C, H, W] = src.shape as [number, number, number];
  const [Co, Ho, Wo] = dst.shape as [number, number, number];
  const [kh, kw] = g.kernel;
  const [sh, sw] = g.stride;
  const [pt, pl, pb, pr] = g.pads;
  const [dh, dw] = g.dilation;
  const cinG = C / g.group;
  const coutG = Co / g.group;
  if (!Number.isInteger(cinG) || !Number.isInteger(coutG)) bad(g, `group ${g.group} does not divide channels ${C} → ${Co}`);
  const hExp = Math.floor((H + pt + pb - dh * (kh - 1) - 1) / sh) + 1;
  const wExp = Math.floor((W + pl + pr - dw * (kw - 1) - 1) / sw) + 1;
  if (hExp !== Ho || wExp !== Wo) bad(g, `output ${Ho}×${Wo} but the geometry gives ${hExp}×${wExp}`);
  if (g.weight.length !== Co * cinG * kh * kw) bad(g, `weight has ${g.weight.length} entries, expected ${Co * cinG * kh * kw}`);
  checkLength(g, "weightExp", g.weightExp, Co);
  return { C, H, W, Co, Ho, Wo, kh, kw, sh, sw, pt, pl, dh, dw, cinG, coutG };
}

type ConvGeometry = ReturnType<typeof convGeometry>;

/** Calls visit(source neuron, output position oy·Wo + ox) for every output tap (ky, kx) of input channel c reaches. */
function forEachReach(geo: ConvGeometry, c: number, ky: number, kx: number, visit: (source: number, position: number) => void): void {
  const { H, W, Ho, Wo, sh, sw, pt, pl, dh, dw } = geo;
  for (let oy = 0; oy < Ho; oy++) {
    const iy = oy * sh - pt + ky * dh;
    if (iy < 0 || iy >= H) continue;
    for (let ox = 0; ox < Wo; ox++) {
      const ix = ox * sw - pl + kx * dw;
      if (ix >= 0 && ix < W) visit((c * H + iy) * W + ix, oy * Wo + ox);
    }
  }
}

function convEntries(g: HwConvSynapses, b: CsrBuilder, src: HwPopulation, dst: HwPopulation): void {
  const geo = convGeometry(g, src, dst);
  const { Co, Ho, Wo, kh, kw, cinG, coutG } = geo;
  for (let co = 0; co < Co; co++) {
    const exp = at(g.weightExp, co);
    const c0 = Math.floor(co / coutG) * cinG;
    for (let cl = 0; cl < cinG; cl++)
      for (let ky = 0; ky < kh; ky++)
        for (let kx = 0; kx < kw; kx++) {
          const w = g.weight[((co * cinG + cl) * kh + ky) * kw + kx]!;
          if (w !== 0) forEachReach(geo, c0 + cl, ky, kx, (source, position) => b.add(source, co * Ho * Wo + position, w, exp, g.delay));
        }
  }
}

/** Output neurons × taps per output of a conv group (before its geometry is checked: at least 0). */
function convTaps(g: HwConvSynapses, dst: HwPopulation): number {
  return Math.max(0, populationSize(dst) * (g.weight.length / Math.max(1, dst.shape[0] ?? 1)));
}

/** The group's source and target, checked to exist (the target: compartments), and their sizes. */
function endpoints(g: HwSynapseGroup, pops: Map<string, HwPopulation>): { src: HwPopulation; dst: HwPopulation; nS: number; nT: number } {
  const src = pops.get(g.source);
  const dst = pops.get(g.target);
  if (!src) bad(g, `unknown source population '${g.source}'`);
  if (!dst) bad(g, `unknown target population '${g.target}'`);
  if (dst!.kind !== "compartments") bad(g, `target '${g.target}' is a spike source, not compartments`);
  return { src: src!, dst: dst!, nS: populationSize(src!), nT: populationSize(dst!) };
}

function checkDense(g: HwDenseSynapses, nS: number, nT: number): void {
  if (g.weight.length !== nS * nT) bad(g, `weight has ${g.weight.length} entries, expected ${nT}×${nS}`);
  checkLength(g, "weightExp", g.weightExp, nT);
  checkLength(g, "delay", g.delay, nT);
}

/** What the engine needs of a group before choosing its form: nonzero synapses, per source neuron, and the largest delay. */
export interface GroupSummary {
  nnz: number;
  events: Int32Array;
  maxDelay: number;
}

export function summaryOf(c: CompiledSynapses, nS: number): GroupSummary {
  const events = new Int32Array(nS);
  for (let j = 0; j < nS; j++) events[j] = c.offsets[j + 1]! - c.offsets[j]!;
  return { nnz: c.post.length, events, maxDelay: c.maxDelay };
}

/**
 * A dense group's summary from its weights, checked as compileSynapses checks it, without building its CSR (a 4096 ×
 * 4096 group: 16.7 M entries the engine then stores as dense rows anyway). Contributions are checked when the rows
 * are built (projections.ts), or by compileSynapses if the group ends up in CSR form.
 */
export function denseSummary(g: HwDenseSynapses, pops: Map<string, HwPopulation>, arith: SynapseArithmetic): GroupSummary {
  const { nS, nT } = endpoints(g, pops);
  checkDense(g, nS, nT);
  // As the CSR: the largest delay of a synapse that exists (a target with no nonzero weight has none).
  let maxDelay = 0;
  const events = new Int32Array(nS);
  let nnz = 0;
  for (let i = 0; i < nT; i++) {
    const row = i * nS;
    let any = false;
    for (let j = 0; j < nS; j++) if (g.weight[row + j] !== 0) (events[j]!++, (any = true));
    if (!any) continue;
    const d = at(g.delay, i);
    if (!Number.isInteger(d) || d < 0 || d > arith.maxDelay) bad(g, `delay ${d} outside the target's 0..${arith.maxDelay} ticks (longer delays need relay neurons)`);
    if (d > maxDelay) maxDelay = d;
  }
  for (let j = 0; j < nS; j++) nnz += events[j]!;
  return { nnz, events, maxDelay };
}

/**
 * A conv group's summary, checked as compileSynapses checks it, without its CSR (a conv's synapses are its taps at
 * every output: a ResNet's run to hundreds of millions, while the engine keeps only the kernel). A source's events:
 * per tap (input channel, ky, kx), the output channels with a nonzero weight there, at every output that tap reaches.
 * Contributions are checked when the kernel is built (projections.ts).
 */
export function convSummary(g: HwConvSynapses, pops: Map<string, HwPopulation>, arith: SynapseArithmetic): GroupSummary {
  const { src, dst, nS } = endpoints(g, pops);
  const geo = convGeometry(g, src, dst);
  const { kh, kw, cinG, coutG } = geo;
  if (!Number.isInteger(g.delay) || g.delay < 0 || g.delay > arith.maxDelay) bad(g, `delay ${g.delay} outside the target's 0..${arith.maxDelay} ticks (longer delays need relay neurons)`);
  const events = new Int32Array(nS);
  let nnz = 0;
  for (let grp = 0; grp < g.group; grp++)
    for (let cl = 0; cl < cinG; cl++)
      for (let ky = 0; ky < kh; ky++)
        for (let kx = 0; kx < kw; kx++) {
          let outs = 0;
          for (let co = grp * coutG; co < (grp + 1) * coutG; co++) if (g.weight[((co * cinG + cl) * kh + ky) * kw + kx] !== 0) outs++;
          if (outs > 0)
            forEachReach(geo, grp * cinG + cl, ky, kx, (source) => {
              events[source]! += outs;
              nnz += outs;
            });
        }
  return { nnz, events, maxDelay: nnz > 0 ? g.delay : 0 };
}

export function compileSynapses(g: HwSynapseGroup, pops: Map<string, HwPopulation>, arith: SynapseArithmetic): CompiledSynapses {
  const { src, dst, nS, nT } = endpoints(g, pops);
  // Every synapse the group can hold (conv: every tap of every output, padded ones included).
  const capacity = g.kind === "dense" ? nS * nT : g.kind === "sparse" ? g.pre.length : convTaps(g, dst);
  const b = new CsrBuilder(g, arith, nS, capacity);
  switch (g.kind) {
    case "dense":
      checkDense(g, nS, nT);
      for (let i = 0; i < nT; i++) for (let j = 0; j < nS; j++) b.add(j, i, g.weight[i * nS + j]!, at(g.weightExp, i), at(g.delay, i));
      break;
    case "conv":
      convEntries(g, b, src, dst);
      break;
    case "sparse": {
      const n = g.pre.length;
      if (g.post.length !== n || g.weight.length !== n) bad(g, "pre, post and weight differ in length");
      checkLength(g, "weightExp", g.weightExp, n);
      checkLength(g, "delay", g.delay, n);
      for (let k = 0; k < n; k++) {
        const j = g.pre[k]!;
        const i = g.post[k]!;
        if (j < 0 || j >= nS || i < 0 || i >= nT) bad(g, `synapse ${k} (${j} → ${i}) is outside the populations (${nS} → ${nT})`);
        b.add(j, i, g.weight[k]!, at(g.weightExp, k), at(g.delay, k));
      }
      break;
    }
  }
  return b.build();
}
