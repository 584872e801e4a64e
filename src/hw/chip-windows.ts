/**
 * The windows a chip gives its spiking layers, in the SNN's activation units: neuron i of a layer with tick window
 * [w1, w2] and tick length δ_i encodes activations up to (w2 − w1)·δ_i, and its firing gate makes any larger
 * activation fire at w1, i.e. clips it to that window. The windows come from the calibration data (channel windows:
 * each channel's largest activation with a margin), so unseen inputs can exceed them; verify counts how often.
 */
import { product } from "../ann/graph.js";
import type { SnnNetwork } from "../snn/network.js";
import { deltaAt, type Timing } from "./passes/lowering.js";

/**
 * Per spiking population, per neuron: the largest activation the chip encodes without clipping it by more than half a
 * tick (the window plus half a tick: up to there the error is the tick grid's own rounding).
 */
export function chipWindows(snn: SnnNetwork, timing: Timing): Map<string, Float64Array> {
  const out = new Map<string, Float64Array>();
  for (const p of snn.populations) {
    if (p.kind !== "spiking") continue;
    const pt = timing.populations.get(p.id)!;
    const ticks = pt.w2 - pt.w1;
    out.set(p.id, Float64Array.from({ length: product(p.shape) }, (_, i) => (ticks + 0.5) * deltaAt(pt, i)));
  }
  return out;
}
