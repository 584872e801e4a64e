/**
 * The `hardware` section of report.json: what the lowering chose per layer (ticks, formats, exponents, slopes,
 * register bounds, extra neurons and synapses) and what the cycle simulation measured (agreement with the ANN on
 * the calibration data, the searched agreement-vs-ticks curve, spikes per neuron, latency in ticks).
 */
import { product } from "../ann/graph.js";
import type { SnnNetwork } from "../snn/network.js";
import type { CycleEvaluation } from "./evaluate.js";
import type { HwNetwork } from "./network.js";
import type { Lowering } from "./passes/lowering.js";
import type { TickPoint } from "./ticks.js";

export interface HardwareLayer {
  population: string;
  kind: string;
  /** Spike window [w1, w2] in ticks, and ticks per window. */
  window: [number, number];
  ticks: number;
  /** Activation units per tick. */
  tick: number;
  /** Weight formats: per synapse group, sign mode and exponent range. */
  weights: { group: string; mode: string; exponents: [number, number]; maxRelError: number }[];
  /** Weights (kernel entries) rounded to 0 of the nonzero ones, and neurons left with no input weight. */
  zeroedWeights: { zeroed: number; nonzero: number; neuronsLost: number } | null;
  /** v slope per tick (spiking), v units per logit (readout). */
  slope: number | null;
  thresholdMantissa: number | null;
  bounds: { u: [number, number]; v: [number, number]; q: [number, number] | null; limits: { u: [number, number]; v: [number, number]; q: [number, number] | null } } | null;
  extraNeurons: number;
  extraSynapses: number;
  spikesPerNeuron: number | null;
}

export interface HardwareReport {
  target: string;
  ticksPerWindow: number;
  /** Ticks simulated per sample and the readout tick (the classification latency in ticks). */
  ticks: number;
  latencyTicks: number;
  agreementGoal: number;
  /**
   * Cycle simulation vs the ANN on the calibration samples used. No wall-clock time here: report.json is
   * deterministic (the same inputs give byte-identical files); the console prints the time (CycleEvaluation.ms).
   */
  calibration: { samples: number; agreement: number; spikesPerNeuron: number; overflow: CycleEvaluation["overflow"] };
  curve: TickPoint[];
  reached: boolean;
  /** The budget was given (--ticks), not searched: the curve is its one point. Absent in reports written before. */
  ticksGiven?: boolean;
  layers: HardwareLayer[];
  totals: { extraNeurons: number; extraSynapses: number; clockNeurons: number; relayNeurons: number; hwNeurons: number };
  boundsBasis: string;
  notes: string[];
}

export function buildHardwareReport(snn: SnnNetwork, hw: HwNetwork, lowering: Lowering, evaluation: CycleEvaluation, curve: TickPoint[], goal: number, reached: boolean, ticksGiven = false): HardwareReport {
  const t = lowering.timing!;
  const layers: HardwareLayer[] = snn.populations.map((p) => {
    const pt = t.populations.get(p.id)!;
    const d = lowering.designs!.get(p.id);
    const b = lowering.bounds!.get(p.id);
    const own = hw.synapses.filter((g) => g.target === p.id && (g.source === p.id || g.source.startsWith(`${p.id}/`)));
    const extraSynapses = own.reduce((a, g) => a + (g.kind === "sparse" ? g.pre.length : 0), 0);
    const extraNeurons = hw.populations.filter((q) => q.id.startsWith(`${p.id}/`)).reduce((a, q) => a + product(q.shape), 0);
    return {
      population: p.id,
      kind: p.kind,
      window: [pt.w1, pt.w2],
      ticks: pt.w2 - pt.w1,
      tick: pt.delta,
      weights: d && d.kind !== "gate" ? d.groups.map((g) => ({ group: `${g.source}/${g.part}`, mode: g.mode, exponents: g.expRange, maxRelError: g.maxRelError })) : [],
      zeroedWeights: d && d.kind !== "gate" ? { ...d.loss } : null,
      slope: d?.kind === "spiking" ? d.slope : d?.kind === "readout" ? d.gain : null,
      thresholdMantissa: d?.kind === "spiking" ? d.vthMant : null,
      bounds: b ? { u: b.u, v: b.v, q: b.q, limits: b.limits } : null,
      extraNeurons,
      extraSynapses,
      spikesPerNeuron: evaluation.perPopulation[p.id] ?? null,
    };
  });
  return {
    target: hw.target,
    ticksPerWindow: t.ticksPerWindow,
    ticks: hw.ticks,
    latencyTicks: t.readTick,
    agreementGoal: goal,
    calibration: {
      samples: evaluation.samples,
      agreement: evaluation.agreement ?? NaN,
      spikesPerNeuron: evaluation.spikesPerNeuron,
      overflow: evaluation.overflow,
    },
    curve,
    reached,
    ticksGiven,
    layers,
    totals: {
      extraNeurons: lowering.stats.extraNeurons,
      extraSynapses: lowering.stats.extraSynapses,
      clockNeurons: lowering.stats.clockNeurons,
      relayNeurons: lowering.stats.relayNeurons,
      hwNeurons: hw.populations.filter((p) => p.kind === "compartments").reduce((a, p) => a + product(p.shape), 0),
    },
    boundsBasis: "worst case over every input in range (inputs clipped to their range; the firing gate keeps every hidden spike inside its window)",
    notes: hw.notes,
  };
}
