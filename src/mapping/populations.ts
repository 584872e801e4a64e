/**
 * Building SNN populations from the layers of a rescaled canonical ANN: the weights J, thresholds ϑ and bias currents
 * of shared/spec/ttfs-mapping.md §2, §3 and §7.
 *
 * alpha (exact mapping): J_ij = g_i·W_ij with g_i = α / (1 − Σ_k W_ik), and ϑ_i = g_i·(t2 − b_i) − α·t0 − ΣJ_i·t1,
 *   so that the closed-form spike time is t2 − (Σ_j W_ij x_j + b_i).
 * b1: J = W, ϑ_i = (t2 − t1) − b_i: V(t1) = Σ_j W_ij x_j, then a unit ramp reaches ϑ at t2 − x_i.
 * readout: J = W, α_i = b_i / (tRead − t0), so that V_i(tRead) = Σ_j W_ij x_j + b_i, the logit.
 */
import { product, type LayerNode, type MaxPoolNode } from "../ann/graph.js";
import type { GatePopulation, NeuronModel, Population, Projection, ReadoutPopulation, SpikingPopulation } from "../snn/network.js";
import { weightSums } from "../snn/synapses.js";
import { scaleRows } from "./rescale.js";
import type { Alignment } from "./windows.js";

/** Integration bias of hidden alpha-model neurons (the paper's α = 1). */
export const ALPHA = 1;

function projections(layer: LayerNode, align: Alignment, gain?: Float64Array): Projection[] {
  return layer.terms.map((t, k) => ({ ...(gain ? scaleRows(t, gain, layer.shape) : t), delay: align.delays[k]! }));
}

/** A hidden layer's synapses: the projections J and, for the alpha model, the gains g_i and weight sums Σ_k W_ik. */
export interface SpikingSynapses {
  projections: Projection[];
  gain?: Float64Array;
  sums?: Float64Array;
}

/** The synapses do not depend on the window, so the mapping builds them once per layer. */
export function spikingSynapses(layer: LayerNode, model: NeuronModel, align: Alignment): SpikingSynapses {
  if (model !== "alpha") return { projections: projections(layer, align) };
  const size = product(layer.shape);
  const sums = new Float64Array(size);
  for (const t of layer.terms) {
    const s = weightSums(t, layer.shape);
    for (let i = 0; i < size; i++) sums[i]! += s[i]!;
  }
  const gain = sums.map((s) => ALPHA / (1 - s));
  return { projections: projections(layer, align, gain), gain, sums };
}

export function spikingPopulation(
  layer: LayerNode,
  model: NeuronModel,
  align: Alignment,
  windowLength: number,
  maxActivation: number,
  scale: Float64Array,
  synapses: SpikingSynapses = spikingSynapses(layer, model, align),
): SpikingPopulation {
  const size = product(layer.shape);
  const t0 = align.inputWindow.tMin;
  const t1 = align.inputWindow.tMax;
  const t2 = t1 + windowLength;
  const threshold = new Float64Array(size);
  const projs = synapses.projections;
  const { gain, sums } = synapses;
  if (model === "alpha" && gain && sums) {
    for (let i = 0; i < size; i++) {
      const sumJ = gain[i]! * sums[i]!;
      threshold[i] = gain[i]! * (t2 - layer.bias[i]!) - ALPHA * t0 - sumJ * t1;
    }
  } else {
    for (let i = 0; i < size; i++) threshold[i] = windowLength - layer.bias[i]!;
  }
  return {
    kind: "spiking",
    id: layer.id,
    shape: layer.shape,
    origin: layer.origin,
    window: { tMin: t1, tMax: t2 },
    inputWindow: align.inputWindow,
    alpha: model === "alpha" ? ALPHA : 0,
    threshold,
    maxActivation,
    scale,
    projections: projs,
  };
}

export function readoutPopulation(layer: LayerNode, align: Alignment): ReadoutPopulation {
  const t0 = align.inputWindow.tMin;
  const tRead = align.inputWindow.tMax;
  return {
    kind: "readout",
    id: layer.id,
    shape: layer.shape,
    origin: layer.origin,
    window: { tMin: tRead, tMax: tRead },
    inputWindow: align.inputWindow,
    alpha: layer.bias.map((b) => b / (tRead - t0)),
    relu: layer.relu,
    projections: projections(layer, align),
  };
}

export function gatePopulation(pool: MaxPoolNode, source: Population, scale: Float64Array): GatePopulation {
  return {
    kind: "gate",
    id: pool.id,
    shape: pool.shape,
    origin: pool.origin,
    window: { ...source.window },
    channelSign: pool.channelSign,
    scale,
    projection: {
      kind: "pool",
      source: source.id,
      delay: 0,
      ceilMode: pool.ceilMode,
      kernel: pool.kernel,
      stride: pool.stride,
      pads: pool.pads,
      dilation: pool.dilation,
    },
  };
}
