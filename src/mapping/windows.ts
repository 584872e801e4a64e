/**
 * Time windows and the delays that align a layer's sources (shared/spec/ttfs-mapping.md §3.3). Windows chain: a layer
 * fires in [t1, t1 + B] where t1 is the latest end among its sources' windows, and every other source is delayed so that
 * its window ends at t1 too (skip paths, concatenated branches). Integration starts at t0, the earliest aligned start.
 */
import { onnxNodesText, type Origin } from "../ann/graph.js";
import type { Population, TimeWindow } from "../snn/network.js";
import { InputError } from "../util/errors.js";

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

/** Activations resolved worse than this (relative) by float64 spike times cannot meet verify's 1e-9 × max |logit|. */
const RESOLUTION_NOTE = 1e-11;

/**
 * Spike times are absolute float64 values, so a layer firing in [t1, t1 + B] resolves its activations to about
 * ulp(t1 + B) / B of their range. Refuses a window float64 cannot hold (infinite, or not longer than a few ulps of
 * its start); returns a note when the resolution is coarse enough to cost exactness (tiny activations late in time).
 */
export function checkWindow(layer: { id: string; origin: Origin[] }, t1: number, length: number, x: number): string | null {
  const onnx = onnxNodesText(layer);
  const end = t1 + length;
  if (!Number.isFinite(x) || !Number.isFinite(end)) {
    throw new InputError(
      `layer '${layer.id}' (ONNX ${onnx}): its largest activation on the calibration data is ${x}, so its window (1 + ζ)·X overflows float64`,
      "check the model's weights and biases (an overflowing layer usually means a broken export); rescaling this layer down and the next one up keeps the function",
    );
  }
  const resolution = (2 ** -52 * end) / length;
  if (resolution > 2 ** -4) {
    throw new InputError(
      `layer '${layer.id}' (ONNX ${onnx}): its largest activation on the calibration data is ${x.toPrecision(3)}, a window of ${length.toPrecision(3)} ` +
        `starting at t = ${t1.toPrecision(6)}: float64 spike times cannot tell its activations apart (resolution ${resolution.toPrecision(2)} of the window)`,
      "rescale the layer up (and its consumers down by the same factor: the function is unchanged), or calibrate with data that drives it",
    );
  }
  if (resolution <= RESOLUTION_NOTE) return null;
  return (
    `layer ${layer.id}: its window (${length.toPrecision(3)}, X = ${x.toPrecision(3)}) is small against its start time (t = ${t1.toPrecision(6)}); ` +
    `float64 spike times resolve its activations to about ${resolution.toPrecision(2)} of the window, so logits may differ from the ANN by that much relative`
  );
}
