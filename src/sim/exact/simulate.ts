/**
 * The exact simulator: event-driven, continuous time, float64, with the semantics of the exact-mapping paper's
 * reference solver (premature crossings simulated). Runs a whole SNN on a batch of raw inputs and returns the readout
 * potentials (the logits) and, on request, every population's spike times.
 */
import { product } from "../../ann/graph.js";
import type { SnnNetwork } from "../../snn/network.js";
import { encodeInput, NO_SPIKE } from "./encode.js";
import { simulateGate, simulateReadout, simulateSpiking, type SpikingStats } from "./population.js";
import { prepareNetwork, type PreparedNetwork } from "./prepare.js";
import { recycleF64 } from "./scratch.js";
import { threadCount } from "./threads.js";
import { checkBatchInput } from "../batch-input.js";

export interface ExactOptions {
  /** Keep the spike times of these populations (default none); all others are dropped once consumed. */
  keep?: (id: string) => boolean;
  /** Reuse prepared constants across calls (prepareNetwork(net)). */
  prepared?: PreparedNetwork;
}

export interface PopulationStats extends SpikingStats {
  neurons: number;
}

export interface ExactResult {
  batch: number;
  /** Readout potentials [batch, classes]. */
  logits: Float64Array;
  /** Spike times [batch, …shape] of the kept populations (+∞ = no spike). */
  times: Map<string, Float64Array>;
  stats: Map<string, PopulationStats>;
  /** Input values outside the input range (clipped). */
  clippedInputs: number;
}

function countSpikes(t: Float64Array): number {
  let n = 0;
  for (let i = 0; i < t.length; i++) n += +(t[i] !== NO_SPIKE); // no branch: silent neurons come unpredictably
  return n;
}

/**
 * Samples per pass on one thread: the largest population's spike times for a pass fit in CHUNK_BYTES, so that each
 * population's arrays are still in cache when the next one reads them (lenet5, batch 500: ~15 % faster in passes of
 * ~100). Worker threads split the batch by sample themselves (threads.ts), so with several threads it is one pass.
 */
const CHUNK_BYTES = 4 << 20;

function samplesPerPass(net: SnnNetwork, batch: number): number {
  if (threadCount() > 1) return batch;
  const largest = Math.max(...net.populations.map((p) => product(p.shape)));
  const fit = Math.floor(CHUNK_BYTES / (8 * largest));
  // A multiple of 4 where possible: the dense kernels take samples four at a time.
  return Math.max(1, Math.min(batch, fit >= 8 ? fit - (fit % 4) : fit));
}

export function simulateExact(net: SnnNetwork, input: Float64Array, batch: number, options: ExactOptions = {}): ExactResult {
  const first = net.populations[0];
  if (first?.kind === "input") checkBatchInput(input, batch, product(first.shape), "simulateExact");
  const prep = options.prepared ?? prepareNetwork(net);
  const keep = options.keep ?? (() => false);
  const chunk = samplesPerPass(net, batch);
  if (chunk >= batch) return simulatePass(net, prep, input, batch, keep);
  // Passes over consecutive samples, merged: logits and kept times concatenated, counts summed.
  const inSize = input.length / batch;
  const result: ExactResult = { batch, logits: new Float64Array(0), times: new Map(), stats: new Map(), clippedInputs: 0 };
  for (let b0 = 0; b0 < batch; b0 += chunk) {
    const nb = Math.min(chunk, batch - b0);
    const r = simulatePass(net, prep, input.subarray(b0 * inSize, (b0 + nb) * inSize), nb, keep);
    if (b0 === 0) result.logits = new Float64Array((r.logits.length / nb) * batch);
    result.logits.set(r.logits, (r.logits.length / nb) * b0);
    for (const [id, t] of r.times) {
      const size = t.length / nb;
      if (!result.times.has(id)) result.times.set(id, new Float64Array(size * batch));
      result.times.get(id)!.set(t, size * b0);
      recycleF64(t);
    }
    for (const [id, s] of r.stats) {
      const m = result.stats.get(id);
      if (!m) result.stats.set(id, { ...s });
      else {
        m.neurons += s.neurons;
        m.spikes += s.spikes;
        m.scanned += s.scanned;
        m.early += s.early;
        m.widenBy = Math.max(m.widenBy, s.widenBy);
      }
    }
    result.clippedInputs += r.clippedInputs;
  }
  return result;
}

/** One pass of the simulator over a batch. */
function simulatePass(net: SnnNetwork, prep: PreparedNetwork, input: Float64Array, batch: number, keep: (id: string) => boolean): ExactResult {
  const remaining = new Map<string, number>();
  for (const p of net.populations)
    for (const s of p.kind === "gate" ? [p.projection.source] : p.kind === "input" ? [] : p.projections.map((q) => q.source))
      remaining.set(s, (remaining.get(s) ?? 0) + 1);
  const live = new Map<string, Float64Array>();
  const kept = new Map<string, Float64Array>();
  const stats = new Map<string, PopulationStats>();
  const times = (id: string): Float64Array => live.get(id)!;
  const release = (sources: string[]) => {
    for (const s of sources) {
      const left = remaining.get(s)! - 1;
      remaining.set(s, left);
      if (left > 0) continue;
      const t = live.get(s);
      live.delete(s);
      // Consumed and not kept: its buffer serves a later population or call (a fresh one costs page faults).
      if (t && !kept.has(s)) recycleF64(t);
    }
  };
  let logits: Float64Array = new Float64Array(0);
  let clippedInputs = 0;
  for (const pop of net.populations) {
    const neurons = batch * product(pop.shape);
    let t: Float64Array;
    switch (pop.kind) {
      case "input": {
        const enc = encodeInput(pop, net.model, input);
        clippedInputs = enc.clipped;
        t = enc.times;
        stats.set(pop.id, { spikes: countSpikes(t), neurons, scanned: 0, early: 0, widenBy: Number.NEGATIVE_INFINITY });
        break;
      }
      case "spiking": {
        const r = simulateSpiking(prep.spiking.get(pop.id)!, net.model, times, batch);
        t = r.times;
        stats.set(pop.id, { ...r.stats, neurons });
        release(pop.projections.map((p) => p.source));
        break;
      }
      case "gate": {
        t = simulateGate(pop, prep.byId.get(pop.projection.source)!, times(pop.projection.source), batch);
        stats.set(pop.id, { spikes: countSpikes(t), neurons, scanned: 0, early: 0, widenBy: Number.NEGATIVE_INFINITY });
        release([pop.projection.source]);
        break;
      }
      case "readout": {
        logits = simulateReadout(prep.readout.get(pop.id)!, times, batch);
        release(pop.projections.map((p) => p.source));
        continue;
      }
    }
    if ((remaining.get(pop.id) ?? 0) > 0) live.set(pop.id, t);
    if (keep(pop.id)) kept.set(pop.id, t);
  }
  return { batch, logits, times: kept, stats, clippedInputs };
}
