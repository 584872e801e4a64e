/**
 * HW IR: a spiking network after a target's constraints, in integers and ticks. It is what the hw/ lowering
 * passes produce, what sim/cycle runs bit-accurately, and what place/ and the backends consume.
 *
 * Time. Tick 0 is the first update after a reset (all u, v = initial values). A spike emitted at tick t (by a
 * compartment, a clock or the input) first changes the target's u at tick t + L + d, where L is the target's
 * synaptic latency (Loihi: 1) and d the synapse's delay.
 *
 * Arithmetic (cuba-lif; Loihi, shared/spec/targets.md §1.4) for compartment i at tick t:
 *   q = Σ contributions arriving at t            contribution = weight · 2^(weightShift + weightExp)
 *   u = wrap_uBits( rtz(u · (unity − decayU)/unity) + q )
 *   v = clip( rtz(v · (unity − decayV)/unity) + u + biasMant·2^biasExp, vmin, vmax )
 *   refractory counter > 0: v = 0, counter − 1, no spike;  else if v > vthMant·2^shift: spike, v = 0, counter = refractory
 * two-phase-b1 (a Loihi 2 neuron program, the B1 model of shared/spec/ttfs-mapping.md §7):
 *   t < phase2Start:                u = wrap(u + q); v = clip(v + u)      (input currents integrate)
 *   phase2Start ≤ t ≤ phase2End:    v = clip(v + ramp); spike once if v > vth: v = 0, then latched (v stays 0,
 *                                   inputs ignored)
 *
 * Arrays are flat in C order over the population's shape. Per-neuron variation that a chip holds per neuron
 * (bias, initial u/v) is per neuron here; what a chip holds in shared tables (decays, threshold, refractory,
 * vmin/vmax) lives in profiles, and `profileOf` says which one each neuron uses, so the placer can count them.
 */
import type { Window2d } from "../ann/graph.js";

export const HW_FORMAT = "spikec.hw" as const;

/** Spike ticks per neuron, CSR: neuron i fires at ticks[offsets[i] .. offsets[i+1]) (ascending). */
export interface SpikeSchedule {
  offsets: Int32Array;
  ticks: Int32Array;
}

/** Neurons whose spikes are given, not computed: the input (per sample) or clocks (fixed schedule). */
export interface HwSourcePopulation {
  kind: "source";
  id: string;
  shape: number[];
  role: "input" | "clock";
  /** Clocks: the fixed schedule. Inputs: null (their spikes come with each sample, see HwInputSpikes). */
  schedule: SpikeSchedule | null;
  /** Inputs: how raw values become spike ticks (src/hw/io.ts encodeInputTicks). Absent on clocks. */
  encoding?: HwInputEncoding;
}

/**
 * TTFS input encoding on the tick grid: x̂ = clip((x − low)/(high − low), 0, 1) spikes at tick
 * firstTick + R((1 − x̂) · ticksPerWindow), R = `rounding`; with `silentAtLow`, x̂ = 0 does not spike (b1).
 * So x = high fires at firstTick and x = low at firstTick + ticksPerWindow.
 */
export interface HwInputEncoding {
  low: number;
  high: number;
  firstTick: number;
  ticksPerWindow: number;
  /** "nearest": half-ticks round up (Math.round); "floor": toward earlier ticks (larger values). */
  rounding: "nearest" | "floor";
  silentAtLow: boolean;
}

/** Parameters a Loihi core holds in its compartment and threshold profile tables. */
export interface CubaProfile {
  neuron: "cuba-lif";
  /** Effective decays (the chip's offset registers already added): 0 = none, `unity` (4096) = full. */
  decayU: number;
  decayV: number;
  /** Threshold mantissa; the neuron spikes when v > vthMant · 2^shift (target.neuron.threshold). */
  vthMant: number;
  /**
   * Ticks after a spike during which v is held at 0 and cannot spike (0 = none). Under nengo's convention the
   * Loihi 1 refractDelay register holds this + 1 (the counter is decremented in the spike's own tick).
   */
  refractory: number;
  vmin: number;
  vmax: number;
}

/** A two-phase single-spike neuron program (needs a programmable neuron, e.g. Loihi 2 microcode). */
export interface B1Profile {
  neuron: "two-phase-b1";
  /** First tick of the firing phase; before it, input currents integrate into v. */
  phase2Start: number;
  /** Last tick at which it may fire (inclusive); afterwards v is frozen. */
  phase2End: number;
  /** Added to v every tick of the firing phase. */
  ramp: number;
  vthMant: number;
  vmin: number;
  vmax: number;
}

