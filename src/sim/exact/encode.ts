/**
 * Between values and spike times. A population with window [tMin, tMax] encodes x ≥ 0 as a spike at tMax − x;
 * "no spike" is +∞ and encodes 0 (b1 silent neurons; it also decodes as 0 from any window).
 */
import type { InputPopulation, NeuronModel } from "../../snn/network.js";
import { takeF64 } from "./scratch.js";

export const NO_SPIKE = Number.POSITIVE_INFINITY;

/** Input spike times for raw input values (batch-major flat), per the population's range. */
export function encodeInput(pop: InputPopulation, model: NeuronModel, x: Float64Array): { times: Float64Array; clipped: number } {
  const { low, high } = pop.range;
  const { tMin, tMax } = pop.window;
  const span = high - low;
  const times = takeF64(x.length);
  let clipped = 0;
  for (let i = 0; i < x.length; i++) {
    let v = (x[i]! - low) / span;
    if (v < 0 || v > 1) {
      clipped++;
      v = v < 0 ? 0 : 1;
    }
    times[i] = model === "b1" && v === 0 ? NO_SPIKE : tMax - v * (tMax - tMin);
  }
  return { times, clipped };
}

/** Activations x = max(0, tMax − t) of a population's spike times (no spike → 0). */
export function decodeTimes(times: Float64Array, tMax: number, out: Float64Array = new Float64Array(times.length)): Float64Array {
  // max(x, 0) by indexing [0, x] with the comparison: no branch (silent neurons, x = 0, come unpredictably).
  const pick = new Float64Array(2);
  for (let i = 0; i < times.length; i++) {
    const x = tMax - times[i]!;
    pick[1] = x;
    out[i] = pick[+(x > 0)]!;
  }
  return out;
}
