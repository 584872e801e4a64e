/**
 * A neuromorphic target as the compiler uses it: plain numbers, read from targets/<id>.xml by ./load.ts.
 * Absent features are `null` (e.g. Loihi 2 through Lava has no refractory period). Where each number came from is
 * kept apart in `provenance`, keyed by the dotted path of the field (e.g. "neuron.threshold.mantissaBits").
 */

/** How much to trust a number: read in code, printed in a vendor log, vendor docs, secondary source, or a guess. */
export type Confidence = "code" | "log" | "doc" | "2nd" | "unverified";

export interface Provenance {
  src: string;
  confidence: Confidence;
  note?: string;
}

/** Neuron programs a target can run. `two-phase-b1` needs a programmable neuron (Loihi 2 microcode). */
export type NeuronKind = "cuba-lif" | "two-phase-b1";

export type SignMode = "mixed" | "excitatory" | "inhibitory";

export interface IntRange {
  min: number;
  max: number;
}

/** Representable weight-field values for one sign mode (value = min + k·step). */
export interface WeightRange extends IntRange {
  step: number;
}

/** Loihi 1 synapse memory (nengo-loihi `SynapseConfig.bits_per_axon`): bits per entry from coded field widths. */
export interface Loihi1SynMemModel {
  kind: "loihi1-synmem";
  totalBits: number;
  wordBits: number;
  entriesPerBlock: number;
  blockHeaderBits: number;
  weightBitsCodes: number[];
  idxBitsCodes: number[];
  tagBitsMax: number;
  delayBitsMax: number;
  learningAxonIdsPerInput: number;
  pop32OutputSlots: number;
  popCompartmentBaseMax: number;
  pop16BaseMultiple: number;
  pop16AtomBitsMax: number;
  delayRingSlots: number | null;
}

/** lava-loihi's per-core register budgets in unpublished units. */
export interface LavaUnitsModel {
  kind: "lava-units";
  budgets: Record<string, number>;
  /**
   * Assumed storage layout of SynMem (unpublished; null = not stated): bits per unit, and the Loihi 1 style block
   * of ≤ entriesPerBlock synapses with a header. The placer (src/place/cost/lava-units.ts) states these as assumptions.
   */
  unitBits: number | null;
  entriesPerBlock: number | null;
  blockHeaderBits: number | null;
}

export type MemoryModel = Loihi1SynMemModel | LavaUnitsModel;

export interface CoreClass {
  /** Core ids of this class, or "all". */
  ids: "all" | number[];
  maxNeurons: number;
  maxInputAxons: number | null;
  maxOutputAxonSlots: number | null;
  maxNeuronGroups: number | null;
  profiles: { compartment: number | null; threshold: number | null; synapseFormat: number | null };
  /** Settings every neuron group on one core must share. */
  sharedPerCore: string[];
  /** Neurons are updated in groups of this size (cost model); null if unknown. */
  updateGroupSize: number | null;
  memoryModel: MemoryModel;
}

export interface EnergyCoefficient {
  name: string;
  value: number;
  unit: string;
}

export interface Target {
  id: string;
  name: string;
  vendor: string;
  /** The XML file it was read from. */
  file: string;
  /** Source key → reference (repository @ commit, or a description). */
  sources: Record<string, string>;
  timing: {
    mode: "barrier-synchronous" | "clocked-dt" | "asynchronous-event";
    /** Ticks from a spike's emission to the first change of the target's u (≥ 1). */
    synapticLatency: number;
    /** Constraint on a periodic state reset, if the chip offers one. */
    resetInterval: "any" | "power-of-two";
  };
  chip: {
    coresPerChip: number;
    usableCoresPerChip: number;
    maxChips: number | null;
    embeddedCpus: number | null;
  };
  coreClasses: CoreClass[];
  neuron: {
    models: NeuronKind[];
    programmable: boolean;
    psp: "step-current" | "step-v";
    state: {
      uBits: number;
      vBits: number;
      /** Width of the per-tick dendritic sum, or null when it is not limited separately. */
      qBits: number | null;
      uOverflow: "wrap" | "saturate";
      qOverflow: "wrap" | "saturate" | null;
    };
    decay: {
      bits: number;
      /** x ← rtz(x · (unity − d_eff) / unity). */
      unity: number;
      /** Added to the programmed decay to get the effective one (Loihi's ds/dm offset registers). */
      offsetU: number;
      offsetV: number;
      rounding: "toward-zero" | "floor";
    };
    threshold: { mantissaBits: number; mantissaMin: number; mantissaMax: number; shift: number; compare: "gt" | "ge" };
    bias: { mantissaBits: number; mantissaMax: number; expMin: number; expMax: number; entersState: "u" | "v" };
    /** Values v's upper clip may take (ascending). */
    vmaxChoices: number[];
    /** Values v's lower clip may take (descending from 0). */
    vminChoices: number[];
    reset: "zero" | "subtract";
    refractory: IntRange | null;
    maxSpikesPerTick: number;
    singleSpikeMechanisms: string[];
  };
  synapse: {
    weightBits: number;
    signModes: SignMode[];
    weightRanges: Partial<Record<SignMode, WeightRange>>;
    weightExponent: IntRange | null;
    /** Contribution to u = weight · 2^(weightShift + weightExp). */
    weightShift: number;
    /** |contribution| limit per synapse, or null. */
    perSynapseClip: number | null;
    delay: IntRange | null;
    gradedSpikeBits: number;
  };
  energy: EnergyCoefficient[];
  /** Dotted field path → where the number came from. */
  provenance: Record<string, Provenance>;
}

/**
 * The largest effective decay of u or v: the register's top value plus the target's offset, at most unity. The
 * smallest is 0, also with an offset of 1 (netx writes du = −1 and Lava adds 1).
 */
export function maxEffectiveDecay(t: Target, state: "u" | "v"): number {
  const d = t.neuron.decay;
  return Math.min(d.unity, 2 ** d.bits - 1 + (state === "u" ? d.offsetU : d.offsetV));
}

/** The largest |value| of a two's-complement register of `bits` bits: 2^(bits−1) − 1. */
export const signedMax = (bits: number): number => 2 ** (bits - 1) - 1;

/** One-line human summary, as `spikec targets` prints it. */
export function summarizeTarget(t: Target): string {
  const core = t.coreClasses[0];
  const s = t.synapse;
  const exp = s.weightExponent ? `, exp ${s.weightExponent.min}..${s.weightExponent.max}` : "";
  const delay = s.delay ? `delays ≤ ${s.delay.max}` : "no delays";
  const refr = t.neuron.refractory ? `refractory ≤ ${t.neuron.refractory.max}` : "no refractory";
  return (
    `${t.name}: ${t.chip.usableCoresPerChip} cores/chip × ${core ? core.maxNeurons : "?"} neurons, ` +
    `${s.weightBits}-bit weights${exp}, vth ${t.neuron.threshold.mantissaBits}-bit << ${t.neuron.threshold.shift}, ` +
    `${delay}, ${refr}, neurons: ${t.neuron.models.join(", ")}`
  );
}
