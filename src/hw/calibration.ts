/**
 * Calibration statistics the lowering uses: the mean activation of every neuron on the calibration data, from the
 * exact simulator (x = t_max − t, no spike = 0), for the bias correction of weight rounding (passes/quantize.ts).
 */
import { product } from "../ann/graph.js";
import type { SnnNetwork } from "../snn/network.js";
import { simulateExact } from "../sim/exact/simulate.js";
import { prepareNetwork } from "../sim/exact/prepare.js";

export function activationMeans(net: SnnNetwork, x: Float64Array, n: number): Map<string, Float64Array> {
  const pops = net.populations.filter((p) => p.kind !== "readout");
  const means = new Map(pops.map((p) => [p.id, new Float64Array(product(p.shape))]));
  const prepared = prepareNetwork(net);
  const size = x.length / n;
  const step = 64;
  for (let b0 = 0; b0 < n; b0 += step) {
    const nb = Math.min(step, n - b0);
    const r = simulateExact(net, x.subarray(b0 * size, (b0 + nb) * size), nb, { prepared, keep: (id) => means.has(id) });
    for (const p of pops) {
      const t = r.times.get(p.id)!;
      const m = means.get(p.id)!;
      const k = m.length;
      for (let i = 0; i < t.length; i++) {
        const a = p.window.tMax - t[i]!;
        if (a > 0) m[i % k]! += a;
      }
    }
  }
  for (const m of means.values()) for (let i = 0; i < m.length; i++) m[i]! /= n;
  return means;
}
