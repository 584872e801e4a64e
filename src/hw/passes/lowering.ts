/**
 * The state the hardware lowering passes hand to each other: the SNN IR and target going in, and what each pass
 * adds (tick windows, integer neuron designs, register bounds, the HW IR). Each pass fills one field and its
 * verifier checks that field; src/hw/lower.ts runs them in order.
 */
import type { Population, SnnNetwork } from "../../snn/network.js";
import type { Target } from "../target/target.js";
import type { HwNetwork, HwSynapseGroup } from "../network.js";
import { SpikecError } from "../../util/errors.js";

/** Where a population sits on the tick grid. */
export interface PopulationTiming {
  id: string;
  kind: Population["kind"];
  /**
   * Spike window [w1, w2] in ticks: a spike at tick s encodes the activation x = (w2 − s) · delta (spiking, gate,
   * input). For spiking layers and readouts w1 = t1, the first tick at which every input has arrived.
   */
  w1: number;
  w2: number;
  /** Activation units (of the SNN IR) per tick (the largest over the population when `deltas` is given). */
  delta: number;
  /**
   * Per neuron, when the population's channels have their own windows (channel windows, time.ts): neuron i's spike
   * at tick s encodes x = (w2 − s)·deltas[i]. null: every neuron uses `delta`.
   */
  deltas: Float64Array | null;
  /** Per projection (SNN order): delay in ticks beyond the target's synaptic latency. */
  delays: number[];
  /** Spiking/readout: the tick after which the integration current α starts (τ_a: the earliest input ramp). */
  alphaStart: number;
}

/** Activation units per tick of neuron i of a population. */
export const deltaAt = (pt: PopulationTiming, i: number): number => (pt.deltas ? pt.deltas[i]! : pt.delta);

/** Ticks of a layer's own firing window (w2 − w1) and of its integration before t1 (t1 − τ_a). */
export const windowTicks = (pt: PopulationTiming): { own: number; integration: number } => ({ own: pt.w2 - pt.w1, integration: pt.w1 - pt.alphaStart });

export interface Timing {
  /** Ticks per window, the same for every layer (each layer's activation is rescaled to it). */
  ticksPerWindow: number;
  latency: number;
  populations: Map<string, PopulationTiming>;
  /** The readout tick and the ticks simulated per sample (readTick + 1). */
  readTick: number;
  ticks: number;
}

/** One SNN projection as a HW synapse group (id/target filled by the spiking pass), plus its quantization error. */
export interface QuantizedGroup {
  source: string;
  group: DistributiveOmit<HwSynapseGroup, "id" | "target" | "source">;
  /** max |contribution − ideal| / max |ideal| over the group's rows (relative error of the weights). */
  maxRelError: number;
  /** The weight exponents used (min, max). */
  expRange: [number, number];
  mode: "mixed" | "excitatory" | "inhibitory";
  /**
   * Which weights of the projection: its positive or negative ones (one sign mode each, a bit more precision), or all
   * of them in one mixed-sign list (Lowering.mixedSign).
   */
  part: WeightPart;
  /** A residual group: the rounding error of the coarse group at a finer exponent (weightTerms = 2). */
  fine: boolean;
}

export type WeightPart = "exc" | "inh" | "mixed";

type DistributiveOmit<T, K extends keyof never> = T extends unknown ? Omit<T, K> : never;

/**
 * What rounding the weights to the target's formats removed from a layer: weights (kernel entries for convolutions)
 * that were nonzero and became 0, and neurons that had input weights and kept none (they then ignore their inputs).
 */
export interface WeightLoss {
  zeroed: number;
  nonzero: number;
  neuronsLost: number;
}

/**
 * What fitting a layer's weight lists into a core's synapse-format table cost (format-budget.ts): rows moved to a
 * coarser exponent, the most bits one lost, and neurons still over the `budget` of data entries per neuron.
 */
export interface FormatBudgetEffect {
  budget: number;
  rowsRaised: number;
  maxBitsLost: number;
  over: number;
  /**
   * Largest max |error| / max |weight| of a raised row of the coarse weights (residual terms, if any, add back), and
   * the same rows' at the exponents chosen for precision.
   */
  raisedRowError: number;
  raisedRowErrorBefore: number;
}

