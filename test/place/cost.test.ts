/**
 * The memory formulas, pinned: the Loihi 1 worked example of shared/spec/targets.md §1.2 (dense 784→100, 8-bit
 * weights: 702,464 bits; with 6 delay bits 1,204,224 bits, split into 2 cores of 602,112), hand-counted conv tiles,
 * and the closed-form conv count against synapse-by-synapse enumeration on random geometries.
 */
import { describe, expect, it } from "vitest";
import fc from "fast-check";
import type { HwNetwork } from "../../src/hw/network.js";
import { loadTarget } from "../../src/hw/target/load.js";
import { memoryModelOf } from "../../src/place/cost/index.js";
import { place } from "../../src/place/place.js";
import { prepare } from "../../src/place/prepared.js";
import { boxNeurons, tileUsage } from "../../src/place/usage.js";

const loihi1 = loadTarget("loihi1");
const V = 2 ** 23 - 1;
const cuba = { neuron: "cuba-lif" as const, decayU: 0, decayV: 0, vthMant: 1000, refractory: 0, vmin: -V, vmax: V };

function denseNet(delay: number | Uint8Array): HwNetwork {
  const weight = Int16Array.from({ length: 100 * 784 }, (_, i) => (i % 7 === 0 ? 254 : i % 3 === 0 ? -254 : 2 * ((i % 100) - 50) || 2));
  return {
    format: "spikec.hw", version: 1, target: "loihi1", ticks: 10, notes: [], readouts: [],
    populations: [
      { kind: "source", id: "in", shape: [784], role: "input", schedule: null },
      { kind: "compartments", id: "fc", shape: [100], neuron: "cuba-lif", profiles: [cuba], profileOf: null, biasMant: null, biasExp: 0, uInit: null, vInit: null },
    ],
    synapses: [{ kind: "dense", id: "d", source: "in", target: "fc", weight, weightExp: 0, delay }],
  };
}

function convNet(inShape: [number, number, number], cout: number, k: [number, number], stride: [number, number], pads: [number, number, number, number], dilation: [number, number], weights: (i: number) => number, group = 1): HwNetwork {
  const [C, H, W] = inShape;
  const Ho = Math.floor((H + pads[0] + pads[2] - dilation[0] * (k[0] - 1) - 1) / stride[0]) + 1;
  const Wo = Math.floor((W + pads[1] + pads[3] - dilation[1] * (k[1] - 1) - 1) / stride[1]) + 1;
  const weight = Int16Array.from({ length: cout * (C / group) * k[0] * k[1] }, (_, i) => weights(i));
  return {
    format: "spikec.hw", version: 1, target: "loihi1", ticks: 10, notes: [], readouts: [],
    populations: [
      { kind: "source", id: "in", shape: [C, H, W], role: "input", schedule: null },
      { kind: "compartments", id: "conv", shape: [cout, Ho, Wo], neuron: "cuba-lif", profiles: [cuba], profileOf: null, biasMant: null, biasExp: 0, uInit: null, vInit: null },
    ],
    synapses: [{ kind: "conv", id: "c", source: "in", target: "conv", group, weight, weightExp: Int8Array.from({ length: cout }, (_, i) => i % 2), delay: 0, kernel: k, stride, pads, dilation }],
  };
}

describe("Loihi 1 synapse memory (targets.md §1.2)", () => {
  const mem = memoryModelOf(loihi1);
  it("the per-axon block formula: 896 bits for 100 8-bit entries, 1536 with 6 delay bits, 768 for 50", () => {
    expect(mem.listCost(100, { weightBits: 8, delayBits: 0, dense: true, indexBits: 10 })).toBe(896);
    expect(mem.listCost(100, { weightBits: 8, delayBits: 6, dense: true, indexBits: 10 })).toBe(1536);
    expect(mem.listCost(50, { weightBits: 8, delayBits: 6, dense: true, indexBits: 10 })).toBe(768);
    // Codes: 7 weight bits round up to 8; sparse entries add the index code (10 bits for 1024 compartments).
    expect(mem.entryBits({ weightBits: 7, delayBits: 0, dense: false, indexBits: 10 })).toBe(18);
  });

  it("dense 784→100, 8-bit weights: 702,464 bits on one core", () => {
    const p = place(denseNet(0), loihi1);
    expect(p.fits).toBe(true);
    expect(p.cores.length).toBe(1);
    expect(p.cores[0]!.used["synapse memory"]).toBe(702_464);
    expect(p.cores[0]!.used["input axons"]).toBe(784);
    expect(p.layers[0]!.binding).toBe("synapse memory");
  });

  it("with 6 delay bits: 1,204,224 bits, split into 2 cores of 50 neurons and 602,112 bits", () => {
    const delay = Uint8Array.from({ length: 100 }, (_, i) => (i === 0 ? 62 : i % 5));
    const p = place(denseNet(delay), loihi1);
    expect(p.layers[0]!.naiveCores).toBe(2);
    const whole = tileUsage(p.prepared, { population: "fc", neurons: Int32Array.from({ length: 100 }, (_, i) => i), box: null }, mem);
    expect(whole.memory).toBe(1_204_224);
    expect(p.fits).toBe(true);
    expect(p.cores.map((c) => c.used.neurons)).toEqual([50, 50]);
    expect(p.cores.map((c) => c.used["synapse memory"])).toEqual([602_112, 602_112]);
  });
});

