/**
 * Lowers every synapse group of the HW IR to one source-major form for the cycle engine: for each source neuron,
 * the list of (target neuron, integer contribution to u, delay). Dense, conv and sparse groups all become this
 * CSR, so a spike costs exactly its fan-out. Contributions are exact integers (checked here).
 */
import { InputError } from "../../util/errors.js";
import type { HwConvSynapses, HwPopulation, HwSynapseGroup } from "../../hw/network.js";
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

/** Collects (source, target, contribution, delay) entries, then packs them by source. */
class CsrBuilder {
  private readonly src: number[] = [];
  private readonly dst: number[] = [];
  private readonly w: number[] = [];
  private readonly d: number[] = [];

  constructor(
    private readonly group: HwSynapseGroup,
    private readonly arith: SynapseArithmetic,
    private readonly nSource: number,
  ) {}

  add(source: number, target: number, weight: number, exp: number, delay: number): void {
    if (weight === 0) return;
    const c = synapseContribution(this.group, this.arith, weight, exp);
    if (!Number.isInteger(delay) || delay < 0 || delay > this.arith.maxDelay)
      bad(this.group, `delay ${delay} outside the target's 0..${this.arith.maxDelay} ticks (longer delays need relay neurons)`);
    this.src.push(source);
    this.dst.push(target);
    this.w.push(c);
    this.d.push(delay);
  }

  build(): CompiledSynapses {
    const n = this.src.length;
    const offsets = new Int32Array(this.nSource + 1);
    for (const s of this.src) offsets[s + 1]!++;
    for (let j = 0; j < this.nSource; j++) offsets[j + 1]! += offsets[j]!;
    const fill = offsets.slice(0, this.nSource);
    const post = new Int32Array(n);
    const contribution = new Float64Array(n);
    const delays = new Uint8Array(n);
    for (let k = 0; k < n; k++) {
      const at = fill[this.src[k]!]!++;
      post[at] = this.dst[k]!;
      contribution[at] = this.w[k]!;
      delays[at] = this.d[k]!;
    }
    const maxDelay = this.d.reduce((a, b) => Math.max(a, b), 0);
    const uniform = this.d.every((x) => x === this.d[0]);
    const g = this.group;
    return { id: g.id, source: g.source, target: g.target, offsets, post, contribution, delays: uniform ? null : delays, delay: uniform ? (this.d[0] ?? 0) : 0, maxDelay };
  }
}

const at = (x: number | Int8Array | Uint8Array, i: number): number => (typeof x === "number" ? x : x[i]!);

function checkLength(g: HwSynapseGroup, name: string, x: number | ArrayLike<number>, n: number): void {
  if (typeof x !== "number" && x.length !== n) bad(g, `${name} has ${x.length} entries, expected 1 or ${n}`);
}

function convEntries(g: HwConvSynapses, b: CsrBuilder, src: HwPopulation, dst: HwPopulation): void {
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
  for (let co = 0; co < Co; co++) {
    const exp = at(g.weightExp, co);
    const c0 = Math.floor(co / coutG) * cinG;
    for (let cl = 0; cl < cinG; cl++) {
      for (let ky = 0; ky < kh; ky++) {
        for (let kx = 0; kx < kw; kx++) {
          const w = g.weight[((co * cinG + cl) * kh + ky) * kw + kx]!;
          if (w === 0) continue;
          for (let oy = 0; oy < Ho; oy++) {
            const iy = oy * sh - pt + ky * dh;
            if (iy < 0 || iy >= H) continue;
            for (let ox = 0; ox < Wo; ox++) {
              const ix = ox * sw - pl + kx * dw;
              if (ix < 0 || ix >= W) continue;
              b.add(((c0 + cl) * H + iy) * W + ix, (co * Ho + oy) * Wo + ox, w, exp, g.delay);
            }
          }
        }
      }
    }
  }
}

export function compileSynapses(g: HwSynapseGroup, pops: Map<string, HwPopulation>, arith: SynapseArithmetic): CompiledSynapses {
  const src = pops.get(g.source);
  const dst = pops.get(g.target);
  if (!src) bad(g, `unknown source population '${g.source}'`);
  if (!dst) bad(g, `unknown target population '${g.target}'`);
  if (dst!.kind !== "compartments") bad(g, `target '${g.target}' is a spike source, not compartments`);
  const nS = populationSize(src!);
  const nT = populationSize(dst!);
  const b = new CsrBuilder(g, arith, nS);
  switch (g.kind) {
    case "dense":
      if (g.weight.length !== nS * nT) bad(g, `weight has ${g.weight.length} entries, expected ${nT}×${nS}`);
      checkLength(g, "weightExp", g.weightExp, nT);
      checkLength(g, "delay", g.delay, nT);
      for (let i = 0; i < nT; i++) for (let j = 0; j < nS; j++) b.add(j, i, g.weight[i * nS + j]!, at(g.weightExp, i), at(g.delay, i));
      break;
    case "conv":
      convEntries(g, b, src!, dst!);
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