export type HwProfile = CubaProfile | B1Profile;
export type HwNeuronKind = HwProfile["neuron"];

/** A group of compartments running one neuron kind. */
export interface HwCompartmentPopulation {
  kind: "compartments";
  id: string;
  shape: number[];
  neuron: HwNeuronKind;
  /** Every profile has `neuron` equal to the population's. */
  profiles: HwProfile[];
  /** Profile index per neuron; null = every neuron uses profiles[0]. */
  profileOf: Uint8Array | null;
  /** Bias mantissa per neuron (null = none) and its exponent (one per population or one per neuron). */
  biasMant: Int32Array | null;
  biasExp: number | Uint8Array;
  /** Initial state per neuron (null = 0). Per-neuron v offsets realize per-neuron thresholds on a shared one. */
  uInit: Int32Array | null;
  vInit: Int32Array | null;
}

export type HwPopulation = HwSourcePopulation | HwCompartmentPopulation;

interface SynapseGroupBase {
  id: string;
  source: string;
  target: string;
}

/** All-to-all: weight[target, source] (row-major) mantissas in the target's weight field (Loihi: −256..254). */
export interface HwDenseSynapses extends SynapseGroupBase {
  kind: "dense";
  weight: Int16Array;
  /** Exponent per group or per target neuron. */
  weightExp: number | Int8Array;
  /** Delay (ticks beyond the latency) per group or per target neuron. */
  delay: number | Uint8Array;
}

/**
 * Convolution from a [C, H, W] source onto a [Cout, Ho, Wo] target, ONNX geometry; weight [Cout, C/group, kh, kw].
 * Padded taps contribute nothing.
 */
export interface HwConvSynapses extends SynapseGroupBase, Window2d {
  kind: "conv";
  group: number;
  weight: Int16Array;
  /** Exponent per group or per output channel. */
  weightExp: number | Int8Array;
  delay: number;
}

/** Explicit synapse list (pre → post). */
export interface HwSparseSynapses extends SynapseGroupBase {
  kind: "sparse";
  pre: Int32Array;
  post: Int32Array;
  weight: Int16Array;
  /** Per group or per synapse. */
  weightExp: number | Int8Array;
  delay: number | Uint8Array;
}

export type HwSynapseGroup = HwDenseSynapses | HwConvSynapses | HwSparseSynapses;

/**
 * Read v of every compartment of `population` at the end of `tick`; logit = scale · v + offset, then max(0, ·) when
 * `relu` (a model whose last layer ends in a ReLU; the chip reads v, the ReLU is applied on the host).
 */
export interface HwReadout {
  population: string;
  tick: number;
  scale: number;
  offset: Float64Array | null;
  /** Absent = false (HW IR files written before the flag existed). */
  relu?: boolean;
}

export interface HwNetwork {
  format: typeof HW_FORMAT;
  version: 1;
  /** Target id the integers were chosen for. */
  target: string;
  /** Fingerprint of that target's description (src/hw/target/digest.ts); absent in files written before it existed. */
  targetDigest?: string;
  /** The target file, when it is not a bundled one (bundled targets are found by id). */
  targetFile?: string;
  /**
   * SHA-256 of the network.json this was lowered from, when both were written into one folder (compile): reading a
   * folder whose network.json is another one (two runs' files, after an interrupted write) is refused.
   */
  networkSha256?: string;
  /** Ticks simulated per sample (0 .. ticks−1). */
  ticks: number;
  /** Sources and compartment groups; synapses may form any graph (recurrence included). */
  populations: HwPopulation[];
  synapses: HwSynapseGroup[];
  readouts: HwReadout[];
  /** What the lowering did, in words (also in the report). */
  notes: string[];
}

/** The spikes of one input population for one sample: neuron[k] fires at tick[k]. */
export interface HwInputSpikes {
  population: string;
  neuron: Int32Array;
  tick: Int32Array;
}

export const populationSize = (p: HwPopulation): number => p.shape.reduce((a, b) => a * b, 1);

/** Single-spike input from one tick per neuron (−1 = no spike), the TTFS encoding. */
export function ttfsInput(population: string, ticks: Int32Array): HwInputSpikes {
  const neuron: number[] = [];
  const tick: number[] = [];
  ticks.forEach((t, i) => {
    if (t >= 0) {
      neuron.push(i);
      tick.push(t);
    }
  });
  return { population, neuron: Int32Array.from(neuron), tick: Int32Array.from(tick) };
}
