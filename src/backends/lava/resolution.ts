/**
 * Lava's CPU resolution. Lava's bit-accurate Dense/Sparse models compute a = (Σ w·s) >> −weight_exp for a negative
 * exponent, per step and process, then u += a << 6: on the CPU every contribution is a multiple of 2^6, while Loihi
 * (and the HW IR, and spikec's cycle simulator) scale each synapse, w · 2^(6 + e), exact down to e = −6.
 *
 * `roundToLavaCpu` makes a HW IR whose contributions are all multiples of 2^6 (mantissas at a negative exponent −k
 * rounded to multiples of 2^k, within the weight range): a different network (slightly different weights), but one
 * that Lava's CPU models run exactly, so the generated program can be checked spike for spike against the cycle
 * simulator (the hand check of docs/formats.md, "Lava program", and bench/lava-vs-cycle.ts).
 */
import type { HwNetwork, HwSynapseGroup } from "../../hw/network.js";
import { populationSize } from "../../hw/network.js";
import { LAVA_EXCITATORY_MAX, LAVA_INHIBITORY_MIN } from "./plan.js";

/** Nearest multiple of 2^k to w (w's sign kept, inside Lava's exact range); 0 allowed. */
export function roundMantissa(w: number, k: number): number {
  if (k <= 0 || w === 0) return w;
  const q = 2 ** k;
  const hi = Math.floor(LAVA_EXCITATORY_MAX / q) * q;
  const lo = -Math.floor(-LAVA_INHIBITORY_MIN / q) * q;
  const r = Math.sign(w) * Math.round(Math.abs(w) / q) * q;
  return Math.min(hi, Math.max(lo, r));
}

const expAt = (x: number | Int8Array, i: number): number => (typeof x === "number" ? x : x[i]!);

function roundGroup(g: HwSynapseGroup, nSource: number): HwSynapseGroup {
  const weight = Int16Array.from(g.weight);
  if (g.kind === "dense") {
    for (let k = 0; k < weight.length; k++) weight[k] = roundMantissa(weight[k]!, -expAt(g.weightExp, Math.floor(k / nSource)));
  } else if (g.kind === "conv") {
    const perOut = weight.length / (typeof g.weightExp === "number" ? 1 : g.weightExp.length);
    for (let k = 0; k < weight.length; k++) weight[k] = roundMantissa(weight[k]!, -expAt(g.weightExp, Math.floor(k / perOut)));
  } else {
    for (let k = 0; k < weight.length; k++) weight[k] = roundMantissa(weight[k]!, -expAt(g.weightExp, k));
  }
  return { ...g, weight } as HwSynapseGroup;
}

/** A copy of `net` whose every synaptic contribution is a multiple of 2^6 (see above). */
export function roundToLavaCpu(net: HwNetwork): HwNetwork {
  const size = new Map(net.populations.map((p) => [p.id, populationSize(p)]));
  return {
    ...net,
    synapses: net.synapses.map((g) => roundGroup(g, size.get(g.source)!)),
    notes: [...net.notes, "lava: mantissas at negative exponents rounded to multiples of 2^−exp (Lava CPU resolution)"],
  };
}
