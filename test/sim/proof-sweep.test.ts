/**
 * The shared-receptive-field sweep (proof-sweep.ts) proves only neurons that truly do not cross before t1: a conv
 * population with a skip input, thresholds spread so that many neurons cross early, simulated by simulateSpiking and by
 * the per-neuron reference (every event, sorted scan) must agree neuron by neuron.
 */
import { describe, expect, it } from "vitest";
import type { InputPopulation, Population, SpikingPopulation } from "../../src/snn/network.js";
import { forEachSynapse, VIRTUAL } from "../../src/snn/synapses.js";
import { prepareSpiking } from "../../src/sim/exact/prepare.js";
import { simulateSpiking } from "../../src/sim/exact/population.js";
import { proveBySweep } from "../../src/sim/exact/proof-sweep.js";
import { firstCrossing, scanBuffers } from "../../src/sim/exact/scan.js";
import { decodeTimes } from "../../src/sim/exact/encode.js";
import { applyTerm } from "../../src/ann/term.js";

function rng(seed: number) {
  let s = seed >>> 0;
  return () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s / 4294967296;
  };
}

function setup(seed: number, thresholdSpread: number) {
  const r = rng(seed);
  const [cin, h, w, cout] = [3, 6, 6, 5];
  const src = (id: string, shape: number[]): InputPopulation => ({ kind: "input", id, shape, origin: [], window: { tMin: 0, tMax: 1 }, range: { low: 0, high: 1 } });
  const a = src("a", [cin, h, w]);
  const skip = src("skip", [cout, h, w]);
  const batch = 3;
  // A third of the activations are 0 (spikes at t1), as after a ReLU.
  const times = (n: number) => Float64Array.from({ length: n }, () => (r() < 0.33 ? 1 : r()));
  const ta = times(batch * cin * h * w);
  const ts = times(batch * cout * h * w);
  const shape = [cout, h, w];
  const size = cout * h * w;
  const pop: SpikingPopulation = {
    kind: "spiking",
    id: "s",
    shape,
    origin: [],
    window: { tMin: 1, tMax: 3 },
    inputWindow: { tMin: 0, tMax: 1 },
    alpha: 1,
    threshold: new Float64Array(size),
    maxActivation: 1,
    scale: new Float64Array(size).fill(1),
    projections: [
      { kind: "conv", source: "a", delay: 0, group: 1, kernel: [3, 3], stride: [1, 1], pads: [1, 1, 1, 1], dilation: [1, 1], weight: Float64Array.from({ length: cout * cin * 9 }, () => (r() - 0.5) * 2) },
      { kind: "identity", source: "skip", delay: 0, weight: Float64Array.from({ length: cout }, () => (r() - 0.5) * 3) },
    ],
  };
  // Thresholds around V(t1), so that some neurons cross before t1 and some after.
  const drive = new Float64Array(batch * size);
  const xs = [decodeTimes(ta, 1), decodeTimes(ts, 1)];
  pop.projections.forEach((p, k) => applyTerm(p, xs[k]!, k === 0 ? a.shape : skip.shape, shape, batch, drive));
  for (let i = 0; i < size; i++) pop.threshold[i] = 1 + drive[i]! + (r() - 0.3) * thresholdSpread;
  const byId = new Map<string, Population>([["a", a], ["skip", skip]]);
  const all = new Map([["a", ta], ["skip", ts]]);
  return { pop, byId, batch, size, times: (id: string) => all.get(id)!, srcs: [a, skip] };
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
