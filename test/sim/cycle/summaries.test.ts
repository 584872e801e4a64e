/**
 * Conv and dense groups reach the cycle engine's projections without a CSR (src/sim/cycle/synapses.ts: convSummary,
 * denseSummary): their synapses per source neuron, count and largest delay must be the CSR's, and a group the CSR
 * compile refuses must be refused with the same message.
 */
import { describe, expect, it } from "vitest";
import fc from "fast-check";
import type { HwConvSynapses, HwDenseSynapses, HwPopulation } from "../../../src/hw/network.js";
import { compileSynapses, convSummary, denseSummary, summaryOf, type SynapseArithmetic } from "../../../src/sim/cycle/synapses.js";

const arith: SynapseArithmetic = { weightShift: 6, perSynapseClip: null, maxDelay: 62 };

const source = (shape: number[]): HwPopulation => ({ kind: "source", id: "s", shape, role: "input", schedule: null });
const target = (shape: number[]): HwPopulation => ({ kind: "compartments", id: "t", shape, neuron: "cuba-lif", profiles: [], profileOf: null, biasMant: null, biasExp: 0, uInit: null, vInit: null });

const convArb = fc
  .record({
    group: fc.constantFrom(1, 2),
    cinG: fc.integer({ min: 1, max: 3 }),
    coutG: fc.integer({ min: 1, max: 3 }),
    k: fc.integer({ min: 1, max: 3 }),
    stride: fc.integer({ min: 1, max: 2 }),
    dilation: fc.integer({ min: 1, max: 2 }),
    pad: fc.integer({ min: 0, max: 2 }),
    h: fc.integer({ min: 3, max: 7 }),
    w: fc.integer({ min: 3, max: 7 }),
    delay: fc.integer({ min: 0, max: 3 }),
    seed: fc.integer({ min: 1, max: 1e6 }),
  })
  .filter((c) => c.h + 2 * c.pad >= c.dilation * (c.k - 1) + 1 && c.w + 2 * c.pad >= c.dilation * (c.k - 1) + 1);

describe("conv and dense summaries", () => {
  it("a conv group's summary equals its CSR's (groups, stride, dilation, padding, zero weights)", () => {
    fc.assert(
      fc.property(convArb, (c) => {
        let r = c.seed;
        const next = () => (r = (r * 16807) % 2147483647) / 2147483647;
        const C = c.group * c.cinG;
        const Co = c.group * c.coutG;
        const Ho = Math.floor((c.h + 2 * c.pad - c.dilation * (c.k - 1) - 1) / c.stride) + 1;
        const Wo = Math.floor((c.w + 2 * c.pad - c.dilation * (c.k - 1) - 1) / c.stride) + 1;
        const g: HwConvSynapses = {
          kind: "conv", id: "g", source: "s", target: "t", group: c.group,
          weight: Int16Array.from({ length: Co * c.cinG * c.k * c.k }, () => (next() < 0.3 ? 0 : Math.round(next() * 200 - 100))),
          weightExp: Int8Array.from({ length: Co }, () => Math.floor(next() * 3)), delay: c.delay,
          kernel: [c.k, c.k], stride: [c.stride, c.stride], pads: [c.pad, c.pad, c.pad, c.pad], dilation: [c.dilation, c.dilation],
        };
        const pops = new Map([["s", source([C, c.h, c.w])], ["t", target([Co, Ho, Wo])]]);
        const want = summaryOf(compileSynapses(g, pops, arith), C * c.h * c.w);
        const got = convSummary(g, pops, arith);
        expect(got.nnz).toBe(want.nnz);
        expect([...got.events]).toEqual([...want.events]);
        expect(got.maxDelay).toBe(want.maxDelay);
      }),
      { numRuns: 200, seed: 7 },
    );
  });

  it("a dense group's summary equals its CSR's (per-target delays, zero weights)", () => {
    const nS = 13;
    const nT = 9;
    const g: HwDenseSynapses = {
      kind: "dense", id: "d", source: "s", target: "t",
      // Target 8 has no nonzero weight: its delay (1) is no synapse's.
      weight: Int16Array.from({ length: nS * nT }, (_, k) => (k % 4 === 0 || k >= 8 * nS ? 0 : ((k * 37) % 101) - 50)),
      weightExp: Int8Array.from({ length: nT }, (_, i) => i % 3), delay: Uint8Array.from({ length: nT }, (_, i) => (i === 8 ? 5 : i % 2)),
    };
    const pops = new Map([["s", source([nS])], ["t", target([nT])]]);
    const want = summaryOf(compileSynapses(g, pops, arith), nS);
    const got = denseSummary(g, pops, arith);
    expect(got).toEqual(want);
  });

  it("refuses what the CSR compile refuses, with the same message", () => {
    const pops = new Map([["s", source([2, 5, 5])], ["t", target([3, 5, 5])]]);
    const conv: HwConvSynapses = { kind: "conv", id: "g", source: "s", target: "t", group: 1, weight: new Int16Array(3 * 2 * 9), weightExp: 0, delay: 0, kernel: [3, 3], stride: [1, 1], pads: [0, 0, 0, 0], dilation: [1, 1] };
    const message = (f: () => unknown) => {
      try {
        f();
      } catch (e) {
        return (e as Error).message;
      }
      return "no error";
    };
    // Output 5×5 needs padding 1 with a 3×3 kernel; the delay beyond the target's.
    for (const bad of [conv, { ...conv, pads: [1, 1, 1, 1] as [number, number, number, number], delay: 63 }]) {
      const m = message(() => convSummary(bad, pops, arith));
      expect(m).not.toBe("no error");
      const weights = { ...bad, weight: Int16Array.from(bad.weight, () => 1) }; // a synapse for the CSR builder to reject
      expect(message(() => compileSynapses(weights, pops, arith))).toBe(m);
    }
  });
});
