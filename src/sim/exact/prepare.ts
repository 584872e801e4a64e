/**
 * Per-population constants of the exact simulator, derived once from the SNN IR: weight sums (virtual taps
 * included), the closed-form offsets, and the excitatory-only projections used by the no-premature-crossing bound.
 */
import { product } from "../../ann/graph.js";
import { signedConvPays } from "../../ann/kernels/conv2d-signed.js";
import { withWeights } from "../../ann/term.js";
import type { Population, Projection, ReadoutPopulation, SnnNetwork, SpikingPopulation } from "../../snn/network.js";
import { populationById } from "../../snn/network.js";
import { weightSums } from "../../snn/synapses.js";

export interface PreparedSpiking {
  pop: SpikingPopulation;
  sources: Population[];
  /** α + Σ_j J_ij: the slope once every input has arrived. */
  slope: Float64Array;
  /** ϑ_i + α·t0 + ΣJ_i·t1: the closed form is t_i = (offset_i − Σ_j J_ij·x_j) / slope_i. */
  offset: Float64Array;
  /** The projections with negative weights set to 0 (excitatory part), for the bound. */
  excitatory: Projection[];
  /** Σ_j max(J_ij, 0) per neuron. */
  excitatorySum: Float64Array;
  /** Largest fan-in over the population's neurons, virtual taps included, plus one (the bias event). */
  maxEvents: number;
  /** Every projection a convolution whose excitatory part comes in the same pass (conv2d-signed.ts). */
  signedConvs: boolean;
}

export interface PreparedReadout {
  pop: ReadoutPopulation;
  sources: Population[];
}

export interface PreparedNetwork {
  net: SnnNetwork;
  byId: Map<string, Population>;
  spiking: Map<string, PreparedSpiking>;
  readout: Map<string, PreparedReadout>;
}

function positivePart(w: Float64Array): Float64Array {
  const out = new Float64Array(w.length);
  for (let i = 0; i < w.length; i++) out[i] = w[i]! > 0 ? w[i]! : 0;
  return out;
}

function fanIn(proj: Projection, srcShape: readonly number[], dstShape: readonly number[]): number {
  switch (proj.kind) {
    case "dense":
      return product(srcShape);
    case "identity":
      return 1;
    case "conv":
      return (srcShape[0]! / proj.group) * proj.kernel[0] * proj.kernel[1];
    case "avgpool":
      return proj.kernel[0] * proj.kernel[1];
  }
}

export function prepareSpiking(pop: SpikingPopulation, byId: Map<string, Population>): PreparedSpiking {
  const size = product(pop.shape);
  const sources = pop.projections.map((p) => byId.get(p.source)!);
  const sumJ = new Float64Array(size);
  const excitatorySum = new Float64Array(size);
  const excitatory: Projection[] = [];
  let maxEvents = 1;
  pop.projections.forEach((proj, k) => {
    const s = weightSums(proj, pop.shape);
    for (let i = 0; i < size; i++) sumJ[i]! += s[i]!;
    const pos = withWeights(proj, positivePart(proj.weight));
    excitatory.push(pos);
    const sp = weightSums(pos, pop.shape);
    for (let i = 0; i < size; i++) excitatorySum[i]! += sp[i]!;
    maxEvents += fanIn(proj, sources[k]!.shape, pop.shape);
  });
  const t0 = pop.inputWindow.tMin;
  const t1 = pop.inputWindow.tMax;
  const slope = new Float64Array(size);
  const offset = new Float64Array(size);
  for (let i = 0; i < size; i++) {
    slope[i] = pop.alpha + sumJ[i]!;
    offset[i] = pop.threshold[i]! + pop.alpha * t0 + sumJ[i]! * t1;
  }
  const signedConvs = pop.projections.every((p) => p.kind === "conv" && signedConvPays(p));
  return { pop, sources, slope, offset, excitatory, excitatorySum, maxEvents, signedConvs };
}

export function prepareNetwork(net: SnnNetwork): PreparedNetwork {
  const byId = populationById(net);
  const spiking = new Map<string, PreparedSpiking>();
  const readout = new Map<string, PreparedReadout>();
  for (const pop of net.populations) {
    if (pop.kind === "spiking") spiking.set(pop.id, prepareSpiking(pop, byId));
    if (pop.kind === "readout") readout.set(pop.id, { pop, sources: pop.projections.map((p) => byId.get(p.source)!) });
  }
  return { net, byId, spiking, readout };
}
