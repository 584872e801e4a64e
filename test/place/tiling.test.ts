/**
 * Conv tiling on Loihi 2: channel blocks are cut inside runs of equal exponents (one synapse list per input axon
 * and block), the tiles partition the layer, each fits a core alone, and the blocks store less synapse memory
 * per neuron than plain channel ranges would at the same grid.
 */
import { describe, expect, it } from "vitest";
import type { HwNetwork } from "../../src/hw/network.js";
import { populationSize } from "../../src/hw/network.js";
import { loadTarget } from "../../src/hw/target/load.js";
import { memoryModelOf } from "../../src/place/cost/index.js";
import { budgetsOf, tileAmounts, worstRatio } from "../../src/place/budget.js";
import { prepare } from "../../src/place/prepared.js";
import { channelRuns, retile, tilePopulation } from "../../src/place/tiling.js";
import { boxChannels, boxNeurons, tileUsage } from "../../src/place/usage.js";
import { rng } from "../helpers/rng.js";
import type { Target } from "../../src/hw/target/target.js";
import { mapToSnn } from "../../src/mapping/map.js";
import { lowerToHw } from "../../src/hw/lower.js";
import { place } from "../../src/place/place.js";
import { randomMlp } from "../helpers/random-canonical.js";

const V = 2 ** 23 - 1;
const target = loadTarget("loihi2");
const loihi1 = loadTarget("loihi1");

function convLayer(): HwNetwork {
  const rand = rng(3);
  const [C, H, W, Co] = [16, 12, 12, 48];
  return {
    format: "spikec.hw", version: 1, target: "loihi2", ticks: 10, notes: [], readouts: [],
    populations: [
      { kind: "source", id: "in", shape: [C, H, W], role: "input", schedule: null },
      {
        kind: "compartments", id: "conv", shape: [Co, H, W], neuron: "cuba-lif", profiles: [{ neuron: "cuba-lif", decayU: 0, decayV: 0, vthMant: 1000, refractory: 0, vmin: -V, vmax: V }],
        profileOf: null, biasMant: null, biasExp: 0, uInit: null, vInit: null,
      },
    ],
    synapses: [
      {
        kind: "conv", id: "c", source: "in", target: "conv", group: 1, kernel: [3, 3], stride: [1, 1], pads: [1, 1, 1, 1], dilation: [1, 1], delay: 0,
        weight: Int16Array.from({ length: Co * C * 9 }, () => 2 * Math.round((rand() - 0.5) * 254) || 2), weightExp: Int8Array.from({ length: Co }, () => Math.floor(rand() * 3)),
      },
    ],
  };
}

/** The conv layer prepared for placement on Loihi 2: its network, budgets and output population. */
function preparedConvLayer() {
  const net = convLayer();
  const mem = memoryModelOf(target);
  return { net, pn: prepare(net, target), mem, budgets: budgetsOf(target, mem), pop: net.populations[1]! };
}

describe("conv tiles cut inside runs of equal exponents", () => {
  const { net, pn, mem, budgets, pop } = preparedConvLayer();
  const exps = (net.synapses[0]!.weightExp as Int8Array);

  it("runs: the channels sorted by exponent, one run per exponent", () => {
    const { order, runs } = channelRuns(pn, pop);
    expect(order).toBeDefined();
    expect(runs.length).toBe(3);
    expect([...order!].sort((a, b) => a - b)).toEqual(Array.from({ length: 48 }, (_, i) => i));
    for (const [a, b] of runs) expect(new Set(Array.from(order!.subarray(a, b), (c) => exps[c])).size).toBe(1);
  });

  it("tiles: one exponent each, a partition of the layer, each fits alone", () => {
    const t = tilePopulation(pn, pop, budgets, mem);
    expect(t.unfit).toBeNull();
    expect(t.tiles.length).toBeGreaterThan(1);
    const seen = new Int32Array(48 * 144);
    for (const { tile, usage } of t.tiles) {
      expect(new Set(Array.from(boxChannels(tile.box!), (c) => exps[c])).size).toBe(1);
      expect(usage.formats.size).toBe(1);
      expect(worstRatio(tileAmounts(usage), budgets).ratio).toBeLessThanOrEqual(1);
      for (const i of tile.neurons) seen[i]!++;
    }
    expect(seen.every((x) => x === 1)).toBe(true);
  });

  it("a block of one exponent stores less than the same number of mixed channels", () => {
    const { order, runs } = channelRuns(pn, pop);
    const n = Math.min(...runs.map(([a, b]) => b - a));
    const at = { y: [5, 6] as [number, number], x: [5, 6] as [number, number] };
    const sorted = { c: [runs[0]![0], runs[0]![0] + n] as [number, number], ...at, order };
    const plain = { c: [0, n] as [number, number], ...at };
    const memOf = (box: typeof plain) => tileUsage(pn, { population: "conv", neurons: boxNeurons(pop.shape, box), box }, mem);
    const a = memOf(sorted);
    const b = memOf(plain);
    console.log(`${n} channels at one pixel: ${a.memory} units in one exponent, ${b.memory} in ${b.formats.size}`);
    expect(b.formats.size).toBeGreaterThan(1);
    expect(a.synapses).toBe(b.synapses);
    expect(a.memory).toBeLessThan(b.memory);
  });
});

