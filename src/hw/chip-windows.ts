/**
 * The windows a chip gives its spiking layers, in the SNN's activation units: a spike at tick s of neuron i (tick
 * window [w1, w2], tick length δ_i) encodes (w2 − s)·δ_i. An alpha neuron fires at w1 at the earliest (its firing
 * gate makes any larger activation fire there), so it encodes up to (w2 − w1)·δ_i; a b1 neuron's firing phase starts
 * at w1 + 1, after its last input (measured: giving it one more tick instead changed the fixtures' agreement by
 * < 0.5 % and cost a tick of latency per layer), so it encodes up to (w2 − w1 − 1)·δ_i. Larger activations are
 * clipped there. The windows come from the calibration data (channel windows: each channel's largest activation with
 * a margin), so unseen inputs can exceed them; verify counts how often.
 */
import { product } from "../ann/graph.js";
import type { SnnNetwork, SpikingPopulation } from "../snn/network.js";
import { forEachExactBatch } from "./calibration.js";
import { deltaAt, type Timing } from "./passes/lowering.js";

/** Per neuron, in activation units: what the chip encodes, and the window the calibration data chose. */
export interface ChipWindow {
  /** The largest activation encoded without clipping it by more than half a tick (the tick grid's own rounding). */
  encoded: Float64Array;
  /** The same for the whole tick window, (w2 − w1 + ½)·δ_i: above it lies what the calibration data did not reach. */
  calibrated: Float64Array;
}

/**
 * Per spiking population, its neurons' chip windows (encoded < calibrated for b1, which leaves the top tick out); with
 * `gates`, max-pool gates too (they pass on their inputs' spikes, clipped as those were).
 */
export function chipWindows(snn: SnnNetwork, timing: Timing, options: { gates?: boolean } = {}): Map<string, ChipWindow> {
  const out = new Map<string, ChipWindow>();
  for (const p of snn.populations) {
    if (p.kind !== "spiking" && !(options.gates && p.kind === "gate")) continue;
    const pt = timing.populations.get(p.id)!;
    const ticks = pt.w2 - pt.w1;
    const encodedTicks = ticks - (snn.model === "b1" ? 1 : 0);
    const n = product(p.shape);
    out.set(p.id, {
      encoded: Float64Array.from({ length: n }, (_, i) => (encodedTicks + 0.5) * deltaAt(pt, i)),
      calibrated: Float64Array.from({ length: n }, (_, i) => (ticks + 0.5) * deltaAt(pt, i)),
    });
  }
  return out;
}

/**
 * Of the activations tMax − t of spike times `times` ([samples, neurons], +∞ = none) under window `w`: the positive
 * ones, those above what the chip encodes (clipped there) and those above the calibrated window.
 */
export function windowCounts(w: ChipWindow, tMax: number, times: Float64Array): { positive: number; aboveEncoded: number; aboveCalibrated: number } {
  const k = w.encoded.length;
  let positive = 0;
  let aboveEncoded = 0;
  let aboveCalibrated = 0;
  for (let i = 0; i < times.length; i++) {
    const a = tMax - times[i]!;
    if (a > 0) positive++;
    if (a > w.encoded[i % k]!) aboveEncoded++;
    if (a > w.calibrated[i % k]!) aboveCalibrated++;
  }
  return { positive, aboveEncoded, aboveCalibrated };
}

/**
 * b1 only: how many hidden activations of the samples x [n, …] fall in the top tick of their calibrated window, which a
 * b1 neuron does not encode (they fire one tick low), and of how many positive ones. Null for alpha (it encodes the
 * whole window).
 */
export function topTickActivations(snn: SnnNetwork, timing: Timing, x: Float64Array, n: number): { topTick: number; positive: number } | null {
  if (snn.model !== "b1") return null;
  const windows = chipWindows(snn, timing);
  const tMax = new Map(snn.populations.filter((p): p is SpikingPopulation => windows.has(p.id)).map((p) => [p.id, p.window.tMax]));
  let topTick = 0;
  let positive = 0;
  forEachExactBatch(snn, x, n, (id) => windows.has(id), (times) => {
    for (const [id, w] of windows) {
      const c = windowCounts(w, tMax.get(id)!, times.get(id)!);
      positive += c.positive;
      topTick += c.aboveEncoded - c.aboveCalibrated;
    }
  });
  return { topTick, positive };
}
