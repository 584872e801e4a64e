/**
 * Calibration statistics the lowering uses, from the exact simulator on the calibration data (x = t_max − t, no
 * spike = 0): the mean activation of every neuron, for the bias correction of weight rounding (passes/quantize.ts),
 * and per spiking population a high quantile of its positive activations, for chip windows that clip rare outliers
 * (passes/time.ts; the firing gate makes an activation above its window fire at t1, i.e. clip to the window).
 */
import { product } from "../ann/graph.js";
import type { SnnNetwork } from "../snn/network.js";
import { simulateExact } from "../sim/exact/simulate.js";
import { prepareNetwork } from "../sim/exact/prepare.js";
import { maxOf } from "../util/extrema.js";

export interface ActivationStats {
  /** Mean activation per neuron, per non-readout population. */
  means: Map<string, Float64Array>;
  /** Per spiking population: its positive activations over the calibration samples, ascending (only on request). */
  sorted: Map<string, Float64Array>;
  /** Per spiking population and channel ([C, H, W]; dense: per neuron): the largest calibration activation. */
  channelMax: Map<string, Float64Array>;
}

/** Channels of a population: C for [C, H, W], one per neuron otherwise (a dense layer's neurons are its channels). */
export const channelsOf = (shape: readonly number[]): number => (shape.length === 3 ? shape[0]! : product(shape));

/**
 * The exact simulator on x [n, …] in passes of 64 samples (the kept populations' spike times of a pass fit in
 * memory), each pass's kept times handed to `visit`.
 */
export function forEachExactBatch(net: SnnNetwork, x: Float64Array, n: number, keep: (id: string) => boolean, visit: (times: Map<string, Float64Array>) => void): void {
  const prepared = prepareNetwork(net);
  const size = x.length / n;
  const step = 64;
  for (let b0 = 0; b0 < n; b0 += step) {
    const nb = Math.min(step, n - b0);
    visit(simulateExact(net, x.subarray(b0 * size, (b0 + nb) * size), nb, { prepared, keep }).times);
  }
}

/**
 * `sorted`: also keep every positive activation (for quantileWindows; samples × neurons numbers, so only on request:
 * the compiler takes its statistics over the whole calibration set).
 */
export function activationStats(net: SnnNetwork, x: Float64Array, n: number, options: { sorted?: boolean } = {}): ActivationStats {
  const pops = net.populations.filter((p) => p.kind !== "readout");
  const means = new Map(pops.map((p) => [p.id, new Float64Array(product(p.shape))]));
  const positives = new Map<string, number[]>(options.sorted ? pops.filter((p) => p.kind === "spiking").map((p) => [p.id, []]) : []);
  const channelMax = new Map(pops.filter((p) => p.kind === "spiking").map((p) => [p.id, new Float64Array(channelsOf(p.shape))]));
  forEachExactBatch(net, x, n, (id) => means.has(id), (times) => {
    for (const p of pops) {
      const t = times.get(p.id)!;
      const m = means.get(p.id)!;
      const pos = positives.get(p.id);
      const cmax = channelMax.get(p.id);
      const k = m.length;
      const area = cmax ? k / cmax.length : 1;
      for (let i = 0; i < t.length; i++) {
        const a = p.window.tMax - t[i]!;
        if (a > 0) {
          m[i % k]! += a;
          pos?.push(a);
          if (cmax) {
            const c = Math.floor((i % k) / area);
            if (a > cmax[c]!) cmax[c] = a;
          }
        }
      }
    }
  });
  for (const m of means.values()) for (let i = 0; i < m.length; i++) m[i]! /= n;
  const sorted = new Map([...positives].map(([id, v]) => [id, Float64Array.from(v).sort()]));
  return { means, sorted, channelMax };
}

export function activationMeans(net: SnnNetwork, x: Float64Array, n: number): Map<string, Float64Array> {
  return activationStats(net, x, n).means;
}

/**
 * Chip windows at the q-quantile of each spiking population's positive calibration activations (q = 1: the maximum
 * X_n). Activations above fire at t1 (clipped); the report states the quantile.
 */
export function quantileWindows(stats: ActivationStats, q: number): Map<string, number> {
  const out = new Map<string, number>();
  for (const [id, v] of stats.sorted) if (v.length) out.set(id, v[Math.min(v.length - 1, Math.floor(q * (v.length - 1) + 0.5))]!);
  return out;
}

/**
 * Smallest channel window as a fraction of the layer's largest: a nearly silent channel would otherwise get tiny ticks
 * and weights from it up to X_n/x_c times larger, beyond the registers at large budgets (measured: lenet5_fmnist's
 * /11/Gemm on Loihi 1 at 128 ticks without the floor).
 */
export const CHANNEL_WINDOW_RATIO = 8;

/**
 * Chip windows per channel (dense: per neuron) at (1 + margin)·the largest calibration activation of each channel (the
 * compiler's default, src/compile.ts): a channel whose activations stay small gets finer ticks (a positive per-channel
 * rescaling, so the network's function is kept; the next layer's weights carry the ratio). Activations above their
 * channel's calibration maximum fire at t1 (clipped; none on the calibration data, except in b1's top tick, which it
 * does not encode: chip-windows.ts). Measured on lenet5_fmnist at 16 ticks, Loihi 2, 1000 test images: 93.6 % agreement
 * with layer maxima, 96.6 % with layer 99.9 % quantiles, 97.9 % with channel maxima (the float ANN with 16 uniform
 * levels per activation: 96.7 % and 98.3 %).
 */
export function channelWindows(stats: ActivationStats, margin = 0, maxRatio = CHANNEL_WINDOW_RATIO): Map<string, Float64Array> {
  return new Map(
    [...stats.channelMax].map(([id, v]) => {
      const floor = maxOf(v, 0) / maxRatio;
      return [id, v.map((x) => (1 + margin) * Math.max(x, floor))];
    }),
  );
}