describe("a later placement attempt keeps a layer's tiles while they fit its measured output axon slots", () => {
  const { pn, mem, budgets, pop } = preparedConvLayer();
  const first = tilePopulation(pn, pop, budgets, mem);
  const base = pn.base.get("conv")!;
  const slotCap = budgets.find((b) => b.resource === "output axons")!.capacity!;
  const withSlots = (perNeuron: number) => {
    const outputSlots = new Float64Array(pn.totalNeurons);
    for (let i = 0; i < populationSize(pop); i++) outputSlots[base + i] = perNeuron;
    return { ...pn, outputSlots };
  };

  it("slots that fit: the same tiles, each charged its neurons' slots, the whole layer their sum", () => {
    const q = withSlots(2);
    const kept = retile(q, first, null, budgets)!;
    expect(kept).not.toBeNull();
    expect(kept.tiles.map((t) => t.tile)).toEqual(first.tiles.map((t) => t.tile));
    kept.tiles.forEach(({ tile, usage }) => {
      expect(usage.outputSlots).toBe(2 * tile.neurons.length);
      // Equal to a fresh usage count under the same estimate, every other amount unchanged.
      expect(tileAmounts(usage)).toEqual(tileAmounts(tileUsage(q, tile, mem)));
    });
    expect(kept.whole.outputSlots).toBe(2 * populationSize(pop));
  });

  it("slots that overflow a tile: tiled anew (null), and the new tiling fits them", () => {
    const most = Math.max(...first.tiles.map((t) => t.tile.neurons.length));
    const q = withSlots(Math.ceil((slotCap + 1) / most));
    expect(retile(q, first, null, budgets)).toBeNull();
    const again = tilePopulation(q, pop, budgets, mem);
    expect(again.tiles.length).toBeGreaterThan(first.tiles.length);
    for (const { usage } of again.tiles) expect(usage.outputSlots).toBeLessThanOrEqual(slotCap);
  });
});

describe("range tilings are kept only under the estimates they were made with", () => {
  // A review: a 600-neuron dense layer kept 40 range tiles where tiling anew under the larger estimate took 43, and
  // its network, which fit (73 Loihi 1 cores of 150 output axon slots), was then reported as not fitting.
  const c = loihi1.coreClasses[0]!;
  const t150: Target = { ...loihi1, id: "out150", coreClasses: [{ ...c, maxOutputAxonSlots: 150 }] };
  const graph = randomMlp(3, 16, [600, 300, 100], 2);
  const r = rng(4);
  const calib = Float64Array.from({ length: 40 * 16 }, () => r());
  const { net } = mapToSnn(graph, calib, 40, { model: "alpha", margin: 0.5, inputRange: { low: 0, high: 1 }, modelFile: "random-mlp" });
  const { hw } = lowerToHw(net, t150, 8);

  it("a dense layer: tiled anew when its estimates grew, kept (the same search) when they did not", () => {
    const pn = prepare(hw, t150);
    const mem = memoryModelOf(t150);
    const budgets = budgetsOf(t150, mem);
    const pop = pn.pops.get("fc0")!;
    const first = tilePopulation(pn, pop, budgets, mem);
    expect(first.tiles.every((x) => x.tile.box === null)).toBe(true);
    const outputSlots = new Float64Array(pn.totalNeurons);
    const base = pn.base.get("fc0")!;
    for (let i = 0; i < populationSize(pop); i++) outputSlots[base + i] = 7;
    const q = { ...pn, outputSlots };
    expect(retile(q, first, null, budgets)).toBeNull();
    const again = tilePopulation(q, pop, budgets, mem);
    const kept = retile(q, again, outputSlots, budgets)!;
    expect(kept.tiles.map((x) => x.tile)).toEqual(again.tiles.map((x) => x.tile));
  });

  it("the network fits, as it did before tilings were kept", () => {
    const p = place(hw, t150);
    expect(p.problems).toEqual([]);
    expect(p.fits).toBe(true);
  }, 120_000);
});
