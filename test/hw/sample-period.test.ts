/**
 * The sample period: the simulated ticks plus the latest arrival of a spike emitted in them (checked against every
 * spike of real cycle simulations: the period bounds each one's arrival through each of its synapse groups), rounded
 * up to a power of two on a chip whose periodic reset needs one (Loihi 2), not on Loihi 1; in the fit report with
 * what a deployment must do between samples.
 */
import { describe, expect, it } from "vitest";
import { compile, loadSamples } from "../../src/compile.js";
import { samplePeriod } from "../../src/hw/sample-period.js";
import { simulateCycle } from "../../src/sim/cycle/index.js";
import { encodeInputTicks } from "../../src/hw/io.js";
import type { HwSynapseGroup } from "../../src/hw/network.js";

const FIX = "test/fixtures";

/** The longest delay of a source neuron's synapses in the group (a dense group reaches every target). */
function latestDelay(g: HwSynapseGroup): (pre: number) => number {
  if (g.kind !== "sparse" || typeof g.delay === "number") {
    // A conv group has one delay; a dense group reaches every target.
    const d = typeof g.delay === "number" ? g.delay : Math.max(...g.delay);
    return () => d;
  }
  const per = new Map<number, number>();
  const delays = g.delay;
  g.pre.forEach((pre, k) => per.set(pre, Math.max(per.get(pre) ?? 0, delays[k]!)));
  return (pre) => per.get(pre) ?? 0;
}

describe("sample period", () => {
  it("lenet5 on loihi2 and loihi1 at 16 ticks: every spike's arrival within the period; 2^k only on loihi2", () => {
    const periods: number[] = [];
    for (const target of ["loihi2", "loihi1"] as const) {
      const compiled = compile(`${FIX}/lenet5_fmnist.onnx`, `${FIX}/fmnist_calib_x.npy`, { target, ticks: 16, hardwareSamples: 8 });
      const { net, target: t } = compiled.hw!;
      const p = samplePeriod(net, t);
      const maxDelay = Math.max(...net.synapses.map((g) => (typeof g.delay === "number" ? g.delay : Math.max(...g.delay))));
      expect(maxDelay).toBeGreaterThan(0); // lenet5's skip-free path still delays clocks and gates
      expect(p).toEqual({ needed: net.ticks + 1 + maxDelay, maxDelay, ticks: target === "loihi2" ? 2 ** Math.ceil(Math.log2(net.ticks + 1 + maxDelay)) : net.ticks + 1 + maxDelay });
      periods.push(p.ticks, p.needed);
      // Every spike of 4 test images lands (tick + latency + its group's delay to each target) before the period ends.
      const shape = compiled.ann.nodes[0]!.shape;
      const { array } = loadSamples(`${FIX}/fmnist_test_x.npy`, shape);
      let latest = 0;
      for (let b = 0; b < 4; b++) {
        const r = simulateCycle(net, t, encodeInputTicks(net, array.data.subarray(b * 784, (b + 1) * 784)).spikes, { raster: true });
        for (const g of net.synapses) {
          const spikes = r.raster![g.source];
          if (!spikes) continue;
          const delayOf = latestDelay(g);
          for (let k = 0; k < spikes.tick.length; k++) latest = Math.max(latest, spikes.tick[k]! + 1 + delayOf(spikes.neuron[k]!));
        }
      }
      expect(latest).toBeGreaterThanOrEqual(net.ticks); // some spikes are still in flight when the simulation stops
      expect(latest).toBeLessThan(p.needed);
      const fit = compiled.report.fit!;
      expect(fit.totals.samplePeriodTicks).toBe(p.ticks);
      expect(fit.assumptions.find((a) => a.startsWith("one sample every"))).toBe(
        `one sample every ${p.ticks} ticks: ${net.ticks} simulated, then spikes still in flight land within 1 + ${maxDelay} ticks (synaptic latency + longest delay)` +
          (target === "loihi2" ? `, rounded up to a power of two (the periodic reset of ${t.name} takes a 2^k period)` : ""),
      );
      expect(fit.assumptions.some((a) => a.startsWith("each sample starts from per-neuron initial u and v"))).toBe(true);
    }
    console.log(`lenet5 at 16 ticks: sample period loihi2 ${periods[0]} ticks (needs ${periods[1]}), loihi1 ${periods[2]}`);
  }, 120_000);
});
