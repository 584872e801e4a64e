/**
 * How many ticks one sample occupies on the chip. The simulators run ticks 0 .. ticks − 1 from a reset (u and v at
 * their initial values, nothing in flight) and drop what would arrive later; on the chip, spikes emitted near the end
 * still land up to the synaptic latency plus the longest delay later, so the next sample may start only after them.
 * A chip whose periodic reset takes a power-of-two period (Loihi 2's LIFReset) rounds that up.
 */
import type { Target } from "./target/target.js";
import type { HwNetwork } from "./network.js";
import { delayOf } from "./passes/delays.js";

export interface SamplePeriod {
  /** Ticks from one sample's reset to the next. */
  ticks: number;
  /** Ticks the sample needs: the simulated ticks plus the latest arrival of a spike emitted in them. */
  needed: number;
  /** The longest synaptic delay (ticks beyond the latency). */
  maxDelay: number;
}

export function samplePeriod(hw: HwNetwork, target: Target): SamplePeriod {
  const maxDelay = hw.synapses.reduce((m, g) => Math.max(m, delayOf(g)), 0);
  const needed = hw.ticks + target.timing.synapticLatency + maxDelay;
  const ticks = target.timing.resetInterval === "power-of-two" ? 2 ** Math.ceil(Math.log2(needed)) : needed;
  return { ticks, needed, maxDelay };
}

/** What a deployment must do between samples, and why the period is what it is (the fit report's assumptions). */
export function samplePeriodNotes(hw: HwNetwork, target: Target, p: SamplePeriod): string[] {
  const notes = [
    `one sample every ${p.ticks} ticks: ${hw.ticks} simulated, then spikes still in flight land within ${target.timing.synapticLatency} + ${p.maxDelay} ticks (synaptic latency + longest delay)` +
      (p.ticks > p.needed ? `, rounded up to a power of two (the periodic reset of ${target.name} takes a 2^k period)` : ""),
  ];
  const initial = hw.populations.some((q) => q.kind === "compartments" && (q.uInit !== null || q.vInit !== null));
  if (initial)
    notes.push(
      "each sample starts from per-neuron initial u and v (uInit, vInit); a reset that only zeroes them (such as Lava's LIFReset) is not enough: the host writes them before every sample (as the emitted Lava program does), or a custom neuron program restores them",
    );
  return notes;
}
