/**
 * Running a lowered network on raw inputs with the bit-accurate cycle simulator: logits (the readout de-quantized,
 * with the HW IR readout's ReLU when the model ends with one), spikes per neuron, register events, and agreement with
 * reference logits. Used by the tick search (src/hw/ticks.ts), the compile report and `spikec verify --target`.
 */
import { product } from "../ann/graph.js";
import type { SnnNetwork } from "../snn/network.js";
import { readoutOf } from "../snn/network.js";
import { compileCycle, runCycle } from "../sim/cycle/engine.js";
import { argmaxRows } from "../verify/compare.js";
import { decodeReadout, encodeInputTicks } from "./io.js";
import type { HwNetwork } from "./network.js";
import type { Target } from "./target/target.js";

export interface CycleEvaluation {
  samples: number;
  logits: Float64Array;
  /** Spikes per neuron of the SNN's spiking populations and gates (clocks and relays not counted). */
  spikesPerNeuron: number;
  /** Per population (SNN's spiking and gate populations): spikes per neuron. */
  perPopulation: Record<string, number>;
  /** Register events summed over the samples (a proven network has none). */
  overflow: { q: number; u: number; vmax: number; vmin: number };
  synapticEvents: number;
  /** Agreement of argmax with the reference (when given), over the samples run. */
  agreement: number | null;
  disagreeing: number;
  /** Stopped early: the disagreements already exceeded the budget. */
  stopped: boolean;
  ms: number;
}

export interface EvaluateOptions {
  /** Reference logits [n, classes] (the ANN) for agreement. */
  reference?: Float64Array;
  /** Stop once more than this many samples disagree (for the tick search). */
  maxDisagreements?: number;
  onProgress?: (done: number, total: number) => void;
}

export function evaluateCycle(snn: SnnNetwork, hw: HwNetwork, target: Target, x: Float64Array, n: number, options: EvaluateOptions = {}): CycleEvaluation {
  const t0 = performance.now();
  const prog = compileCycle(hw, target);
  const inputSize = x.length / n;
  const readout = readoutOf(snn);
  const classes = product(readout.shape);
  const logits = new Float64Array(n * classes);
  const counted = snn.populations.filter((p) => p.kind === "spiking" || p.kind === "gate");
  const neurons = counted.reduce((a, p) => a + product(p.shape), 0);
  const perPopulation: Record<string, number> = Object.fromEntries(counted.map((p) => [p.id, 0]));
  const overflow = { q: 0, u: 0, vmax: 0, vmin: 0 };
  const refArgmax = options.reference ? argmaxRows(options.reference, n) : null;
  let spikes = 0;
  let synapticEvents = 0;
  let disagreeing = 0;
  let done = 0;
  let stopped = false;
  for (let s = 0; s < n; s++) {
    const { spikes: input } = encodeInputTicks(hw, x.subarray(s * inputSize, (s + 1) * inputSize));
    const r = runCycle(prog, input);
    const out = logits.subarray(s * classes, (s + 1) * classes);
    decodeReadout(hw.readouts[0]!, r.readouts[0]!.v, out);
    for (const p of counted) {
      const c = r.spikeCount[p.id] ?? 0;
      perPopulation[p.id]! += c;
      spikes += c;
    }
    overflow.q += r.overflow.q;
    overflow.u += r.overflow.u;
    overflow.vmax += r.overflow.vmax;
    overflow.vmin += r.overflow.vmin;
    synapticEvents += r.stats.synapticEvents;
    done = s + 1;
    if (refArgmax) {
      let best = 0;
      for (let c = 1; c < classes; c++) if (out[c]! > out[best]!) best = c;
      if (best !== refArgmax[s]) disagreeing++;
      if (options.maxDisagreements !== undefined && disagreeing > options.maxDisagreements) {
        stopped = true;
        break;
      }
    }
    if (options.onProgress && (s % 16 === 15 || s === n - 1)) options.onProgress(s + 1, n);
  }
  for (const p of counted) perPopulation[p.id]! /= Math.max(1, done) * product(p.shape);
  return {
    samples: done,
    logits: logits.subarray(0, done * classes),
    spikesPerNeuron: neurons ? spikes / (Math.max(1, done) * neurons) : 0,
    perPopulation,
    overflow,
    synapticEvents,
    agreement: refArgmax ? (done - disagreeing) / Math.max(1, done) : null,
    disagreeing,
    stopped,
    ms: performance.now() - t0,
  };
}
