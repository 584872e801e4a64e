/**
 * The placer's fast tile accounting (conv tap classes memoized across tiles, sparse scratch counters, axons
 * regenerated from geometry) against a straightforward count: every synapse into the tile enumerated by the loihi
 * backend's own visitor, one list per (input axon, group, exponent), costed by the target's formula. Random small
 * conv + sparse + dense groups into one population, random boxes with and without a channel order, random neuron
 * sets; then the same tiles again (memo hits) must give the same numbers.
 */
import { describe, expect, it } from "vitest";
import fc from "fast-check";
import type { HwNetwork, HwSynapseGroup } from "../../src/hw/network.js";
import { populationSize } from "../../src/hw/network.js";
import { loadTarget } from "../../src/hw/target/load.js";
import { memoryModelOf } from "../../src/place/cost/index.js";
import { prepare } from "../../src/place/prepared.js";
import { boxNeurons, tileUsage, type Tile } from "../../src/place/usage.js";
import { referenceUsage } from "../helpers/reference-usage.js";
import { rng } from "../helpers/rng.js";

const V = 2 ** 23 - 1;
const cuba = { neuron: "cuba-lif" as const, decayU: 0, decayV: 0, vthMant: 1000, refractory: 0, vmin: -V, vmax: V };

interface Geometry {
  c: number;
  h: number;
  w: number;
  cout: number;
  k: number;
  s: number;
  p: number;
  seed: number;
}

/** in [c, h, w] →conv→ out [cout, Ho, Wo]; aux [6] →dense→ out; in →sparse (per-synapse exponents)→ out. */
function randomNet({ c, h, w, cout, k, s, p, seed }: Geometry, target: string): HwNetwork {
  const rand = rng(seed);
  const Ho = Math.floor((h + 2 * p - k) / s) + 1;
  const Wo = Math.floor((w + 2 * p - k) / s) + 1;
  const nOut = cout * Ho * Wo;
  const nIn = c * h * w;
  const even = () => (rand() < 0.15 ? 0 : 2 * Math.round((rand() - 0.5) * 200));
  const nSparse = 3 * nOut;
  const conv: HwSynapseGroup = {
    kind: "conv", id: "conv", source: "in", target: "out", group: 1, kernel: [k, k], stride: [s, s], pads: [p, p, p, p], dilation: [1, 1],
    weight: Int16Array.from({ length: cout * c * k * k }, even), weightExp: Int8Array.from({ length: cout }, () => Math.floor(rand() * 3) - 1), delay: 0,
  };
  const dense: HwSynapseGroup = {
    kind: "dense", id: "dense", source: "aux", target: "out", weight: Int16Array.from({ length: nOut * 6 }, () => (rand() < 0.5 ? 0 : 1 + Math.floor(rand() * 100))),
    weightExp: seed % 2 ? 0 : Int8Array.from({ length: nOut }, () => Math.floor(rand() * 2)), delay: 0,
  };
  const sparse: HwSynapseGroup = {
    kind: "sparse", id: "sparse", source: "in", target: "out", pre: Int32Array.from({ length: nSparse }, () => Math.floor(rand() * nIn)), post: Int32Array.from({ length: nSparse }, () => Math.floor(rand() * nOut)),
    weight: Int16Array.from({ length: nSparse }, even), weightExp: Int8Array.from({ length: nSparse }, () => Math.floor(rand() * 4)), delay: 1,
  };
  return {
    format: "spikec.hw", version: 1, target, ticks: 10, notes: [], readouts: [],
    populations: [
      { kind: "source", id: "in", shape: [c, h, w], role: "input", schedule: null },
      { kind: "source", id: "aux", shape: [6], role: "input", schedule: null },
      { kind: "compartments", id: "out", shape: [cout, Ho, Wo], neuron: "cuba-lif", profiles: [cuba], profileOf: null, biasMant: null, biasExp: 0, uInit: null, vInit: null },
    ],
    synapses: [conv, dense, sparse],
  };
}

function shuffled(n: number, rand: () => number): Int32Array {
  const a = Int32Array.from({ length: n }, (_, i) => i);
  for (let i = n - 1; i > 0; i--) {
    const j = Math.floor(rand() * (i + 1));
    [a[i], a[j]] = [a[j]!, a[i]!];
  }
  return a;
}

describe("fast tile usage = a straightforward count", () => {
  for (const name of ["loihi1", "loihi2"]) {
    it(`${name}: conv boxes (with and without a channel order), neuron sets, repeated tiles`, () => {
      const target = loadTarget(name);
      const mem = memoryModelOf(target);
      fc.assert(
        fc.property(
          fc.record({
            c: fc.integer({ min: 1, max: 3 }), h: fc.integer({ min: 3, max: 8 }), w: fc.integer({ min: 3, max: 8 }), cout: fc.integer({ min: 1, max: 5 }),
            k: fc.integer({ min: 1, max: 3 }), s: fc.integer({ min: 1, max: 2 }), p: fc.integer({ min: 0, max: 1 }), seed: fc.integer({ min: 0, max: 10_000 }),
          }),
          (geo) => {
            if (geo.h + 2 * geo.p < geo.k || geo.w + 2 * geo.p < geo.k) return;
            const net = randomNet(geo, name);
            const pn = prepare(net, target);
            const out = net.populations[2]!;
            const [Co, Ho, Wo] = out.shape as [number, number, number];
            const rand = rng(geo.seed + 1);
            const span = (n: number): [number, number] => {
              const a = Math.floor(rand() * n);
              return [a, a + 1 + Math.floor(rand() * (n - a))];
            };
            const order = shuffled(Co, rand);
            const tiles: Tile[] = [];
            for (let q = 0; q < 3; q++) {
              const box = { c: span(Co), y: span(Ho), x: span(Wo), order: q === 0 ? undefined : order };
              tiles.push({ population: "out", neurons: boxNeurons(out.shape, box), box });
            }
            const n = populationSize(out);
            tiles.push({ population: "out", neurons: shuffled(n, rand).slice(0, 1 + Math.floor(rand() * n)).sort(), box: null });
            // Twice: the second pass reads the memoized conv classes.
            for (const t of [...tiles, ...tiles]) {
              const fast = tileUsage(pn, t, mem);
              const ref = referenceUsage(pn, t, target);
              expect(Array.from(fast.axons.sorted())).toEqual(ref.axons);
              expect(fast.axons.count).toBe(ref.axons.length);
              expect(fast.synapses).toBe(ref.synapses);
              expect(fast.memory).toBe(ref.memory);
              expect([...fast.formats].sort()).toEqual(ref.formats);
            }
          },
        ),
        { numRuns: 60 },
      );
    });
  }
});