describe("conv tiles, hand-counted", () => {
  const mem = memoryModelOf(loihi1);
  // [1, 4, 4] → 3×3 conv → [2, 2, 2]; every weight nonzero; sparse entries of 8 + 10 index bits = 18 bits.
  const net = convNet([1, 4, 4], 2, [3, 3], [1, 1], [0, 0, 0, 0], [1, 1], () => 100);
  const pn = prepare({ ...net, synapses: [{ ...net.synapses[0]!, weightExp: 0 } as HwNetwork["synapses"][number]] }, loihi1);
  it("the whole layer: 16 axons, 72 synapses, 2048 bits (4 corners of 2 entries, 8 edges of 4, 4 centres of 8)", () => {
    const u = tileUsage(pn, { population: "conv", neurons: Int32Array.from({ length: 8 }, (_, i) => i), box: { c: [0, 2], y: [0, 2], x: [0, 2] } }, mem);
    expect(u.axons.count).toBe(16);
    expect(u.synapses).toBe(72);
    expect(u.memory).toBe(4 * 64 + 8 * 128 + 4 * 192);
  });
  it("the top-row tile (c 0..2, y 0, x 0..2): input rows 0..2 only, 12 axons, 1152 bits", () => {
    const box = { c: [0, 2] as [number, number], y: [0, 1] as [number, number], x: [0, 2] as [number, number] };
    const u = tileUsage(pn, { population: "conv", neurons: boxNeurons([2, 2, 2], box), box }, mem);
    expect(u.axons.count).toBe(12);
    expect(u.synapses).toBe(36);
    expect(u.memory).toBe(3 * (64 + 128 + 128 + 64));
  });
});

describe("closed-form conv tiles = synapse-by-synapse enumeration", () => {
  it("on random geometries and boxes (axons, synapses, memory, formats)", () => {
    const mem = memoryModelOf(loihi1);
    fc.assert(
      fc.property(
        fc.record({
          c: fc.integer({ min: 1, max: 3 }), h: fc.integer({ min: 3, max: 9 }), w: fc.integer({ min: 3, max: 9 }),
          cout: fc.integer({ min: 1, max: 4 }), k: fc.integer({ min: 1, max: 3 }), s: fc.integer({ min: 1, max: 2 }),
          p: fc.integer({ min: 0, max: 1 }), d: fc.integer({ min: 1, max: 2 }), seed: fc.integer({ min: 0, max: 1000 }),
          b: fc.tuple(fc.nat(), fc.nat(), fc.nat(), fc.nat(), fc.nat(), fc.nat()),
        }),
        ({ c, h, w, cout, k, s, p, d, seed, b }) => {
          if (h + 2 * p < d * (k - 1) + 1 || w + 2 * p < d * (k - 1) + 1) return;
          const net = convNet([c, h, w], cout, [k, k], [s, s], [p, p, p, p], [d, d], (i) => ((i * 7919 + seed) % 5 === 0 ? 0 : 2 * (((i * 31 + seed) % 200) - 100)));
          const pn = prepare(net, loihi1);
          const [Co, Ho, Wo] = net.populations[1]!.shape as [number, number, number];
          const r = (n: number, x: number, y: number): [number, number] => {
            const a = x % n;
            const e = a + 1 + (y % (n - a));
            return [a, e];
          };
          const box = { c: r(Co, b[0], b[1]), y: r(Ho, b[2], b[3]), x: r(Wo, b[4], b[5]) };
          const neurons = boxNeurons([Co, Ho, Wo], box);
          const closed = tileUsage(pn, { population: "conv", neurons, box }, mem);
          const enumerated = tileUsage(pn, { population: "conv", neurons, box: null }, mem);
          expect(Array.from(closed.axons.sorted())).toEqual(Array.from(enumerated.axons.sorted()));
          // addRunsTo (a retired core's destinations, as a difference array) adds one per axon, as counting them does.
          const diff = new Int32Array(pn.totalNeurons + 1);
          closed.axons.addRunsTo(diff);
          closed.axons.addRunsTo(diff);
          const counted = new Int32Array(pn.totalNeurons);
          for (let g = 0, run = 0; g < pn.totalNeurons; g++) counted[g] = run += diff[g]!;
          const expected = new Int32Array(pn.totalNeurons);
          for (const a of enumerated.axons.sorted()) expected[a]! += 2;
          expect(Array.from(counted)).toEqual(Array.from(expected));
          expect(closed.synapses).toBe(enumerated.synapses);
          expect(closed.memory).toBe(enumerated.memory);
          expect([...closed.formats].sort()).toEqual([...enumerated.formats].sort());
        },
      ),
      { numRuns: 150 },
    );
  });
});
