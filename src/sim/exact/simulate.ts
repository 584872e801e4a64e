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
  for (let i = 0; i < t.length; i++) if (t[i] !== NO_SPIKE) n++;
  return n;
}

export function simulateExact(net: SnnNetwork, input: Float64Array, batch: number, options: ExactOptions = {}): ExactResult {
  const prep = options.prepared ?? prepareNetwork(net);
  const keep = options.keep ?? (() => false);
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
