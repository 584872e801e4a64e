/**
 * What of a target's neuron arithmetic spikec implements. Targets are data, but the single-spike lowering and the
 * cycle simulator are built for current-based synapses (a spike adds to u), a reset of v to 0, and — in the
 * lowering — one tick of synaptic latency, a strict threshold comparison and exact unit contributions; a file describing anything else is refused
 * naming the element, rather than lowered or simulated as if it were a Loihi.
 */
import { exactLadderProblem, weightFormat } from "../passes/fixed-point.js";
import type { Target } from "./target.js";

/** The first unsupported element of `t` for the lowering or the cycle simulator, or null. */
export function unsupportedArithmetic(t: Target, by: "lowering" | "simulator"): string | null {
  if (t.neuron.psp !== "step-current")
    return `its synapses are ${t.neuron.psp} (element <neuron/psp>); spikec's neurons integrate step currents (a spike adds to u, u integrates into v)`;
  if (t.neuron.reset !== "zero") return `its neurons reset by ${t.neuron.reset} (element <neuron/reset>); spikec implements a reset of v to 0`;
  if (by === "simulator") return null;
  if (t.timing.synapticLatency !== 1)
    return `its synaptic latency is ${t.timing.synapticLatency} ticks (element <timing/synapticLatency>); the latch and forced-spike design assumes 1`;
  if (t.neuron.threshold.compare !== "gt")
    return `its threshold comparison is ${t.neuron.threshold.compare} (element <neuron/threshold/compare>); the single-spike lowering places thresholds and latches for a strict v > threshold`;
  if (!t.synapse.signModes.includes("mixed"))
    return `it has no mixed-sign synapse lists (element <synapse/signModes>: ${t.synapse.signModes.join(", ")}); the lowering's clock and latch lists hold exact integers of both signs in one list`;
  return exactLadderProblem(weightFormat(t));
}
