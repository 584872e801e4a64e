/**
 * SNN IR: populations of single-spike (time-to-first-spike) neurons and the projections between them, in
 * continuous time (float64). Time is measured in input windows: the input population fires in [0, 1].
 *
 * Coding: a neuron of a spiking population with window [tMin, tMax] that spikes at t encodes the activation
 * x = tMax − t ≥ 0 of the (rescaled) ReLU network; a spike at tMax, or no spike at all (B1), encodes x = 0.
 *
 * Neuron models (shared/spec/ttfs-mapping.md §1, §7), for a neuron with input window [t0, t1] = inputWindow and
 * firing window [t1, t2] = window (t1 = inputWindow.tMax = window.tMin):
 * - alpha: V(t) = α·[t − t0]_+ + Σ_j J_j·[t − t_j]_+. It spikes at the first t with V(t) ≥ ϑ (premature crossings
 *   included), or is forced to spike at t2. Exactly one spike per neuron.
 * - b1: V(t) = Σ_j J_j·([min(t, t1) − t_j]_+) + [t − t1]_+ (input currents act until t1, then a unit ramp).
 *   The threshold is compared in the firing phase only: spike at the first t ∈ [t1, t2) with V(t) ≥ ϑ,
 *   otherwise no spike (a silent neuron encodes 0).
 * Padded taps of conv and count-include-pad average projections are virtual input spikes at t1 (they encode 0):
 * in the alpha model they add J·[t − t1]_+, in b1 nothing.
 *
 * A projection's delay d shifts the source's spikes: a spike at t arrives at t + d. Delays align sources from
 * different windows (skip paths, concatenation) so that every source's window ends at t1.
 */
import type { Origin, Term, Window2d } from "../ann/graph.js";

export type NeuronModel = "alpha" | "b1";

export interface TimeWindow {
  tMin: number;
  tMax: number;
}

/** A synaptic projection onto a spiking population or readout: a canonical-layer term plus a delay. */
export type Projection = Term & { delay: number };

/** The projection of a max-pool gate: which source neurons compete for each gate. Padding never wins. */
export type PoolProjection = { kind: "pool"; source: string; delay: number; ceilMode: boolean } & Window2d;

interface PopulationBase {
  id: string;
  shape: number[];
  /** ONNX nodes this population computes, in graph order. */
  origin: Origin[];
  /** Firing window [tMin, tMax]. */
  window: TimeWindow;
}

/**
 * Input encoding: pixel x ∈ [low, high] spikes at t = 1 − (x − low)/(high − low) (clipped to [0, 1]).
 * In b1 a value at `low` (x̂ = 0) does not spike.
 */
export interface InputPopulation extends PopulationBase {
  kind: "input";
  range: { low: number; high: number };
}

/** A layer of TTFS neurons (one per activation of a ReLU layer). */
export interface SpikingPopulation extends PopulationBase {
  kind: "spiking";
  /** Where integration starts (t0 = inputWindow.tMin) and ends (t1 = inputWindow.tMax = window.tMin). */
  inputWindow: TimeWindow;
  /** Integration bias α switched on at t0 (alpha model: 1; b1: 0). */
  alpha: number;
  /** ϑ per neuron (flat, C order). */
  threshold: Float64Array;
  /** Calibrated maximum activation X_n of this layer (before the margin). */
  maxActivation: number;
  /**
   * Positive factor per neuron relating this population's activation to the canonical ANN's:
   * x_snn = scale · x_ann (the weight rescaling that keeps every weight sum below 1).
   */
  scale: Float64Array;
  projections: Projection[];
}

/** A max-pool gate: fires when the first (channelSign +1) or the last (−1) of its inputs fires. */
export interface GatePopulation extends PopulationBase {
  kind: "gate";
  channelSign: Int8Array;
  /** Per neuron, as for SpikingPopulation (inherited from the gated source). */
  scale: Float64Array;
  projection: PoolProjection;
}

/** Non-spiking output layer: its potential at readTime = window.tMin is the logit. */
export interface ReadoutPopulation extends PopulationBase {
  kind: "readout";
  inputWindow: TimeWindow;
  /** Per-neuron bias current α_i = b_i / (readTime − t0), switched on at t0. */
  alpha: Float64Array;
  /** The model's last layer has a ReLU: the readout reports max(V, 0). */
  relu: boolean;
  projections: Projection[];
}

export type Population = InputPopulation | SpikingPopulation | GatePopulation | ReadoutPopulation;

export interface SnnNetwork {
  format: "spikec.snn";
  version: 1;
  model: NeuronModel;
  /** The model file and the options it was compiled with. */
  compiledFrom: { model: string; margin: number; calibrationSamples: number };
  /** Topological order: the input first, the readout last. */
  populations: Population[];
  /** Approximations and adjustments made while mapping, in words (also in the report). */
  notes: string[];
}

export const SNN_FORMAT = "spikec.snn" as const;

export function populationById(net: SnnNetwork): Map<string, Population> {
  return new Map(net.populations.map((p) => [p.id, p]));
}

export function readoutOf(net: SnnNetwork): ReadoutPopulation {
  const last = net.populations[net.populations.length - 1];
  if (!last || last.kind !== "readout") throw new Error("SNN network has no readout population last");
  return last;
}

export function inputOf(net: SnnNetwork): InputPopulation {
  const first = net.populations[0];
  if (!first || first.kind !== "input") throw new Error("SNN network has no input population first");
  return first;
}

/** Source ids a population reads from. */
export function sourcesOf(pop: Population): string[] {
  switch (pop.kind) {
    case "input":
      return [];
    case "gate":
      return [pop.projection.source];
    case "spiking":
    case "readout":
      return pop.projections.map((p) => p.source);
  }
}
