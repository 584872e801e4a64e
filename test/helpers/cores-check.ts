/** cores.json (run by the loihi backend's loader) against the HW IR run in the cycle engine, spike for spike. */
import { expect } from "vitest";
import type { Compiled } from "../../src/compile.js";
import type { NpyArray } from "../../src/io/npy.js";
import { encodeInputTicks } from "../../src/hw/io.js";
import { compileCycle, runCycle } from "../../src/sim/cycle/index.js";
import { compileCores, runCores } from "../../src/backends/loihi/run.js";
import type { CoresConfig } from "../../src/backends/loihi/config.js";

/**
 * Runs the first `images` samples of `test` through `cfg` and through the HW IR; expects the same spikes (tick,
 * neuron) in every population of cores.json and the same last readout. Returns the number of spikes compared.
 */
export function expectCoresMatchHw(hw: NonNullable<Compiled["hw"]>, cfg: CoresConfig, test: NpyArray, size: number, images: number): number {
  const cores = compileCores(cfg, hw.target);
  const ref = compileCycle(hw.net, hw.target);
  let spikes = 0;
  for (let s = 0; s < images; s++) {
    const { spikes: input } = encodeInputTicks(hw.net, test.data.subarray(s * size, (s + 1) * size));
    const a = runCycle(ref, input, { raster: true });
    const b = runCores(cores, input);
    for (const p of cfg.populations) {
      const ras = a.raster![p.id] ?? { tick: new Int32Array(0), neuron: new Int32Array(0) };
      const want = Array.from(ras.tick, (t, k) => ({ tick: t, neuron: ras.neuron[k]! })).sort((x, y) => x.tick - y.tick || x.neuron - y.neuron);
      expect(b.spikes.get(p.id)).toEqual(want);
      spikes += want.length;
    }
    expect(Array.from(b.logits[b.logits.length - 1]!)).toEqual(Array.from(a.readouts[a.readouts.length - 1]!.logits));
  }
  return spikes;
}
