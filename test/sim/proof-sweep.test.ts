/**
 * The shared-receptive-field sweep (proof-sweep.ts) proves only neurons that truly do not cross before t1: a conv
 * population with a skip input, thresholds spread so that many neurons cross early, simulated by simulateSpiking and by
 * the per-neuron reference (every event, sorted scan) must agree neuron by neuron.
 */
import { describe, expect, it } from "vitest";
import { forEachSynapse, VIRTUAL } from "../../src/snn/synapses.js";
import { prepareSpiking } from "../../src/sim/exact/prepare.js";
import { simulateSpiking } from "../../src/sim/exact/population.js";
import { proveBySweep } from "../../src/sim/exact/proof-sweep.js";
import { firstCrossing, scanBuffers } from "../../src/sim/exact/scan.js";
import { decodeTimes } from "../../src/sim/exact/encode.js";
import { applyTerm } from "../../src/ann/term.js";
import { skipConvCase } from "../helpers/skip-conv.js";

function setup(seed: number, thresholdSpread: number) {
  return skipConvCase(seed, { cin: 3, h: 6, w: 6, cout: 5, batch: 3 }, { convWeight: 2, thresholdSpread });
}

/** Per-neuron reference: every synapse as an event, the sorted scan. */
function reference(s: ReturnType<typeof setup>): Float64Array {
  const { pop, batch, size, times, srcs } = s;
  const out = new Float64Array(batch * size);
  const cap = 1 + pop.projections.length * 9 * 5;
  for (let b = 0; b < batch; b++)
    for (let i = 0; i < size; i++) {
      const buf = scanBuffers(cap);
      let n = 0;
      buf.times[n] = 0;
      buf.weights[n++] = 1;
      pop.projections.forEach((p, k) => {
        const st = times(p.source);
        const srcSize = st.length / batch;
        forEachSynapse(p, srcs[k]!.shape, pop.shape, i, (j, w) => {
          buf.times[n] = j === VIRTUAL ? 1 : st[b * srcSize + j]!;
          buf.weights[n++] = w;
        });
      });
      out[b * size + i] = firstCrossing(buf, n, pop.threshold[i]!, pop.window.tMax, 1).time;
    }
  return out;
}

describe("proof-sweep", () => {
  for (const [seed, spread] of [[1, 0.5], [2, 2], [3, 6]] as const) {
    it(`agrees with the per-neuron scan (seed ${seed}, threshold spread ${spread})`, () => {
      const s = setup(seed, spread);
      const prep = prepareSpiking(s.pop, s.byId);
      const ref = reference(s);
      const got = simulateSpiking(prep, "alpha", s.times, s.batch);
      const early = ref.filter((t) => t < 1).length;
      expect(early).toBeGreaterThan(0);
      let maxErr = 0;
      for (let k = 0; k < ref.length; k++) maxErr = Math.max(maxErr, Math.abs(got.times[k]! - ref[k]!));
      expect(maxErr).toBeLessThanOrEqual(1e-9);
      expect(got.stats.early).toBe(early);
      // The sweep itself: what it proves is never early, and it proves some.
      const list = Array.from({ length: ref.length }, (_, k) => k);
      const drive = new Float64Array(ref.length);
      s.pop.projections.forEach((p, k) => applyTerm(p, decodeTimes(s.times(p.source), 1), s.srcs[k]!.shape, s.pop.shape, s.batch, drive));
      const out = new Float64Array(ref.length).fill(NaN);
      const rest = new Set(proveBySweep(prep, s.times, s.batch, list, drive, out));
      const proven = list.filter((k) => !rest.has(k));
      expect(proven.length).toBeGreaterThan(0);
      for (const k of proven) expect(Math.abs(out[k]! - ref[k]!)).toBeLessThanOrEqual(1e-9);
      expect(proven.filter((k) => ref[k]! < 1).length).toBe(0);
    });
  }
});
