/**
 * The HW IR as the placer reads it: global neuron ids (one range per population), the synapse groups into each
 * population with their list formats (sign mode, stored weight bits, delay bits, exponent per target or synapse),
 * and sparse groups indexed by target neuron so a tile reads only its own synapses. Lists are stored as narrow as their
 * weights allow, unless that gives some neuron more format entries than a core holds (format-sharing.ts).
 */
import type { HwCompartmentPopulation, HwNetwork, HwPopulation, HwSynapseGroup } from "../hw/network.js";
import { populationSize } from "../hw/network.js";
import type { SignMode, Target } from "../hw/target/target.js";
import { shareFormatEntries } from "./format-sharing.js";

export interface PreparedGroup {
  g: HwSynapseGroup;
  source: HwPopulation;
  mode: SignMode;
  /** Stored weight bits the group's largest weight needs in its sign mode. */
  weightBits: number;
  delayBits: number;
  /** Distinct exponents of the group (format index = position here). */
  exps: number[];
  /** Sparse groups: synapse indices by target neuron (CSR). */
  byPost: { offsets: Int32Array; index: Int32Array } | null;
}

export interface PreparedNet {
  net: HwNetwork;
  target: Target;
  pops: Map<string, HwPopulation>;
  /** First global neuron id of each population (every population, sources included). */
  base: Map<string, number>;
  totalNeurons: number;
  incoming: Map<string, PreparedGroup[]>;
  /** Index bits a sparse synapse entry needs to address any compartment of a core. */
  indexBits: number;
  /**
   * Output axon slots expected per global neuron (destination cores of its spikes), measured by an earlier placement
   * of the same network; null on the first placement. Tiles then count their neurons' slots (./place.ts).
   */
  outputSlots: Float64Array | null;
}

export const expAt = (x: number | Int8Array, i: number): number => (typeof x === "number" ? x : x[i]!);
export const delayAt = (x: number | Uint8Array, i: number): number => (typeof x === "number" ? x : x[i]!);

/** Sign mode and stored bits of a weight field (Loihi: mixed values are even, −256..254, stored as value/2 in 8 bits). */
function weightFormat(w: Int16Array, target: Target): { mode: SignMode; bits: number } {
  let lo = 0;
  let hi = 0;
  for (let k = 0; k < w.length; k++) {
    const x = w[k]!;
    if (x < lo) lo = x;
    else if (x > hi) hi = x;
  }
  const mode: SignMode = lo >= 0 ? "excitatory" : hi <= 0 ? "inhibitory" : "mixed";
  const r = target.synapse.weightRanges[mode] ?? target.synapse.weightRanges.mixed;
  const step = r?.step ?? 1;
  const magnitude = Math.max(-lo, hi) / step;
  let bits = Math.ceil(Math.log2(magnitude + 1)) + (mode === "mixed" ? 1 : 0);
  // The mode's whole range fits the weight field (inhibitory −256 is a full 8-bit field, not 9 bits).
  if (r && lo >= r.min && hi <= r.max) bits = Math.min(bits, target.synapse.weightBits);
  return { mode, bits: Math.max(1, bits) };
}

function distinct(x: number | Int8Array): number[] {
  if (typeof x === "number") return [x];
  // int8 values: one pass over a 256-entry table (clock groups have an exponent per synapse, millions of them).
  const seen = new Uint8Array(256);
  for (let k = 0; k < x.length; k++) seen[x[k]! + 128] = 1;
  const out: number[] = [];
  for (let v = 0; v < 256; v++) if (seen[v]) out.push(v - 128);
  return out;
}

export function prepare(net: HwNetwork, target: Target): PreparedNet {
  const pops = new Map(net.populations.map((p) => [p.id, p]));
  const base = new Map<string, number>();
  let total = 0;
  for (const p of net.populations) {
    base.set(p.id, total);
    total += populationSize(p);
  }
  const incoming = new Map<string, PreparedGroup[]>(net.populations.map((p) => [p.id, []]));
  for (const g of net.synapses) {
    const { mode, bits } = weightFormat(g.weight, target);
    let maxDelay = 0;
    if (typeof g.delay === "number") maxDelay = g.delay;
    else for (const d of g.delay) maxDelay = Math.max(maxDelay, d);
    let byPost: PreparedGroup["byPost"] = null;
    if (g.kind === "sparse") {
      const n = populationSize(pops.get(g.target)!);
      const offsets = new Int32Array(n + 1);
      for (const i of g.post) offsets[i + 1]!++;
      for (let i = 0; i < n; i++) offsets[i + 1]! += offsets[i]!;
      const fill = offsets.slice(0, n);
      const index = new Int32Array(g.post.length);
      for (let k = 0; k < g.post.length; k++) index[fill[g.post[k]!]!++] = k;
      byPost = { offsets, index };
    }
    incoming.get(g.target)!.push({
      g,
      source: pops.get(g.source)!,
      mode,
      weightBits: bits,
      delayBits: maxDelay > 0 ? Math.ceil(Math.log2(maxDelay + 1)) : 0,
      exps: distinct(g.weightExp),
      byPost,
    });
  }
  const table = target.coreClasses[0]!.profiles.synapseFormat;
  if (table !== null) shareFormatEntries(incoming, pops, table, target.synapse.weightBits);
  const maxNeurons = target.coreClasses[0]!.maxNeurons;
  return { net, target, pops, base, totalNeurons: total, incoming, indexBits: Math.max(1, Math.ceil(Math.log2(maxNeurons))), outputSlots: null };
}

/** Neuron-profile keys of a compartment population: compartment profile, threshold, shared (vmin/vmax) per profile. */
export function profileKeys(p: HwCompartmentPopulation): { compartment: string[]; threshold: number[]; shared: string[] } {
  return {
    compartment: p.profiles.map((q) => (q.neuron === "cuba-lif" ? `cuba du=${q.decayU} dv=${q.decayV} refr=${q.refractory}` : `b1 ${q.phase2Start}..${q.phase2End} ramp=${q.ramp}`)),
    threshold: p.profiles.map((q) => q.vthMant),
    shared: p.profiles.map((q) => `vmin=${q.vmin} vmax=${q.vmax}`),
  };
}
