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
    const ticks = pt.w2 - pt.w1 - (snn.model === "b1" ? 1 : 0);
    out.set(p.id, Float64Array.from({ length: product(p.shape) }, (_, i) => (ticks + 0.5) * deltaAt(pt, i)));
  }
  return out;
}
