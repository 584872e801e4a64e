/**
 * cores.json: the per-core configuration of a placed network (docs/formats.md, schemas/cores.schema.json). Per core:
 * its compartments (population and neuron they come from, compartment-profile and threshold table indices, bias
 * mantissa/exponent, initial u/v), the tables themselves, the synapse formats, per input axon its synapse list
 * (target compartment, weight mantissa, exponent, delay, format), and output-axon routing (source compartment →
 * destination core and axon). Clock compartments spike on a fixed schedule. The host side: which input channel
 * drives which axons (at the tick its TTFS encoding gives), and which compartments are read at which tick.
 */
import type { HwInputEncoding } from "../../hw/network.js";

export const CORES_FORMAT = "spikec.loihi-cores" as const;

export type CompartmentProfileEntry =
  | { neuron: "cuba-lif"; decayU: number; decayV: number; refractory: number; vmin: number; vmax: number }
  | { neuron: "two-phase-b1"; phase2Start: number; phase2End: number; ramp: number; vmin: number; vmax: number };

export interface SynapseFormatEntry {
  mode: "mixed" | "excitatory" | "inhibitory";
  weightExp: number;
  delayBits: number;
}

/** "No table entry" (clock compartments have no profile or threshold). */
export const NONE = 255;

export interface CoreConfig {
  core: number;
  chip: number;
  compartments: {
    /** Index into CoresConfig.populations, and the neuron within it. */
    population: Int32Array;
    neuron: Int32Array;
    /** 1: a clock compartment, spiking at the ticks listed in `clocks`. */
    clock: Uint8Array;
    profile: Uint8Array;
    threshold: Uint8Array;
    biasMant: Int32Array;
    biasExp: Uint8Array;
    uInit: Int32Array;
    vInit: Int32Array;
  };
  compartmentProfiles: CompartmentProfileEntry[];
  /** Threshold mantissas (v > mant · 2^shift spikes). */
  thresholds: number[];
  synapseFormats: SynapseFormatEntry[];
  /** Synapse lists per input axon, CSR: axon a's synapses are [offsets[a], offsets[a+1]). */
  inputAxons: {
    count: number;
    offsets: Int32Array;
    compartment: Int32Array;
    weight: Int16Array;
    exponent: Int8Array;
    delay: Uint8Array;
    format: Uint8Array;
  };
  /** Output axons: a spike of `compartment` is sent to input axon `axon` of core `core`. */
  outputAxons: { compartment: Int32Array; core: Int32Array; axon: Int32Array };
  clocks: { compartment: number; ticks: number[] }[];
}

export interface InputMap {
  population: string;
  shape: number[];
  encoding: HwInputEncoding;
  /** Channel c drives input axons (core[k], axon[k]) for k in [offsets[c], offsets[c+1]). */
  offsets: Int32Array;
  core: Int32Array;
  axon: Int32Array;
}

export interface ReadoutMap {
  population: string;
  /** v of compartment[i] on core[i] at the end of `tick` gives logit i = scale · v + offset[i]. */
  tick: number;
  scale: number;
  offset: Float64Array | null;
  core: Int32Array;
  compartment: Int32Array;
}

export interface CoresConfig {
  format: typeof CORES_FORMAT;
  version: 1;
  target: string;
  /** The target's digest and, for a custom file, its path: as in hw.json, so the chip is known even when a custom file reuses a bundled id. */
  targetDigest?: string;
  targetFile?: string;
  ticks: number;
  populations: { id: string; shape: number[]; kind: "compartments" | "clock"; onnxNodes: string[] }[];
  cores: CoreConfig[];
  inputs: InputMap[];
  readouts: ReadoutMap[];
}