/** Integer design of a spiking layer (see src/hw/passes/quantize.ts for the equations). */
export interface SpikingDesign {
  kind: "spiking";
  id: string;
  model: "alpha" | "b1";
  /** Slope of v in the firing phase (v units per tick), the same for every neuron; one tick = S/… */
  slope: number;
  groups: QuantizedGroup[];
  loss: WeightLoss;
  /** null: every neuron's lists fit the format table as chosen for precision (or the target has no table). */
  formats: FormatBudgetEffect | null;
  /** Per neuron, integer sums of the real synapses' contributions: positive, negative. */
  exc: Float64Array;
  inh: Float64Array;
  /** alpha: integration currents from the clock (integers): c0 from alphaStart, c1 from t1 (folds padded taps). */
  c0: Float64Array;
  c1: Float64Array;
  /** Per-neuron threshold θ_i (real) realized as the shared threshold minus vInit_i. */
  theta: Float64Array;
  vthMant: number;
  vInit: Int32Array;
  /** alpha: the clock push that forces the spike at t2, and the extra latch depth (integers ≥ 0). */
  push: Float64Array;
  latchDepth: Float64Array;
  /**
   * alpha: the firing gate G ≥ 0 (vInit above already includes −G): v is held G lower until t1, when the clock
   * adds G back (a one-tick pulse of u), so no neuron fires before all its inputs have arrived.
   */
  gate: Float64Array;
}

export interface ReadoutDesign {
  kind: "readout";
  id: string;
  /** v units per logit unit: logit = v / gain + offset. */
  gain: number;
  groups: QuantizedGroup[];
  loss: WeightLoss;
  /** null: every neuron's lists fit the format table as chosen for precision (or the target has no table). */
  formats: FormatBudgetEffect | null;
  exc: Float64Array;
  inh: Float64Array;
  offset: Float64Array;
  relu: boolean;
}

/** First-spike (or last-spike) gate of a max pool; fixed integers (see spiking.ts). */
export interface GateDesign {
  kind: "gate";
  id: string;
  /** Real taps per gate neuron, and the largest. */
  taps: Int32Array;
  sign: Int8Array;
}

export type LayerDesign = SpikingDesign | ReadoutDesign | GateDesign;

/** Proven register bounds of one layer over the whole window, and the limits they were checked against. */
export interface RegisterBounds {
  population: string;
  u: [number, number];
  v: [number, number];
  q: [number, number] | null;
  limits: { u: [number, number]; v: [number, number]; q: [number, number] | null };
  /** "worst case": any input in range; "calibrated": the calibration data's range (stated in the notes). */
  basis: "worst case";
}

export interface LoweringStats {
  /** Neurons and synapses the spiking rules add (clocks, latches, gates' self-inhibition, relays). */
  extraNeurons: number;
  extraSynapses: number;
  relayNeurons: number;
  clockNeurons: number;
}

export interface Lowering {
  snn: SnnNetwork;
  target: Target;
  /** Requested ticks per window. */
  ticksPerWindow: number;
  /** Hidden windows on the chip: (1 + windowMargin)·X_n, or null for the SNN's own windows. */
  windowMargin: number | null;
  /**
   * Mean activation per neuron of each spiking/gate/input population on the calibration data (SNN units), for the
   * bias correction of weight rounding (quantize.ts); absent = no correction.
   */
  activationMeans: Map<string, Float64Array> | null;

  /** Synapses per connection: 1 (8-bit weights) or 2 (a coarse and a residual term, ~15-bit weights). */
  weightTerms: 1 | 2;
  /**
   * One mixed-sign synapse list per projection (7-bit magnitudes on Loihi) instead of an excitatory and an inhibitory
   * list (8 bits each): one sign mode per neuron in the synapse-format table and fewer lists, one bit of weight
   * precision less. Always on for a target without one-signed lists.
   */
  mixedSign: boolean;
  /** Chip window length per spiking population (activation units), overriding windowMargin where given. */
  windows: Map<string, number> | null;
  /** Ticks per window per population (input and spiking layers), overriding ticksPerWindow where given. */
  layerTicks: Map<string, number> | null;
  /** Chip window length per channel of a spiking population (activation units; dense: per neuron), overriding `windows`. */
  channelWindows: Map<string, Float64Array> | null;
  /** Per-layer factor on the slope the quantizer picks (< 1 after a range retry). */
  slopeFactor: Map<string, number>;

  timing?: Timing;
  designs?: Map<string, LayerDesign>;
  bounds?: Map<string, RegisterBounds>;
  hw?: HwNetwork;
  stats: LoweringStats;
  notes: string[];
}

/** A layer whose registers cannot hold its values at any usable scale. */
export class RangeError_ extends SpikecError {
  constructor(
    message: string,
    hint: string,
    readonly population: string,
    /** True when a smaller slope may fit (a proven bound over the limit), false when even the smallest cannot. */
    readonly retryable = false,
    /** When a wider window would fit (weights into the layer too large at the smallest slope): by how much. */
    readonly widen: number | null = null,
  ) {
    super(message, hint, 3);
    this.name = "HwRangeError";
  }
}

export const describePopulation = (p: Population): string =>
  `layer '${p.id}' (ONNX ${p.origin.map((o) => `${o.name} (${o.op})`).join(", ") || "?"})`;
