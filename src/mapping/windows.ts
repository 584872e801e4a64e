/**
 * Time windows and the delays that align a layer's sources (shared/spec/ttfs-mapping.md §3.3). Windows chain: a layer
 * fires in [t1, t1 + B] where t1 is the latest end among its sources' windows, and every other source is delayed so that
 * its window ends at t1 too (skip paths, concatenated branches). Integration starts at t0, the earliest aligned start.
 */
import type { Population, TimeWindow } from "../snn/network.js";

export interface Alignment {
  inputWindow: TimeWindow;
  /** Delay per source, in source order. */
  delays: number[];
}

export function alignSources(sources: Population[]): Alignment {
  const t1 = Math.max(...sources.map((s) => s.window.tMax));
  const delays = sources.map((s) => t1 - s.window.tMax);
  const t0 = Math.min(...sources.map((s, k) => s.window.tMin + delays[k]!));
  return { inputWindow: { tMin: t0, tMax: t1 }, delays };
}

/** Window length B = (1 + ζ)·X of a layer with calibrated maximum X (one input window for a layer silent on calibration). */
export function windowLength(maxActivation: number, margin: number): number {
  return maxActivation > 0 ? (1 + margin) * maxActivation : 1;
}
